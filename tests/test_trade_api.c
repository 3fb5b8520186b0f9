/*  test_trade_api.c - trade-svc/trade_api.h without a database: each call
    reaches its REST route's handler with the route's path parameters and
    body (the handler's own refusals, before any SQL, name the REST fields),
    a request without a call or an operator is refused, a database that is
    down answers 503, and every call of the .proto has a line in the table
    (named like its message type, routed in trade-svc). */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "trade_api.h"
#include "trade_routes.h"

/*  An app whose database cannot be reached (nothing listens on port 1),
    its catalog loaded as if from the database (BTC 8 decimals, USD 2). */
typedef struct {
    trade_app_t app;
    config_t cfg;
} s_fixture_t;

static void
s_fixture(s_fixture_t *f)
{
    memset(f, 0, sizeof *f);
    cr_assert_eq(config_load(&f->cfg, NULL), 0);
    size_t n;
    const db_statement_t *st = trade_routes_statements(&n);
    f->app.db = db_new("postgresql://nobody@127.0.0.1:1/none?connect_timeout=1", st, n);
    f->app.catalog = catalog_new();
    f->app.cfg = &f->cfg;
    catalog_currency_t assets[] = {{.code = "BTC", .decimals = 8, .active = true}};
    catalog_currency_t fiats[] = {{.code = "USD", .decimals = 2, .active = true}};
    catalog_set(f->app.catalog, true, assets, 1, clock_mono_ms());
    catalog_set(f->app.catalog, false, fiats, 1, clock_mono_ms());
}

static void
s_fixture_end(s_fixture_t *f)
{
    catalog_destroy(&f->app.catalog);
    db_destroy(&f->app.db);
    config_free(&f->cfg);
}

static P2p__TradeAdminReply *
s_call(s_fixture_t *f, const P2p__TradeAdminRequest *req)
{
    size_t len = p2p__trade_admin_request__get_packed_size(req);
    uint8_t *buf = malloc(len + 1);
    p2p__trade_admin_request__pack(req, buf);
    size_t reply_len;
    operator_api_peer_t peer = {0};
    uint8_t *out = trade_api_handle(&f->app, NULL, &peer, buf, len, &reply_len);
    free(buf);
    cr_assert_not_null(out);
    P2p__TradeAdminReply *reply = p2p__trade_admin_reply__unpack(NULL, reply_len, out);
    free(out);
    cr_assert_not_null(reply);
    return reply;
}

/*  Expect a 400 whose error names field. */
static void
s_expect_400(s_fixture_t *f, const P2p__TradeAdminRequest *req, const char *field, const char *what)
{
    P2p__TradeAdminReply *reply = s_call(f, req);
    cr_assert_eq(reply->status, 400, "%s: status %d (%s)", what, reply->status,
                 reply->error ? reply->error : "");
    cr_assert_str_eq(reply->code, "INVALID_REQUEST", "%s", what);
    char quoted[64];
    snprintf(quoted, sizeof quoted, "'%s'", field);
    cr_assert(strstr(reply->error, quoted), "%s: '%s' does not name %s", what, reply->error, field);
    cr_assert_null(reply->data_json);
    p2p__trade_admin_reply__free_unpacked(reply, NULL);
}

Test(trade_api, malformed_request_is_400, .init = cr_redirect_stderr)
{
    s_fixture_t f;
    s_fixture(&f);
    size_t len;
    uint8_t junk[] = {0xff, 0xff, 0xff, 0xff};
    uint8_t *out = trade_api_handle(&f.app, NULL, NULL, junk, sizeof junk, &len);
    P2p__TradeAdminReply *reply = p2p__trade_admin_reply__unpack(NULL, len, out);
    cr_assert_eq(reply->status, 400);
    cr_assert_str_eq(reply->code, "INVALID_REQUEST");
    p2p__trade_admin_reply__free_unpacked(reply, NULL);
    free(out);
    s_fixture_end(&f);
}

Test(trade_api, a_call_and_an_operator_are_required, .init = cr_redirect_stderr)
{
    s_fixture_t f;
    s_fixture(&f);
    P2p__TradeAdminRequest req = P2P__TRADE_ADMIN_REQUEST__INIT;
    req.operator_ = "alice";
    s_expect_400(&f, &req, "call", "no call");

    P2p__LedgerQuery ledger = P2P__LEDGER_QUERY__INIT;
    req.call_case = P2P__TRADE_ADMIN_REQUEST__CALL_LEDGER;
    req.ledger = &ledger;
    req.operator_ = NULL;
    s_expect_400(&f, &req, "operator", "no operator, even for a read");
    req.operator_ = "bad\nname";
    s_expect_400(&f, &req, "operator", "a control character");
    s_fixture_end(&f);
}

Test(trade_api, each_call_reaches_its_route_with_the_rest_fields, .init = cr_redirect_stderr)
{
    s_fixture_t f;
    s_fixture(&f);
    P2p__TradeAdminRequest req = P2P__TRADE_ADMIN_REQUEST__INIT;
    req.operator_ = "alice";

    /* credit / debit: profile_id is the path's, the rest the body's */
    P2p__WalletAdjust adjust = P2P__WALLET_ADJUST__INIT;
    adjust.asset = "BTC";
    adjust.amount = "0.5";
    adjust.reference = "tx-1";
    req.call_case = P2P__TRADE_ADMIN_REQUEST__CALL_WALLET_CREDIT;
    req.wallet_credit = &adjust;
    s_expect_400(&f, &req, "profile_id", "credit without a profile");
    adjust.has_profile_id = 1;
    adjust.profile_id = 0;
    s_expect_400(&f, &req, "profile_id", "credit to profile 0");
    adjust.profile_id = 7;
    adjust.amount = "0.123456789";
    s_expect_400(&f, &req, "amount", "nine decimals of BTC");
    adjust.amount = "0";
    s_expect_400(&f, &req, "amount", "zero");
    adjust.amount = "0.5";
    adjust.asset = "btc!";
    s_expect_400(&f, &req, "asset", "an unknown asset");
    adjust.asset = "BTC";
    adjust.reference = NULL;
    req.call_case = P2P__TRADE_ADMIN_REQUEST__CALL_WALLET_DEBIT;
    req.wallet_debit = &adjust;
    s_expect_400(&f, &req, "reference", "debit without a reference");

    /* ledger: query fields */
    P2p__LedgerQuery ledger = P2P__LEDGER_QUERY__INIT;
    ledger.has_limit = 1;
    ledger.limit = 101;
    req.call_case = P2P__TRADE_ADMIN_REQUEST__CALL_LEDGER;
    req.ledger = &ledger;
    s_expect_400(&f, &req, "limit", "limit 101");
    ledger.limit = 10;
    ledger.has_before_id = 1;
    ledger.before_id = -1;
    s_expect_400(&f, &req, "before_id", "before_id -1");

    /* price: asset and fiat are the path's */
    P2p__PriceSet price = P2P__PRICE_SET__INIT;
    price.asset = "BTC";
    price.fiat = "USD";
    price.price = "64250.105";
    req.call_case = P2P__TRADE_ADMIN_REQUEST__CALL_PRICE_SET;
    req.price_set = &price;
    s_expect_400(&f, &req, "price", "three decimals of USD");
    price.fiat = NULL;
    s_expect_400(&f, &req, "fiat", "no fiat");

    /* payment methods */
    P2p__PaymentMethodCreate method = P2P__PAYMENT_METHOD_CREATE__INIT;
    method.code = "wise_eu";
    method.name = "Wise";
    method.kind = "teleport";
    req.call_case = P2P__TRADE_ADMIN_REQUEST__CALL_PAYMENT_METHOD_CREATE;
    req.payment_method_create = &method;
    s_expect_400(&f, &req, "kind", "an unknown kind");
    method.kind = "e_wallet";
    method.code = "Wise EU";
    s_expect_400(&f, &req, "code", "a code with capitals and a space");
    P2p__PaymentMethodUpdate update = P2P__PAYMENT_METHOD_UPDATE__INIT;
    update.has_id = 1;
    update.id = 3;
    req.call_case = P2P__TRADE_ADMIN_REQUEST__CALL_PAYMENT_METHOD_UPDATE;
    req.payment_method_update = &update;
    s_expect_400(&f, &req, "active", "no active");
    s_fixture_end(&f);
}

Test(trade_api, the_dispute_review_and_order_calls_reach_their_routes, .init = cr_redirect_stderr)
{
    s_fixture_t f;
    s_fixture(&f);
    P2p__TradeAdminRequest req = P2P__TRADE_ADMIN_REQUEST__INIT;
    req.operator_ = "alice";

    /* the queue: query fields */
    P2p__DisputeList list = P2P__DISPUTE_LIST__INIT;
    list.status = "pending";
    req.call_case = P2P__TRADE_ADMIN_REQUEST__CALL_DISPUTE_LIST;
    req.dispute_list = &list;
    s_expect_400(&f, &req, "status", "a status that is not open or resolved");
    list.status = NULL;
    list.has_limit = 1;
    list.limit = 0;
    s_expect_400(&f, &req, "limit", "limit 0");

    /* id is the path's {id}: the route names it dispute_id */
    P2p__ById by_id = P2P__BY_ID__INIT;
    req.call_case = P2P__TRADE_ADMIN_REQUEST__CALL_DISPUTE_GET;
    req.dispute_get = &by_id;
    s_expect_400(&f, &req, "dispute_id", "a case without an id");
    P2p__DisputeMessage message = P2P__DISPUTE_MESSAGE__INIT;
    message.has_id = 1;
    message.id = 4;
    message.text = "";
    req.call_case = P2P__TRADE_ADMIN_REQUEST__CALL_DISPUTE_MESSAGE;
    req.dispute_message = &message;
    s_expect_400(&f, &req, "text", "an empty message");
    P2p__DisputeResolve resolve = P2P__DISPUTE_RESOLVE__INIT;
    resolve.has_id = 1;
    resolve.id = 4;
    resolve.outcome = "split";
    resolve.note = "half each";
    req.call_case = P2P__TRADE_ADMIN_REQUEST__CALL_DISPUTE_RESOLVE;
    req.dispute_resolve = &resolve;
    s_expect_400(&f, &req, "outcome", "an outcome that is neither release nor refund");
    resolve.outcome = "refund";
    resolve.note = NULL;
    s_expect_400(&f, &req, "note", "a ruling without a note");

    /* reviews: a reason to hide */
    P2p__ReviewModerate review = P2P__REVIEW_MODERATE__INIT;
    review.has_id = 1;
    review.id = 9;
    req.call_case = P2P__TRADE_ADMIN_REQUEST__CALL_REVIEW_HIDE;
    req.review_hide = &review;
    s_expect_400(&f, &req, "reason", "hiding without a reason");
    review.id = 0;
    req.call_case = P2P__TRADE_ADMIN_REQUEST__CALL_REVIEW_UNHIDE;
    req.review_unhide = &review;
    s_expect_400(&f, &req, "review_id", "review 0");

    /* orders: a repeated status is the route's list of states */
    P2p__OrderList orders = P2P__ORDER_LIST__INIT;
    char *states[] = {"PAID", "LOST"};
    orders.status = states;
    orders.n_status = 2;
    req.call_case = P2P__TRADE_ADMIN_REQUEST__CALL_ORDER_LIST;
    req.order_list = &orders;
    s_expect_400(&f, &req, "status", "a state that does not exist");
    orders.n_status = 0; /* no items: no status at all, so the next check is reached */
    orders.has_profile_id = 1;
    orders.profile_id = -3;
    s_expect_400(&f, &req, "profile_id", "profile -3");
    P2p__ById order = P2P__BY_ID__INIT;
    order.has_id = 1;
    order.id = -1;
    req.call_case = P2P__TRADE_ADMIN_REQUEST__CALL_ORDER_GET;
    req.order_get = &order;
    s_expect_400(&f, &req, "order_id", "order -1");
    s_fixture_end(&f);
}

Test(trade_api, a_valid_call_reaches_the_database, .init = cr_redirect_stderr)
{
    log_init("test", "info");
    s_fixture_t f;
    s_fixture(&f);
    P2p__TradeAdminRequest req = P2P__TRADE_ADMIN_REQUEST__INIT;
    req.operator_ = "alice";
    P2p__WalletAdjust adjust = P2P__WALLET_ADJUST__INIT;
    adjust.has_profile_id = 1;
    adjust.profile_id = 7;
    adjust.asset = "BTC";
    adjust.amount = "0.5";
    adjust.reference = "tx-1";
    req.call_case = P2P__TRADE_ADMIN_REQUEST__CALL_WALLET_CREDIT;
    req.wallet_credit = &adjust;
    P2p__TradeAdminReply *reply = s_call(&f, &req);
    cr_assert_eq(reply->status, 503, "status %d (%s)", reply->status, reply->error ? reply->error : "");
    cr_assert_str_eq(reply->code, "DATABASE_UNAVAILABLE");
    p2p__trade_admin_reply__free_unpacked(reply, NULL);
    s_fixture_end(&f);
    /* the server logged who acted, as it decided */
    fflush(stderr);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, cr_get_redirected_stderr());
    buf[n] = 0;
    cr_assert(strstr(buf, "\"operator\":\"cli:alice\""), "%s", buf);
    cr_assert(strstr(buf, "\"call\":\"wallet_credit\""), "%s", buf);
}

Test(trade_api, every_call_of_the_proto_is_served)
{
    size_t count;
    const worker_route_t *routes = trade_routes(&count);
    const ProtobufCMessageDescriptor *desc = &p2p__trade_admin_request__descriptor;
    int calls = 0;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &desc->fields[i];
        if (!(field->flags & PROTOBUF_C_FIELD_FLAG_ONEOF))
            continue;
        calls++;
        msg_type_t type = trade_api_call_type(field->id);
        cr_assert_neq(type, MSG_TYPE_COUNT, "call %s has no line in trade_api.c", field->name);
        char wire[96];
        snprintf(wire, sizeof wire, "admin.%s", field->name);
        cr_assert_str_eq(msg_type_name(type), wire, "call %s runs as %s", field->name, msg_type_name(type));
        cr_assert_eq(msg_type_service(type), SERVICE_TRADE);
        bool routed = false;
        for (size_t r = 0; r < count; r++)
            routed = routed || routes[r].type == type;
        cr_assert(routed, "%s is not in trade-svc's routes", wire);
    }
    cr_assert_eq(calls, 14);
    cr_assert_eq(trade_api_call_type(0), MSG_TYPE_COUNT);
    cr_assert_eq(trade_api_call_type(9999), MSG_TYPE_COUNT);
}
