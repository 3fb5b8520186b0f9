/*  dispute_ops.c - disputes (see dispute_ops.h).

    Locks follow the order operations' order: the order row first (raise,
    evidence), or the dispute row then its order (rulings: two admins at
    once, or an admin and the timer, serialise on the dispute row and the
    second finds it resolved). */
#include "dispute_ops.h"

#include <inttypes.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_repo.h"
#include "chat_ops.h"
#include "chat_repo.h"
#include "dispute_repo.h"
#include "log.h"
#include "notify_ops.h"
#include "order_json.h"
#include "order_ops.h"
#include "order_repo.h"
#include "reply.h"
#include "trade_push.h"
#include "utf8.h"

/*  A chat message's length limit in characters (p2p_chat_text_length). */
#define DISPUTE_CHAT_LINE_MAX 2000

static char *
s_wrap(const char *key, char *json, err_t *err)
{
    if (!json)
        return NULL;
    char *out = NULL;
    if (asprintf(&out, "{\"%s\":%s}", key, json) < 0) {
        out = NULL;
        err_set(err, ERR_INTERNAL, "out of memory");
    }
    free(json);
    return out;
}

static const char *
s_side(const order_row_t *o, int64_t profile_id)
{
    return o->buyer_id == profile_id ? "buyer" : o->seller_id == profile_id ? "seller" : NULL;
}

/* ------------------------------------------------------------------ raise */

typedef struct {
    trade_app_t *app;
    const party_t *caller;
    const char *user_id;
    int64_t order_id;
    const char *reason, *description;
    order_row_t order;
    int64_t dispute_id;
    trade_push_t push;
} s_raise_t;

static int
s_raise_tx(db_t *db, void *ctx, err_t *err)
{
    s_raise_t *r = ctx;
    trade_push_clear(&r->push);
    order_row_t *o = &r->order;
    int found =
        order_repo_lock(db, r->app->catalog, r->order_id, order_ops_release_window_ms(r->app), o, err);
    if (found < 0)
        return -1;
    const char *side = found ? s_side(o, r->caller->profile_id) : NULL;
    if (!side)
        return err_set(err, ERR_NOT_FOUND, "Order not found");
    dispute_row_t existing;
    found = dispute_repo_by_order(db, o->id, false, &existing, err);
    if (found < 0)
        return -1;
    if (found)
        return err_set(err, ERR_DISPUTE_EXISTS, "this order already has a dispute");
    order_role_t role = strcmp(side, "buyer") == 0 ? ORDER_ROLE_BUYER : ORDER_ROLE_SELLER;
    if (order_fsm_check(o->status, ORDER_ACT_DISPUTE, role, NULL) != ORDER_FSM_OK)
        return err_set(err, ERR_ORDER_STATE_CHANGED, "the order is %s: only a paid order can be disputed",
                       order_status_name(o->status));
    /* the seller may dispute at once; the buyer gives the seller the release window first */
    if (role == ORDER_ROLE_BUYER && !o->release_window_ok)
        return err_set(err, ERR_DISPUTE_TOO_EARLY,
                       "the seller has %d minutes after payment to release; dispute after that",
                       r->app->cfg->release_window_minutes);
    if (order_ops_transition(r->app, db, &r->push, o, ORDER_ACT_DISPUTE, role, r->user_id, err) != 0)
        return -1;
    bool exists = false;
    int64_t respond_ms = trade_app_scaled_ms(r->app, r->app->cfg->dispute_response_minutes);
    if (dispute_repo_insert(db, o->id, side, r->caller->profile_id, r->reason, r->description, respond_ms,
                            &r->dispute_id, &exists, err)
        != 0)
        return exists ? err_set(err, ERR_DISPUTE_EXISTS, "this order already has a dispute") : -1;
    const char *other = role == ORDER_ROLE_BUYER ? "seller" : "buyer";
    char text[400], title[96], body[400], data[128];
    snprintf(
        text, sizeof text,
        "The %s opened a dispute (%s). The %s can answer with evidence; a moderator will review the case "
        "and decide where the escrow goes.",
        side, r->reason, other);
    if (chat_ops_post(db, &r->push, o, "system", 0, text, err) != 0)
        return -1;
    snprintf(title, sizeof title, "Dispute opened on order %s", o->reference);
    snprintf(body, sizeof body,
             "The %s opened a dispute on order %s (%s). Add your evidence before the deadline.", side,
             o->reference, r->reason);
    snprintf(data, sizeof data, "{\"order_id\":%" PRId64 ",\"dispute_id\":%" PRId64 ",\"reference\":\"%s\"}",
             o->id, r->dispute_id, o->reference);
    return notify_ops_add(r->app, db, &r->push, role == ORDER_ROLE_BUYER ? o->seller_id : o->buyer_id,
                          "dispute.opened", title, body, data, err);
}

char *
dispute_ops_raise(trade_app_t *app, const party_t *caller, const char *user_id, int64_t order_id,
                  const char *reason, const char *description, err_t *err)
{
    s_raise_t r = {.app = app,
                   .caller = caller,
                   .user_id = user_id,
                   .order_id = order_id,
                   .reason = reason,
                   .description = description};
    if (trade_app_tx(app, "dispute.raise", s_raise_tx, &r, err) != 0) {
        trade_push_clear(&r.push);
        return NULL;
    }
    trade_push_publish(app, &r.push);
    order_ops_push(app, &r.order);
    bool found;
    return s_wrap("dispute", dispute_repo_json(app->db, r.dispute_id, &found, err), err);
}

/* ------------------------------------------------------------------ evidence */

typedef struct {
    trade_app_t *app;
    const party_t *caller;
    int64_t order_id;
    const char *text;
    int64_t attachment_id;
    int64_t dispute_id;
    trade_push_t push;
} s_evidence_t;

static int
s_evidence_tx(db_t *db, void *ctx, err_t *err)
{
    s_evidence_t *e = ctx;
    trade_push_clear(&e->push);
    order_row_t o;
    int found = order_repo_lock(db, e->app->catalog, e->order_id, 0, &o, err);
    if (found < 0)
        return -1;
    const char *side = found ? s_side(&o, e->caller->profile_id) : NULL;
    if (!side)
        return err_set(err, ERR_NOT_FOUND, "Order not found");
    dispute_row_t d;
    found = dispute_repo_by_order(db, o.id, true, &d, err);
    if (found < 0)
        return -1;
    if (!found)
        return err_set(err, ERR_NOT_FOUND, "This order has no dispute");
    if (e->attachment_id) {
        int64_t owner = chat_repo_attachment_order(db, e->attachment_id, err);
        if (owner < 0)
            return -1;
        if (owner != o.id)
            return err_set(err, ERR_INVALID, "field 'attachment_id' must be a file uploaded to this order");
    }
    if (!d.open)
        return err_set(err, ERR_ORDER_STATE_CHANGED, "the dispute is resolved: no more evidence");
    e->dispute_id = d.id;
    bool by_buyer = strcmp(side, "buyer") == 0;
    if (dispute_repo_evidence_add(db, d.id, side, e->caller->profile_id, e->text, e->attachment_id,
                                  by_buyer != d.raised_by_buyer, err)
        != 0)
        return -1;
    char text[96];
    snprintf(text, sizeof text, "The %s added evidence to the dispute.", side);
    return chat_ops_post(db, &e->push, &o, "system", 0, text, err);
}

char *
dispute_ops_add_evidence(trade_app_t *app, const party_t *caller, int64_t order_id, const char *text,
                         int64_t attachment_id, err_t *err)
{
    s_evidence_t e = {
        .app = app, .caller = caller, .order_id = order_id, .text = text, .attachment_id = attachment_id};
    if (trade_app_tx(app, "dispute.evidence", s_evidence_tx, &e, err) != 0) {
        trade_push_clear(&e.push);
        return NULL;
    }
    trade_push_publish(app, &e.push);
    bool found;
    return s_wrap("dispute", dispute_repo_json(app->db, e.dispute_id, &found, err), err);
}

char *
dispute_ops_get(trade_app_t *app, const party_t *caller, int64_t order_id, err_t *err)
{
    order_parties_t p;
    int found = order_repo_parties(app->db, order_id, &p, err);
    if (found < 0)
        return NULL;
    if (!found || (p.buyer_id != caller->profile_id && p.seller_id != caller->profile_id))
        return err_set(err, ERR_NOT_FOUND, "Order not found"), NULL;
    dispute_row_t d;
    found = dispute_repo_by_order(app->db, order_id, false, &d, err);
    if (found <= 0)
        return found < 0 ? NULL : (err_set(err, ERR_NOT_FOUND, "This order has no dispute"), NULL);
    return s_wrap("dispute", dispute_repo_json(app->db, d.id, (bool[]){0}, err), err);
}

/* ------------------------------------------------------------------ the moderators */

char *
dispute_ops_list(trade_app_t *app, const char *status, int limit, int64_t offset, err_t *err)
{
    char *list = NULL;
    int64_t total = 0;
    if (dispute_repo_list(app->db, status, limit, offset, &list, &total, err) != 0)
        return NULL;
    char *out = NULL;
    if (asprintf(&out, "{\"disputes\":%s,\"total\":%" PRId64 "}", list, total) < 0)
        out = NULL;
    free(list);
    return out ? out : (err_set(err, ERR_INTERNAL, "out of memory"), NULL);
}

char *
dispute_ops_case(trade_app_t *app, int64_t dispute_id, err_t *err)
{
    bool found = false;
    err_t failed = {.code = ERR_OK};
    char *dispute = dispute_repo_json(app->db, dispute_id, &found, &failed);
    if (!dispute) {
        /* a failed read is not "no such dispute" */
        if (failed.code == ERR_OK)
            err_set(err, ERR_NOT_FOUND, "Dispute not found");
        else if (err)
            *err = failed;
        return NULL;
    }
    json_t *d = json_loads(dispute, 0, NULL);
    free(dispute);
    int64_t order_id = json_integer_value(json_object_get(d, "order_id"));
    char *raw = order_repo_json(app->db, order_id, 0, true, order_ops_release_window_ms(app), &found, err);
    char *order = raw ? order_json_finish_text(raw, err) : NULL;
    free(raw);
    char *messages = order ? chat_repo_all(app->db, order_id, err) : NULL;
    json_t *o = order ? json_loads(order, 0, NULL) : NULL;
    char *buyer = o ? party_repo_case(
                      app->db, json_integer_value(json_object_get(json_object_get(o, "buyer"), "id")), err)
                    : NULL;
    char *seller = buyer ? party_repo_case(
                       app->db, json_integer_value(json_object_get(json_object_get(o, "seller"), "id")), err)
                         : NULL;
    char *out = NULL;
    if (seller) {
        json_t *doc = json_pack("{s:O, s:O, s:o, s:o, s:o}", "dispute", d, "order", o, "messages",
                                json_loads(messages, 0, NULL), "buyer", json_loads(buyer, 0, NULL), "seller",
                                json_loads(seller, 0, NULL));
        out = doc ? json_dumps(doc, REPLY_JSON_FLAGS) : NULL;
        json_decref(doc);
        if (!out)
            err_set(err, ERR_INTERNAL, "out of memory");
    }
    json_decref(d);
    json_decref(o);
    free(order);
    free(messages);
    free(buyer);
    free(seller);
    return out;
}

typedef struct {
    trade_app_t *app;
    const char *admin;
    int64_t dispute_id;
    const char *text;
    char *message;
    trade_push_t push;
} s_message_t;

static int
s_message_tx(db_t *db, void *ctx, err_t *err)
{
    s_message_t *m = ctx;
    trade_push_clear(&m->push);
    free(m->message);
    m->message = NULL;
    dispute_row_t d;
    int found = dispute_repo_lock(db, m->dispute_id, &d, err);
    if (found <= 0)
        return found < 0 ? -1 : err_set(err, ERR_NOT_FOUND, "Dispute not found");
    order_row_t o;
    if (order_repo_lock(db, m->app->catalog, d.order_id, 0, &o, err) != 1)
        return -1;
    if (o.status != ORDER_DISPUTED)
        return err_set(err, ERR_ORDER_STATE_CHANGED, "the order is %s: its chat is closed",
                       order_status_name(o.status));
    if (!(m->message = chat_repo_insert(db, o.id, "admin", 0, m->admin, m->text, 0, err)))
        return -1;
    trade_push_add(&m->push, o.buyer_user_id, "chat.new_message", m->message);
    trade_push_add(&m->push, o.seller_user_id, "chat.new_message", m->message);
    char target[48];
    snprintf(target, sizeof target, "dispute:%" PRId64, d.id);
    audit_row_t row = {.actor = m->admin, .action = "dispute_message", .target = target, .reason = m->text};
    return audit_repo_insert(db, &row, err);
}

char *
dispute_ops_admin_message(trade_app_t *app, const char *admin_user_id, int64_t dispute_id, const char *text,
                          err_t *err)
{
    s_message_t m = {.app = app, .admin = admin_user_id, .dispute_id = dispute_id, .text = text};
    if (trade_app_tx(app, "dispute.message", s_message_tx, &m, err) != 0) {
        trade_push_clear(&m.push);
        free(m.message);
        return NULL;
    }
    trade_push_publish(app, &m.push);
    return s_wrap("message", m.message, err);
}

/* ------------------------------------------------------------------ rulings */

typedef struct {
    trade_app_t *app;
    const char *actor;  /* the admin's user id, or "system" */
    bool by_system;     /* the automatic rule */
    int64_t dispute_id; /* 0 with by_system: the next due one */
    bool release;       /* the outcome; the automatic rule decides its own */
    const char *note;
    order_row_t order;
    bool ruled;
    trade_push_t push;
} s_rule_t;

/*  The ruling's line in the order's chat. The note is cut at a character
    (marked with an ellipsis) so the line fits a chat message; the whole note
    stays on the dispute and in the audit log. Caller frees; NULL when out of
    memory. */
static char *
s_ruling_line(const s_rule_t *r)
{
    const char *lead = r->by_system ? "The dispute was resolved automatically" : "A moderator ruled";
    const char *outcome =
        r->release ? "the crypto was released to the buyer" : "the crypto went back to the seller";
    const char *note = r->note ? r->note : "";
    size_t room = DISPUTE_CHAT_LINE_MAX - utf8_length(lead) - utf8_length(outcome) - strlen(": . ");
    bool cut = utf8_length(note) > room;
    char *line = NULL;
    if (asprintf(&line, "%s: %s.%s%.*s%s", lead, outcome, *note ? " " : "",
                 utf8_prefix(note, cut ? room - 1 : room), note, cut ? "\xe2\x80\xa6" /* ellipsis */ : "")
        < 0)
        return NULL;
    return line;
}

static int
s_rule_tx(db_t *db, void *ctx, err_t *err)
{
    s_rule_t *r = ctx;
    trade_push_clear(&r->push);
    r->ruled = false;
    dispute_row_t d;
    int found;
    if (r->by_system) {
        int64_t id;
        int n = dispute_repo_due(db, &id, 1, err);
        if (n <= 0)
            return n; /* nothing due (or an error) */
        found = dispute_repo_lock(db, id, &d, err);
        /* the raiser wins when the other party never answered */
        r->release = d.raised_by_buyer;
        r->note =
            "The other party added no evidence before the deadline: resolved for the party that raised it.";
    }
    else
        found = dispute_repo_lock(db, r->dispute_id, &d, err);
    if (found <= 0)
        return found < 0 ? -1 : err_set(err, ERR_NOT_FOUND, "Dispute not found");
    r->dispute_id = d.id;
    if (!d.open)
        return err_set(err, ERR_ORDER_STATE_CHANGED, "this dispute is already resolved");
    if (r->by_system && d.answered)
        return 0;
    order_row_t *o = &r->order;
    if (order_repo_lock(db, r->app->catalog, d.order_id, 0, o, err) != 1)
        return err_set(err, ERR_INTERNAL, "the dispute's order is missing");
    order_role_t who = r->by_system ? ORDER_ROLE_SYSTEM : ORDER_ROLE_ADMIN;
    if (order_ops_transition(r->app, db, &r->push, o,
                             r->release ? ORDER_ACT_RULE_RELEASE : ORDER_ACT_RULE_REFUND, who,
                             r->by_system ? NULL : r->actor, err)
        != 0)
        return -1;
    const char *outcome = r->release ? "release" : "refund";
    int resolved = dispute_repo_resolve(db, d.id, outcome, r->note, r->by_system ? "system" : "admin",
                                        r->by_system ? NULL : r->actor, err);
    if (resolved <= 0)
        return resolved < 0 ? -1 : err_set(err, ERR_ORDER_STATE_CHANGED, "this dispute is already resolved");
    /* the audit row names the dispute and the order */
    char target[48], after[256];
    snprintf(target, sizeof target, "dispute:%" PRId64, d.id);
    json_t *a = json_pack("{s:I, s:s, s:s, s:s}", "order_id", (json_int_t) o->id, "reference", o->reference,
                          "outcome", outcome, "note", r->note ? r->note : "");
    char *after_text = a ? json_dumps(a, JSON_COMPACT) : NULL;
    json_decref(a);
    snprintf(after, sizeof after, "%s", after_text ? after_text : "{}");
    audit_row_t row = {.actor = r->by_system ? "system" : r->actor,
                       .action = "resolve_dispute",
                       .target = target,
                       .reason = r->note,
                       .after_json = after_text ? after_text : after};
    int rc = audit_repo_insert(db, &row, err);
    free(after_text);
    if (rc != 0)
        return -1;
    char title[96], body[400], data[128];
    char *text = s_ruling_line(r);
    if (!text)
        return err_set(err, ERR_INTERNAL, "out of memory");
    rc = chat_ops_post(db, &r->push, o, "system", 0, text, err);
    free(text);
    if (rc != 0)
        return -1;
    snprintf(title, sizeof title, "Dispute on order %s resolved", o->reference);
    snprintf(body, sizeof body, "The dispute on order %s was resolved: %s.", o->reference,
             r->release ? "the crypto was released to the buyer" : "the crypto went back to the seller");
    snprintf(data, sizeof data, "{\"order_id\":%" PRId64 ",\"dispute_id\":%" PRId64 ",\"outcome\":\"%s\"}",
             o->id, d.id, outcome);
    if (notify_ops_add(r->app, db, &r->push, o->buyer_id, "dispute.resolved", title, body, data, err) != 0
        || notify_ops_add(r->app, db, &r->push, o->seller_id, "dispute.resolved", title, body, data, err)
               != 0)
        return -1;
    r->ruled = true;
    return 0;
}

char *
dispute_ops_resolve(trade_app_t *app, const char *admin_user_id, int64_t dispute_id, bool release,
                    const char *note, err_t *err)
{
    s_rule_t r = {
        .app = app, .actor = admin_user_id, .dispute_id = dispute_id, .release = release, .note = note};
    if (trade_app_tx(app, "dispute.resolve", s_rule_tx, &r, err) != 0) {
        trade_push_clear(&r.push);
        return NULL;
    }
    trade_push_publish(app, &r.push);
    order_ops_push(app, &r.order);
    bool found;
    return s_wrap("dispute", dispute_repo_json(app->db, r.dispute_id, &found, err), err);
}

int
dispute_ops_auto_resolve(trade_app_t *app, int max)
{
    int done = 0;
    for (int i = 0; i < max; i++) {
        s_rule_t r = {.app = app, .actor = "system", .by_system = true};
        err_t err;
        if (trade_app_tx(app, "dispute.auto_resolve", s_rule_tx, &r, &err) != 0) {
            trade_push_clear(&r.push);
            log_warn("dispute.auto_resolve_failed", NULL, json_pack("{s:s}", "error", err.msg));
            break;
        }
        if (!r.ruled)
            break;
        done++;
        trade_push_publish(app, &r.push);
        order_ops_push(app, &r.order);
        log_info("dispute.auto_resolved", NULL,
                 json_pack("{s:I, s:s}", "dispute_id", (json_int_t) r.dispute_id, "outcome",
                           r.release ? "release" : "refund"));
    }
    return done;
}
