/*  order_ops.c - the order operations (see order_ops.h).

    Where the escrow is, and what each transition does with it:
      create on a sell ad   the maker's crypto moves from the ad's hold to the
                            order (held either way: an order_hold row, zero deltas)
      create on a buy ad    the taker (the seller) holds it from available
      COMPLETED             seller's held -x, buyer's available +x (release)
      CANCELLED / EXPIRED / REFUNDED
                            back to the ad's remainder when it is a sell ad
                            still open (zero deltas); else to the seller's
                            available; a buy ad's remainder is restored
    Every transition runs under the order's row lock and changes the status
    with a compare-and-set, so of two racing calls exactly one moves money;
    the other sees the new state and answers ORDER_STATE_CHANGED.

    Locks are taken in one order everywhere - the order, then its ad, then
    wallets by profile id, then profiles - so transitions cannot deadlock
    one another (and db_tx retries the rare deadlock with other paths). */
#include "order_ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>

#include "ad_repo.h"
#include "chat_ops.h"
#include "chat_repo.h"
#include "notify_ops.h"
#include "trade_push.h"
#include "ledger_repo.h"
#include "log.h"
#include "order_json.h"
#include "order_repo.h"
#include "payment_repo.h"

/*  8 characters for humans: no 0/O or 1/I to misread on a phone call. */
#define S_REFERENCE_ALPHABET "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

static void
s_reference(char out[9])
{
    unsigned char raw[8];
    if (getrandom(raw, sizeof raw, 0) != sizeof raw)
        for (size_t i = 0; i < sizeof raw; i++)
            raw[i] = (unsigned char) rand();
    for (int i = 0; i < 8; i++)
        out[i] = S_REFERENCE_ALPHABET[raw[i] % 32];
    out[8] = 0;
}

static int64_t
s_release_window_ms(const trade_app_t *app)
{
    return trade_app_scaled_ms(app, app->cfg->release_window_minutes);
}

/*  The order as viewer sees it, "can" included: text, caller frees. */
static char *
s_order_text(trade_app_t *app, int64_t order_id, int64_t viewer, bool admin, err_t *err)
{
    bool found = false;
    err_t failed = {.code = ERR_OK};
    char *raw = order_repo_json(app->db, order_id, viewer, admin, s_release_window_ms(app), &found, &failed);
    if (!raw) {
        /* a failed read (the database went away after a commit) is not "no
           such order": the client must not be told its order vanished */
        if (failed.code == ERR_OK)
            err_set(err, ERR_NOT_FOUND, "Order not found");
        else if (err)
            *err = failed;
        return NULL;
    }
    char *text = order_json_finish_text(raw, err);
    free(raw);
    return text;
}

static char *
s_wrap_order(char *order, err_t *err)
{
    if (!order)
        return NULL;
    char *out = NULL;
    if (asprintf(&out, "{\"order\":%s}", order) < 0) {
        out = NULL;
        err_set(err, ERR_INTERNAL, "out of memory");
    }
    free(order);
    return out;
}

char *
order_ops_view(trade_app_t *app, int64_t order_id, int64_t viewer)
{
    err_t err;
    return s_wrap_order(s_order_text(app, order_id, viewer, false, &err), &err);
}

/*  order.updated to both parties' sessions on every gateway, each with the
    order as they see it, from one read after the commit. Returns the view of
    caller_id when that is a party (caller frees), else NULL; NULL with err
    when the read failed. A push that finds no session is not an error (a
    client that reconnects lists what it missed). */
static char *
s_push_order(trade_app_t *app, int64_t order_id, int64_t caller_id, err_t *err)
{
    order_party_view_t views[2];
    err_t failed = {.code = ERR_OK};
    int found = order_repo_party_views(app->db, order_id, s_release_window_ms(app), views, &failed);
    if (found != 1) {
        /* a failed read (the database went away after a commit) is not "no
           such order": the client must not be told its order vanished */
        if (found == 0)
            err_set(&failed, ERR_NOT_FOUND, "Order not found");
        if (err)
            *err = failed;
        log_warn("order.push_failed", NULL,
                 json_pack("{s:I, s:s}", "order_id", (json_int_t) order_id, "error", failed.msg));
        return NULL;
    }
    char *mine = NULL;
    bool party = false; /* caller_id is one of the two */
    for (size_t i = 0; i < 2; i++) {
        err_t e;
        char *order = order_json_finish_text(views[i].json, &e);
        free(views[i].json);
        char *frame = NULL;
        if (order && app->worker
            && asprintf(&frame, "{\"type\":\"order.updated\",\"success\":true,\"data\":{\"order\":%s}}",
                        order)
                   >= 0) {
            worker_publish(app->worker, "user.push", views[i].user_id, frame);
            free(frame);
        }
        else if (app->worker) {
            log_warn("order.push_failed", NULL, json_pack("{s:I}", "order_id", (json_int_t) order_id));
        }
        if (caller_id && views[i].profile_id == caller_id && !party) {
            party = true;
            mine = order;
            if (!order && err)
                *err = e;
        }
        else {
            free(order);
        }
    }
    if (caller_id && !party)
        err_set(err, ERR_NOT_FOUND, "Order not found");
    return mine;
}

/*  A ledger movement of an order's crypto (decimal text deltas). */
static int
s_move(db_t *db, int64_t profile_id, const order_row_t *o, const char *kind, money_t available, money_t held,
       money_t amount, err_t *err)
{
    char a[MONEY_TEXT_MAX], h[MONEY_TEXT_MAX], m[MONEY_TEXT_MAX];
    int d = o->asset->decimals;
    money_format(available, d, a);
    money_format(held, d, h);
    money_format(amount, d, m);
    ledger_move_t move = {
        .profile_id = profile_id,
        .asset = o->asset->code,
        .kind = kind,
        .available_delta = a,
        .held_delta = h,
        .amount = m,
        .ad_id = o->ad_id,
        .order_id = o->id,
    };
    int rc = ledger_repo_move(db, &move, NULL, err);
    if (rc == LEDGER_APPLIED)
        return 0;
    if (rc == LEDGER_INSUFFICIENT)
        return err_set(err, ERR_INSUFFICIENT_BALANCE, "available %s balance is lower than %s", o->asset->code,
                       m);
    return rc < 0 ? -1 : err_set(err, ERR_INTERNAL, "unexpected ledger outcome");
}

/* ------------------------------------------------------------------ transitions */

/*  The escrow's movement for a transition into to (see the banner). */
static int
s_settle(db_t *db, const order_row_t *o, order_status_t to, err_t *err)
{
    money_t x = o->crypto_amount;
    if (to == ORDER_COMPLETED) {
        /* wallets in profile id order: two releases between the same two
           people in opposite directions lock them the same way round */
        if (o->seller_id < o->buyer_id)
            return s_move(db, o->seller_id, o, "release", 0, -x, -x, err) != 0
                       ? -1
                       : s_move(db, o->buyer_id, o, "release", x, 0, x, err);
        return s_move(db, o->buyer_id, o, "release", x, 0, x, err) != 0
                   ? -1
                   : s_move(db, o->seller_id, o, "release", 0, -x, -x, err);
    }
    if (to != ORDER_CANCELLED && to != ORDER_EXPIRED && to != ORDER_REFUNDED)
        return 0;
    char delta[MONEY_TEXT_MAX];
    money_format(-x, o->asset->decimals, delta);
    if (!o->ad_closed) {
        /* the ad's remainder grows back (a paused ad keeps it too) */
        int back = ad_repo_take(db, o->ad_id, delta, err);
        if (back < 0)
            return -1;
        if (o->sell_ad)
            return s_move(db, o->seller_id, o, "refund", 0, 0, x, err); /* still held, by the ad */
    }
    return s_move(db, o->seller_id, o, "refund", x, -x, x, err);
}

/*  What entering a status tells the parties: a line in the order's chat and
    a notification (TRADING.md "Notifications": who hears of what). */
typedef struct {
    order_status_t to;
    const char *chat; /* the system message */
    const char *kind; /* the notification */
    bool to_buyer, to_seller;
    const char *title; /* "%s": the order's reference */
    const char *body;  /* "%s" x3: reference, fiat amount, crypto amount */
} s_announce_t;

static const s_announce_t s_announcements[] = {
    {ORDER_PAID,
     "The buyer marked the order as paid. Seller: check that the money arrived, then release the crypto.",
     "order.paid", false, true, "Order %s: the buyer has paid",
     "The buyer marked order %s as paid (%s for %s). Check your account, then release the crypto."},
    {ORDER_COMPLETED, "The seller released the crypto. The trade is complete.", "order.completed", true,
     false, "Order %s completed", "Order %s is complete: %s paid, %s released to your wallet."},
    {ORDER_CANCELLED, "The buyer cancelled the order. The crypto is back with the seller.", "order.cancelled",
     false, true, "Order %s cancelled", "The buyer cancelled order %s (%s for %s); the crypto is back."},
    {ORDER_EXPIRED,
     "The payment window passed without payment: the order expired. The crypto is back with the seller.",
     "order.expired", true, true, "Order %s expired", "Order %s (%s for %s) expired: nobody paid in time."},
};

/*  The system message and the notifications for o entering to. */
static int
s_announce(trade_app_t *app, db_t *db, trade_push_t *push, const order_row_t *o, order_status_t to,
           err_t *err)
{
    for (size_t i = 0; i < sizeof s_announcements / sizeof s_announcements[0]; i++) {
        const s_announce_t *a = &s_announcements[i];
        if (a->to != to)
            continue;
        if (chat_ops_post(db, push, o, "system", 0, a->chat, err) != 0)
            return -1;
        char fiat[MONEY_TEXT_MAX + 16], crypto[MONEY_TEXT_MAX + 16], title[128], body[512], data[96];
        money_format(o->fiat_amount, o->fiat->decimals, fiat);
        money_format(o->crypto_amount, o->asset->decimals, crypto);
        snprintf(fiat + strlen(fiat), 16, " %s", o->fiat->code);
        snprintf(crypto + strlen(crypto), 16, " %s", o->asset->code);
        snprintf(title, sizeof title, a->title, o->reference);
        snprintf(body, sizeof body, a->body, o->reference, fiat, crypto);
        snprintf(data, sizeof data, "{\"order_id\":%" PRId64 ",\"reference\":\"%s\"}", o->id, o->reference);
        if ((a->to_buyer && notify_ops_add(app, db, push, o->buyer_id, a->kind, title, body, data, err) != 0)
            || (a->to_seller
                && notify_ops_add(app, db, push, o->seller_id, a->kind, title, body, data, err) != 0))
            return -1;
    }
    return 0;
}

/*  Apply one transition to a locked order: compare-and-set the status, move
    the escrow, count the trade, record the event, tell the parties (chat,
    notifications; pushes queued on push for after the commit). */
static int
s_apply(trade_app_t *app, db_t *db, trade_push_t *push, order_row_t *o, order_status_t to, order_role_t who,
        const char *actor_user_id, err_t *err)
{
    int set = order_repo_set_status(db, o->id, o->status, to, err);
    if (set < 0)
        return -1;
    if (set == 0)
        return err_set(err, ERR_ORDER_STATE_CHANGED, "the order's state changed; reload it");
    if (s_settle(db, o, to, err) != 0)
        return -1;
    if (order_status_is_final(to) && order_repo_count_trade(db, o, to, err) != 0)
        return -1;
    if (order_repo_event(db, o->id, to, order_role_name(who), actor_user_id, err) != 0)
        return -1;
    o->status = to;
    /* a ruling is announced by the dispute operations, in their words */
    if (who == ORDER_ROLE_ADMIN || (who == ORDER_ROLE_SYSTEM && to != ORDER_EXPIRED))
        return 0;
    return s_announce(app, db, push, o, to, err);
}

int
order_ops_transition(trade_app_t *app, db_t *db, trade_push_t *push, order_row_t *o, order_action_t action,
                     order_role_t who, const char *actor_user_id, err_t *err)
{
    order_status_t to;
    order_fsm_verdict_t verdict = order_fsm_check(o->status, action, who, &to);
    if (verdict == ORDER_FSM_FORBIDDEN)
        return err_set(err, ERR_FORBIDDEN, "the %s may not %s this order", order_role_name(who),
                       order_action_name(action));
    if (verdict == ORDER_FSM_STATE)
        return err_set(err, ERR_ORDER_STATE_CHANGED, "the order is %s: it cannot %s now",
                       order_status_name(o->status), order_action_name(action));
    return s_apply(app, db, push, o, to, who, actor_user_id, err);
}

void
order_ops_push(trade_app_t *app, const order_row_t *o)
{
    s_push_order(app, o->id, 0, NULL);
}

int64_t
order_ops_release_window_ms(const trade_app_t *app)
{
    return s_release_window_ms(app);
}

typedef struct {
    trade_app_t *app;
    const party_t *caller;
    const char *user_id;
    int64_t order_id;
    order_action_t action;
    order_row_t order;
    bool expired_instead; /* the deadline passed first: it expired, the action did not happen */
    trade_push_t push;    /* chat messages and notifications, for after the commit */
} s_act_t;

static int
s_act_tx(db_t *db, void *ctx, err_t *err)
{
    s_act_t *a = ctx;
    a->expired_instead = false;
    trade_push_clear(&a->push);
    order_row_t *o = &a->order;
    int found = order_repo_lock(db, a->app->catalog, a->order_id, s_release_window_ms(a->app), o, err);
    if (found < 0)
        return -1;
    order_role_t role = !found                                  ? ORDER_ROLE_NONE
                        : o->buyer_id == a->caller->profile_id  ? ORDER_ROLE_BUYER
                        : o->seller_id == a->caller->profile_id ? ORDER_ROLE_SELLER
                                                                : ORDER_ROLE_NONE;
    if (role == ORDER_ROLE_NONE)
        return err_set(err, ERR_NOT_FOUND, "Order not found");
    order_status_t to;
    order_fsm_verdict_t verdict = order_fsm_check(o->status, a->action, role, &to);
    if (verdict == ORDER_FSM_FORBIDDEN)
        return err_set(err, ERR_FORBIDDEN, "the %s may not %s this order", order_role_name(role),
                       order_action_name(a->action));
    /* judged at the moment of the call: an unpaid order past its deadline
       is expired, even if the timer has not run yet */
    if (o->expired_now) {
        if (s_apply(a->app, db, &a->push, o, ORDER_EXPIRED, ORDER_ROLE_SYSTEM, NULL, err) != 0)
            return -1;
        a->expired_instead = true;
        return 0; /* commit the expiry; the caller hears ORDER_STATE_CHANGED */
    }
    if (verdict == ORDER_FSM_STATE)
        return err_set(err, ERR_ORDER_STATE_CHANGED, "the order is %s: it cannot %s now",
                       order_status_name(o->status), order_action_name(a->action));
    return s_apply(a->app, db, &a->push, o, to, role, a->user_id, err);
}

char *
order_ops_act(trade_app_t *app, const party_t *caller, const char *user_id, int64_t order_id,
              order_action_t action, err_t *err)
{
    s_act_t a = {.app = app, .caller = caller, .user_id = user_id, .order_id = order_id, .action = action};
    if (trade_app_tx(app, "order.act", s_act_tx, &a, err) != 0) {
        trade_push_clear(&a.push);
        return NULL;
    }
    trade_push_publish(app, &a.push);
    /* the caller's view comes from the read that feeds both parties' pushes */
    if (a.expired_instead) {
        s_push_order(app, order_id, 0, NULL);
        return err_set(err, ERR_ORDER_STATE_CHANGED, "the payment window has passed: the order expired"),
               NULL;
    }
    return s_wrap_order(s_push_order(app, order_id, caller->profile_id, err), err);
}

/* ------------------------------------------------------------------ create */

typedef struct {
    trade_app_t *app;
    const party_t *caller;
    const char *user_id;
    const order_create_t *in;
    int64_t order_id;
    bool existing; /* client_order_id named an order placed before */
    order_row_t order;
    trade_push_t push;
} s_create_t;

/*  A new order: its first system line, the ad's auto-reply as the maker's
    first message, and the maker's order.created notification. */
static int
s_opened(trade_app_t *app, db_t *db, trade_push_t *push, const order_row_t *o, const ad_row_t *ad, err_t *err)
{
    char fiat[MONEY_TEXT_MAX], crypto[MONEY_TEXT_MAX], text[512], title[128], body[512], data[96];
    money_format(o->fiat_amount, o->fiat->decimals, fiat);
    money_format(o->crypto_amount, o->asset->decimals, crypto);
    snprintf(text, sizeof text,
             "Order %s opened: %s %s for %s %s. The buyer pays the seller within %d minutes, then marks the "
             "order as paid; the crypto is held in escrow until the seller releases it.",
             o->reference, crypto, o->asset->code, fiat, o->fiat->code, ad->window_minutes);
    if (chat_ops_post(db, push, o, "system", 0, text, err) != 0)
        return -1;
    if (ad->auto_reply[0]
        && chat_ops_post(db, push, o, ad->sell ? "seller" : "buyer", ad->profile_id, ad->auto_reply, err)
               != 0)
        return -1;
    snprintf(title, sizeof title, "New order %s on your ad", o->reference);
    snprintf(body, sizeof body, "%s wants to %s %s %s for %s %s.", ad->sell ? "A buyer" : "A seller",
             ad->sell ? "buy" : "sell", crypto, o->asset->code, fiat, o->fiat->code);
    snprintf(data, sizeof data, "{\"order_id\":%" PRId64 ",\"reference\":\"%s\"}", o->id, o->reference);
    return notify_ops_add(app, db, push, ad->profile_id, "order.created", title, body, data, err);
}

/*  The order's amounts from the one the taker gave, at the ad's price:
    crypto = fiat / price rounded down; fiat = crypto * price rounded half up. */
static int
s_amounts(const order_create_t *in, const ad_row_t *ad, money_t *crypto, money_t *fiat, err_t *err)
{
    const char *field = in->fiat_amount ? "fiat_amount" : "crypto_amount";
    const catalog_currency_t *c = in->fiat_amount ? ad->fiat : ad->asset;
    money_t given;
    money_status_t st =
        money_parse(in->fiat_amount ? in->fiat_amount : in->crypto_amount, c->decimals, &given);
    if (st == MONEY_ESCALE)
        return err_set(err, ERR_INVALID, "field '%s' has more than %d decimals (%s)", field, c->decimals,
                       c->code);
    if (st != MONEY_OK)
        return err_set(err, ERR_INVALID, "field '%s' %s", field, money_status_text(st));
    if (given <= 0)
        return err_set(err, ERR_INVALID, "field '%s' must be greater than zero", field);
    if (in->fiat_amount) {
        *fiat = given;
        st = money_fiat_to_crypto(given, ad->effective_price, ad->asset->decimals, crypto);
    }
    else {
        *crypto = given;
        st = money_crypto_to_fiat(given, ad->asset->decimals, ad->effective_price, fiat);
    }
    if (st != MONEY_OK)
        return err_set(err, ERR_INVALID, "field '%s' is out of range", field);
    if (*crypto <= 0 || *fiat <= 0)
        return err_set(err, ERR_INVALID, "field '%s' is too small: it converts to zero at price %s", field,
                       "the ad's");
    return 0;
}

static int
s_create_tx(db_t *db, void *ctx, err_t *err)
{
    s_create_t *c = ctx;
    trade_push_clear(&c->push);
    const order_create_t *in = c->in;
    trade_app_t *app = c->app;
    int64_t me = c->caller->profile_id;
    c->existing = false;
    c->order_id = 0;
    if (in->client_order_id) {
        int64_t id = order_repo_by_client_id(db, me, in->client_order_id, err);
        if (id < 0)
            return -1;
        if (id > 0) {
            c->order_id = id;
            c->existing = true;
            return 0;
        }
    }
    ad_row_t ad;
    int found = ad_repo_lock(db, app->catalog, in->ad_id, app->cfg->price_max_age_s, &ad, err);
    if (found < 0)
        return -1;
    if (!found)
        return err_set(err, ERR_NOT_FOUND, "Ad not found");
    bool method_listed = false;
    for (int i = 0; i < ad.method_count; i++)
        method_listed |= ad.method_ids[i] == in->payment_method_id;
    if (!method_listed)
        return err_set(err, ERR_INVALID, "field 'payment_method_id' must be one of the ad's payment methods");
    money_t crypto = 0, fiat = 0;
    if (s_amounts(in, &ad, &crypto, &fiat, err) != 0)
        return -1;
    /* state: the ad must be open to orders (active, its maker in good
       standing, its price available) */
    if (!ad.available)
        return err_set(err, ERR_AD_UNAVAILABLE, "this ad is not taking orders now");
    if (ad.profile_id == me)
        return err_set(err, ERR_OWN_AD, "you cannot place an order on your own ad");
    if (fiat < ad.min_limit || fiat > ad.max_limit || crypto > ad.total - ad.taken) {
        char min[MONEY_TEXT_MAX], max[MONEY_TEXT_MAX];
        money_format(ad.min_limit, ad.fiat->decimals, min);
        money_format(ad.max_limit, ad.fiat->decimals, max);
        return err_set(err, ERR_AMOUNT_OUT_OF_RANGE,
                       "the amount must be %s to %s %s and within what the ad has left", min, max,
                       ad.fiat->code);
    }
    int64_t completed = 0;
    bool verified = false;
    if (order_repo_party_standing(db, me, &completed, &verified, err) < 0)
        return -1;
    if (completed < ad.req_min_trades || (ad.req_verified && !verified))
        return err_set(err, ERR_REQUIREMENTS_NOT_MET, "this ad asks for %d completed trades%s",
                       ad.req_min_trades, ad.req_verified ? " and a verified profile" : "");
    bool taker_buys = ad.sell;
    int64_t buyer = taker_buys ? me : ad.profile_id, seller = taker_buys ? ad.profile_id : me;
    if (taker_buys) {
        int64_t open = 0, cancelled = 0;
        if (order_repo_buyer_limits(db, me, &open, &cancelled, err) != 0)
            return -1;
        if (open >= app->cfg->max_open_orders)
            return err_set(err, ERR_TOO_MANY_OPEN_ORDERS,
                           "you have %" PRId64 " unpaid orders; pay or cancel one first", open);
        if (cancelled >= app->cfg->max_daily_cancels)
            return err_set(err, ERR_CANCEL_LIMIT_REACHED,
                           "you cancelled or let expire %" PRId64 " orders in the last 24 hours", cancelled);
    }
    char reference[9], price[MONEY_TEXT_MAX], scrypto[MONEY_TEXT_MAX], sfiat[MONEY_TEXT_MAX];
    s_reference(reference);
    money_format(ad.effective_price, ad.fiat->decimals, price);
    money_format(crypto, ad.asset->decimals, scrypto);
    money_format(fiat, ad.fiat->decimals, sfiat);
    order_insert_t row = {
        .reference = reference,
        .ad_id = ad.id,
        .sell_ad = ad.sell,
        .maker_id = ad.profile_id,
        .taker_id = me,
        .buyer_id = buyer,
        .seller_id = seller,
        .asset = ad.asset->code,
        .fiat = ad.fiat->code,
        .price = price,
        .crypto_amount = scrypto,
        .fiat_amount = sfiat,
        .payment_method_id = in->payment_method_id,
        .window_minutes = ad.window_minutes,
        .window_ms = trade_app_scaled_ms(app, ad.window_minutes),
        .client_order_id = in->client_order_id,
    };
    int duplicate = ORDER_DUP_NONE;
    if (order_repo_insert(db, &row, &c->order_id, &duplicate, err) != 0)
        /* a reference drawn twice: draw again; a client_order_id another call
           just used: the caller reads that call's order */
        return duplicate == ORDER_DUP_REFERENCE ? 1 : -1;
    if (!c->order_id) {
        /* no row: the seller has no account for the method, or an operator
           took the method out of service since the ad was posted */
        int active = payment_repo_method_active(db, in->payment_method_id, err);
        if (active < 0)
            return -1;
        if (!active)
            return err_set(err, ERR_INVALID,
                           "field 'payment_method_id' names a payment method that is no longer in service");
        return err_set(err, ERR_PAYMENT_ACCOUNT_REQUIRED,
                       "the seller has no payment account for this method");
    }
    int took = ad_repo_take(db, ad.id, scrypto, err);
    if (took <= 0)
        return took < 0 ? -1 : err_set(err, ERR_AMOUNT_OUT_OF_RANGE, "the ad has less left than that");
    /* the escrow: from the sell ad's hold, or from the taker-seller's balance */
    order_row_t *o = &c->order;
    if (order_repo_lock(db, app->catalog, c->order_id, 0, o, err) != 1)
        return err_set(err, ERR_INTERNAL, "the new order cannot be read back");
    if (ad.sell ? s_move(db, seller, o, "order_hold", 0, 0, crypto, err) != 0
                : s_move(db, seller, o, "order_hold", -crypto, crypto, crypto, err) != 0)
        return -1;
    if (s_opened(app, db, &c->push, o, &ad, err) != 0)
        return -1;
    return order_repo_event(db, c->order_id, ORDER_PENDING_PAYMENT, taker_buys ? "buyer" : "seller",
                            c->user_id, err);
}

char *
order_ops_create(trade_app_t *app, const party_t *caller, const char *user_id, const order_create_t *in,
                 bool *created, err_t *err)
{
    s_create_t c = {.app = app, .caller = caller, .user_id = user_id, .in = in};
    *created = false;
    if (trade_app_tx(app, "order.create", s_create_tx, &c, err) != 0) {
        trade_push_clear(&c.push);
        /* two calls with one client_order_id: the loser answers the winner's order */
        if (!in->client_order_id)
            return NULL;
        err_t lookup;
        int64_t id = order_repo_by_client_id(app->db, caller->profile_id, in->client_order_id, &lookup);
        if (id <= 0)
            return NULL;
        c.order_id = id;
        c.existing = true;
    }
    *created = !c.existing;
    trade_push_publish(app, &c.push);
    /* a new order: the taker's view from the read that feeds both parties' pushes */
    if (*created)
        return s_wrap_order(s_push_order(app, c.order_id, caller->profile_id, err), err);
    return s_wrap_order(s_order_text(app, c.order_id, caller->profile_id, false, err), err);
}

/* ------------------------------------------------------------------ reads */

char *
order_ops_get(trade_app_t *app, const party_t *caller, int64_t order_id, err_t *err)
{
    return s_wrap_order(s_order_text(app, order_id, caller->profile_id, false, err), err);
}

char *
order_ops_list(trade_app_t *app, const party_t *caller, const char *const *statuses, int status_count,
               const char *role, int limit, int64_t offset, err_t *err)
{
    char *raw = NULL;
    int64_t total = 0;
    if (order_repo_list(app->db, caller->profile_id, statuses, status_count, role, limit, offset,
                        s_release_window_ms(app), &raw, &total, err)
        != 0)
        return NULL;
    char *orders = order_json_finish_list(raw, err);
    free(raw);
    if (!orders)
        return NULL;
    char *out = NULL;
    if (asprintf(&out, "{\"orders\":%s,\"total\":%" PRId64 "}", orders, total) < 0) {
        out = NULL;
        err_set(err, ERR_INTERNAL, "out of memory");
    }
    free(orders);
    return out;
}

/* ------------------------------------------------------------------ the timer */

typedef struct {
    trade_app_t *app;
    order_row_t order;
    bool expired;
    trade_push_t push;
} s_expire_t;

/*  One due order, locked with SKIP LOCKED so that another process's sweep
    (or a party's call) holding it is passed over, never waited for. */
static int
s_expire_tx(db_t *db, void *ctx, err_t *err)
{
    s_expire_t *e = ctx;
    e->expired = false;
    trade_push_clear(&e->push);
    int64_t id;
    int n = order_repo_due(db, &id, 1, err);
    if (n <= 0)
        return n;
    int found = order_repo_lock(db, e->app->catalog, id, s_release_window_ms(e->app), &e->order, err);
    if (found <= 0)
        return found;
    if (e->order.status != ORDER_PENDING_PAYMENT || !e->order.expired_now)
        return 0;
    if (s_apply(e->app, db, &e->push, &e->order, ORDER_EXPIRED, ORDER_ROLE_SYSTEM, NULL, err) != 0)
        return -1;
    e->expired = true;
    return 0;
}

int
order_ops_expire_due(trade_app_t *app, int max)
{
    int done = 0;
    for (int i = 0; i < max; i++) {
        s_expire_t e = {.app = app};
        err_t err;
        if (trade_app_tx(app, "order.expire", s_expire_tx, &e, &err) != 0) {
            trade_push_clear(&e.push);
            log_warn("order.expire_failed", NULL, json_pack("{s:s}", "error", err.msg));
            break;
        }
        if (!e.expired)
            break;
        done++;
        trade_push_publish(app, &e.push);
        log_info("order.expired", NULL, json_pack("{s:I}", "order_id", (json_int_t) e.order.id));
        s_push_order(app, e.order.id, 0, NULL);
    }
    return done;
}

char *
order_ops_admin_list(trade_app_t *app, const char *const *statuses, int status_count, int64_t profile_id,
                     int limit, int64_t offset, err_t *err)
{
    char *raw = NULL;
    int64_t total = 0;
    if (order_repo_admin_list(app->db, statuses, status_count, profile_id, limit, offset,
                              s_release_window_ms(app), &raw, &total, err)
        != 0)
        return NULL;
    char *orders = order_json_finish_list(raw, err);
    free(raw);
    if (!orders)
        return NULL;
    char *out = NULL;
    if (asprintf(&out, "{\"orders\":%s,\"total\":%" PRId64 "}", orders, total) < 0)
        out = NULL;
    free(orders);
    return out ? out : (err_set(err, ERR_INTERNAL, "out of memory"), NULL);
}

char *
order_ops_admin_get(trade_app_t *app, int64_t order_id, err_t *err)
{
    char *order = s_order_text(app, order_id, 0, true, err);
    if (!order)
        return NULL;
    char *messages = chat_repo_all(app->db, order_id, err);
    char *out = NULL;
    if (messages && asprintf(&out, "{\"order\":%s,\"messages\":%s}", order, messages) < 0) {
        out = NULL;
        err_set(err, ERR_INTERNAL, "out of memory");
    }
    free(order);
    free(messages);
    return out;
}
