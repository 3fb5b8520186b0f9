/*  test_route_table.c - gateway/route_table.h: every REST route resolves
    from a concrete path to its message type, auth and parameters; what a
    path segment may hold; 404 (unknown path) against 405 (known path,
    other method); the web files' MIME types; which methods carry a body;
    the `--routes` description. Expected values are written out here, not
    read back from the table. */
#include <criterion/criterion.h>
#include <string.h>

#include "route_table.h"

typedef struct {
    const char *method;
    const char *path;    /* a concrete request path */
    const char *pattern; /* the table row it must resolve to */
    route_kind_t kind;
    msg_type_t type;
    route_auth_t auth;
    const char *params; /* the path parameters as JSON; NULL: none (params stays NULL) */
} s_expected_t;

/*  One row per route of the table, in table order. */
static const s_expected_t s_expected[] = {
    {"GET", "/p2p/health", "/p2p/health", ROUTE_HEALTH, MSG_UNKNOWN, ROUTE_AUTH_NONE, NULL},
    {"GET", "/api/p2p/ws", "/api/p2p/ws", ROUTE_WS, MSG_UNKNOWN, ROUTE_AUTH_USER, NULL},
    {"GET", "/p2p/ready", "/p2p/ready", ROUTE_READY, MSG_UNKNOWN, ROUTE_AUTH_NONE, NULL},
    {"GET", "/api/p2p/profile/check", "/api/p2p/profile/check", ROUTE_WORKER, MSG_PROFILE_CHECK,
     ROUTE_AUTH_USER, NULL},
    {"POST", "/api/p2p/profile/create", "/api/p2p/profile/create", ROUTE_WORKER, MSG_PROFILE_CREATE,
     ROUTE_AUTH_USER, NULL},
    {"GET", "/api/p2p/profile", "/api/p2p/profile", ROUTE_WORKER, MSG_PROFILE_ME, ROUTE_AUTH_USER, NULL},
    {"PUT", "/api/p2p/profile", "/api/p2p/profile", ROUTE_WORKER, MSG_PROFILE_PUT, ROUTE_AUTH_USER, NULL},
    {"GET", "/api/p2p/admin/profiles", "/api/p2p/admin/profiles", ROUTE_WORKER, MSG_ADMIN_LIST,
     ROUTE_AUTH_ADMIN, NULL},
    {"GET", "/api/p2p/admin/profiles/7", "/api/p2p/admin/profiles/{id}", ROUTE_WORKER, MSG_ADMIN_GET,
     ROUTE_AUTH_ADMIN, "{\"id\": \"7\"}"},
    {"POST", "/api/p2p/admin/profiles/7/suspend", "/api/p2p/admin/profiles/{id}/suspend", ROUTE_WORKER,
     MSG_ADMIN_SUSPEND, ROUTE_AUTH_ADMIN, "{\"id\": \"7\"}"},
    {"POST", "/api/p2p/admin/profiles/7/unsuspend", "/api/p2p/admin/profiles/{id}/unsuspend", ROUTE_WORKER,
     MSG_ADMIN_UNSUSPEND, ROUTE_AUTH_ADMIN, "{\"id\": \"7\"}"},
    {"POST", "/api/p2p/admin/profiles/7/verify", "/api/p2p/admin/profiles/{id}/verify", ROUTE_WORKER,
     MSG_ADMIN_VERIFY, ROUTE_AUTH_ADMIN, "{\"id\": \"7\"}"},
    {"POST", "/api/p2p/admin/profiles/7/merchant", "/api/p2p/admin/profiles/{id}/merchant", ROUTE_WORKER,
     MSG_ADMIN_MERCHANT, ROUTE_AUTH_ADMIN, "{\"id\": \"7\"}"},
    {"GET", "/api/p2p/admin/audit", "/api/p2p/admin/audit", ROUTE_WORKER, MSG_ADMIN_AUDIT, ROUTE_AUTH_ADMIN,
     NULL},
    {"GET", "/api/p2p/wallet", "/api/p2p/wallet", ROUTE_WORKER, MSG_WALLET_BALANCE, ROUTE_AUTH_USER, NULL},
    {"GET", "/api/p2p/wallet/history", "/api/p2p/wallet/history", ROUTE_WORKER, MSG_WALLET_HISTORY,
     ROUTE_AUTH_USER, NULL},
    {"GET", "/api/p2p/payment-methods", "/api/p2p/payment-methods", ROUTE_WORKER, MSG_PAYMENT_METHOD_LIST,
     ROUTE_AUTH_USER, NULL},
    {"GET", "/api/p2p/payment-accounts", "/api/p2p/payment-accounts", ROUTE_WORKER, MSG_PAYMENT_ACCOUNT_LIST,
     ROUTE_AUTH_USER, NULL},
    {"POST", "/api/p2p/payment-accounts", "/api/p2p/payment-accounts", ROUTE_WORKER,
     MSG_PAYMENT_ACCOUNT_CREATE, ROUTE_AUTH_USER, NULL},
    {"DELETE", "/api/p2p/payment-accounts/7", "/api/p2p/payment-accounts/{id}", ROUTE_WORKER,
     MSG_PAYMENT_ACCOUNT_DELETE, ROUTE_AUTH_USER, "{\"id\": \"7\"}"},
    {"GET", "/api/p2p/prices", "/api/p2p/prices", ROUTE_WORKER, MSG_PRICE_LIST, ROUTE_AUTH_USER, NULL},
    {"GET", "/api/p2p/ads", "/api/p2p/ads", ROUTE_WORKER, MSG_AD_LIST, ROUTE_AUTH_USER, NULL},
    {"POST", "/api/p2p/ads", "/api/p2p/ads", ROUTE_WORKER, MSG_AD_CREATE, ROUTE_AUTH_USER, NULL},
    {"GET", "/api/p2p/ads/mine", "/api/p2p/ads/mine", ROUTE_WORKER, MSG_AD_MY_ADS, ROUTE_AUTH_USER, NULL},
    {"GET", "/api/p2p/ads/7", "/api/p2p/ads/{id}", ROUTE_WORKER, MSG_AD_GET, ROUTE_AUTH_USER,
     "{\"id\": \"7\"}"},
    {"PUT", "/api/p2p/ads/7", "/api/p2p/ads/{id}", ROUTE_WORKER, MSG_AD_UPDATE, ROUTE_AUTH_USER,
     "{\"id\": \"7\"}"},
    {"DELETE", "/api/p2p/ads/7", "/api/p2p/ads/{id}", ROUTE_WORKER, MSG_AD_DELETE, ROUTE_AUTH_USER,
     "{\"id\": \"7\"}"},
    {"POST", "/api/p2p/orders", "/api/p2p/orders", ROUTE_WORKER, MSG_ORDER_CREATE, ROUTE_AUTH_USER, NULL},
    {"GET", "/api/p2p/orders", "/api/p2p/orders", ROUTE_WORKER, MSG_ORDER_LIST, ROUTE_AUTH_USER, NULL},
    {"GET", "/api/p2p/orders/7", "/api/p2p/orders/{id}", ROUTE_WORKER, MSG_ORDER_GET, ROUTE_AUTH_USER,
     "{\"id\": \"7\"}"},
    {"POST", "/api/p2p/orders/7/cancel", "/api/p2p/orders/{id}/cancel", ROUTE_WORKER, MSG_ORDER_CANCEL,
     ROUTE_AUTH_USER, "{\"id\": \"7\"}"},
    {"POST", "/api/p2p/orders/7/confirm-payment", "/api/p2p/orders/{id}/confirm-payment", ROUTE_WORKER,
     MSG_ORDER_CONFIRM_PAYMENT, ROUTE_AUTH_USER, "{\"id\": \"7\"}"},
    {"POST", "/api/p2p/orders/7/release", "/api/p2p/orders/{id}/release", ROUTE_WORKER,
     MSG_ORDER_RELEASE_CRYPTO, ROUTE_AUTH_USER, "{\"id\": \"7\"}"},
    {"GET", "/api/p2p/orders/7/messages", "/api/p2p/orders/{id}/messages", ROUTE_WORKER,
     MSG_CHAT_GET_MESSAGES, ROUTE_AUTH_USER, "{\"id\": \"7\"}"},
    {"POST", "/api/p2p/orders/7/messages", "/api/p2p/orders/{id}/messages", ROUTE_WORKER,
     MSG_CHAT_SEND_MESSAGE, ROUTE_AUTH_USER, "{\"id\": \"7\"}"},
    {"POST", "/api/p2p/orders/7/messages/read", "/api/p2p/orders/{id}/messages/read", ROUTE_WORKER,
     MSG_CHAT_MARK_READ, ROUTE_AUTH_USER, "{\"id\": \"7\"}"},
    {"POST", "/api/p2p/orders/7/attachments", "/api/p2p/orders/{id}/attachments", ROUTE_WORKER,
     MSG_CHAT_ATTACHMENT_ADD, ROUTE_AUTH_USER, "{\"id\": \"7\"}"},
    {"GET", "/api/p2p/attachments/7", "/api/p2p/attachments/{id}", ROUTE_WORKER, MSG_CHAT_ATTACHMENT_GET,
     ROUTE_AUTH_USER, "{\"id\": \"7\"}"},
    {"POST", "/api/p2p/orders/7/dispute", "/api/p2p/orders/{id}/dispute", ROUTE_WORKER, MSG_DISPUTE_RAISE,
     ROUTE_AUTH_USER, "{\"id\": \"7\"}"},
    {"GET", "/api/p2p/orders/7/dispute", "/api/p2p/orders/{id}/dispute", ROUTE_WORKER, MSG_DISPUTE_GET,
     ROUTE_AUTH_USER, "{\"id\": \"7\"}"},
    {"POST", "/api/p2p/orders/7/dispute/evidence", "/api/p2p/orders/{id}/dispute/evidence", ROUTE_WORKER,
     MSG_DISPUTE_ADD_EVIDENCE, ROUTE_AUTH_USER, "{\"id\": \"7\"}"},
    {"POST", "/api/p2p/orders/7/review", "/api/p2p/orders/{id}/review", ROUTE_WORKER, MSG_REVIEW_CREATE,
     ROUTE_AUTH_USER, "{\"id\": \"7\"}"},
    {"GET", "/api/p2p/profiles/7/reviews", "/api/p2p/profiles/{id}/reviews", ROUTE_WORKER, MSG_REVIEW_LIST,
     ROUTE_AUTH_USER, "{\"id\": \"7\"}"},
    {"GET", "/api/p2p/notifications", "/api/p2p/notifications", ROUTE_WORKER, MSG_NOTIFICATION_LIST,
     ROUTE_AUTH_USER, NULL},
    {"POST", "/api/p2p/notifications/read", "/api/p2p/notifications/read", ROUTE_WORKER,
     MSG_NOTIFICATION_MARK_READ, ROUTE_AUTH_USER, NULL},
    {"GET", "/api/p2p/webhook", "/api/p2p/webhook", ROUTE_WORKER, MSG_WEBHOOK_GET, ROUTE_AUTH_USER, NULL},
    {"PUT", "/api/p2p/webhook", "/api/p2p/webhook", ROUTE_WORKER, MSG_WEBHOOK_SET, ROUTE_AUTH_USER, NULL},
    {"DELETE", "/api/p2p/webhook", "/api/p2p/webhook", ROUTE_WORKER, MSG_WEBHOOK_DELETE, ROUTE_AUTH_USER,
     NULL},
    {"POST", "/api/p2p/admin/wallets/u-1/credit", "/api/p2p/admin/wallets/{profile_id}/credit", ROUTE_WORKER,
     MSG_ADMIN_WALLET_CREDIT, ROUTE_AUTH_ADMIN, "{\"profile_id\": \"u-1\"}"},
    {"POST", "/api/p2p/admin/wallets/u-1/debit", "/api/p2p/admin/wallets/{profile_id}/debit", ROUTE_WORKER,
     MSG_ADMIN_WALLET_DEBIT, ROUTE_AUTH_ADMIN, "{\"profile_id\": \"u-1\"}"},
    {"GET", "/api/p2p/admin/ledger", "/api/p2p/admin/ledger", ROUTE_WORKER, MSG_ADMIN_LEDGER,
     ROUTE_AUTH_ADMIN, NULL},
    {"PUT", "/api/p2p/admin/prices/BTC/USD", "/api/p2p/admin/prices/{asset}/{fiat}", ROUTE_WORKER,
     MSG_ADMIN_PRICE_SET, ROUTE_AUTH_ADMIN, "{\"asset\": \"BTC\", \"fiat\": \"USD\"}"},
    {"POST", "/api/p2p/admin/payment-methods", "/api/p2p/admin/payment-methods", ROUTE_WORKER,
     MSG_ADMIN_PAYMENT_METHOD_CREATE, ROUTE_AUTH_ADMIN, NULL},
    {"PUT", "/api/p2p/admin/payment-methods/7", "/api/p2p/admin/payment-methods/{id}", ROUTE_WORKER,
     MSG_ADMIN_PAYMENT_METHOD_UPDATE, ROUTE_AUTH_ADMIN, "{\"id\": \"7\"}"},
    {"GET", "/api/p2p/admin/orders", "/api/p2p/admin/orders", ROUTE_WORKER, MSG_ADMIN_ORDER_LIST,
     ROUTE_AUTH_ADMIN, NULL},
    {"GET", "/api/p2p/admin/orders/7", "/api/p2p/admin/orders/{id}", ROUTE_WORKER, MSG_ADMIN_ORDER_GET,
     ROUTE_AUTH_ADMIN, "{\"id\": \"7\"}"},
    {"GET", "/api/p2p/admin/disputes", "/api/p2p/admin/disputes", ROUTE_WORKER, MSG_ADMIN_DISPUTE_LIST,
     ROUTE_AUTH_ADMIN, NULL},
    {"GET", "/api/p2p/admin/disputes/7", "/api/p2p/admin/disputes/{id}", ROUTE_WORKER, MSG_ADMIN_DISPUTE_GET,
     ROUTE_AUTH_ADMIN, "{\"id\": \"7\"}"},
    {"POST", "/api/p2p/admin/disputes/7/messages", "/api/p2p/admin/disputes/{id}/messages", ROUTE_WORKER,
     MSG_ADMIN_DISPUTE_MESSAGE, ROUTE_AUTH_ADMIN, "{\"id\": \"7\"}"},
    {"POST", "/api/p2p/admin/disputes/7/resolve", "/api/p2p/admin/disputes/{id}/resolve", ROUTE_WORKER,
     MSG_ADMIN_DISPUTE_RESOLVE, ROUTE_AUTH_ADMIN, "{\"id\": \"7\"}"},
    {"POST", "/api/p2p/admin/reviews/7/hide", "/api/p2p/admin/reviews/{id}/hide", ROUTE_WORKER,
     MSG_ADMIN_REVIEW_HIDE, ROUTE_AUTH_ADMIN, "{\"id\": \"7\"}"},
    {"POST", "/api/p2p/admin/reviews/7/unhide", "/api/p2p/admin/reviews/{id}/unhide", ROUTE_WORKER,
     MSG_ADMIN_REVIEW_UNHIDE, ROUTE_AUTH_ADMIN, "{\"id\": \"7\"}"},
    {"GET", "/", "/", ROUTE_WEB, MSG_UNKNOWN, ROUTE_AUTH_NONE, NULL},
    {"GET", "/static/app.js", "/static/{file}", ROUTE_WEB, MSG_UNKNOWN, ROUTE_AUTH_NONE,
     "{\"file\": \"app.js\"}"},
    {"POST", "/dev/token", "/dev/token", ROUTE_DEV_TOKEN, MSG_UNKNOWN, ROUTE_AUTH_NONE, NULL},
    {"GET", "/metrics", "/metrics", ROUTE_METRICS, MSG_UNKNOWN, ROUTE_AUTH_NONE, NULL},
};
#define S_EXPECTED_COUNT (sizeof s_expected / sizeof s_expected[0])

/*  Look up method and path; the caller decrefs *params. */
static const route_t *
s_find(const char *method, const char *path, bool *known, json_t **params)
{
    *known = false;
    *params = NULL;
    return route_table_find(method, path, known, params);
}

/*  method and path resolve to no route; path_known must be known_expected
    (true: 405, false: 404), and params must be left untouched. */
static void
s_assert_refused(const char *method, const char *path, bool known_expected)
{
    json_t *sentinel = json_object();
    json_t *params = sentinel;
    bool known = !known_expected;
    const route_t *route = route_table_find(method, path, &known, &params);
    cr_assert_null(route, "%s %.80s resolved to %s", method, path, route ? route->path : "");
    cr_assert_eq(known, known_expected, "%s %.80s: path_known is %d, expected %d", method, path, known,
                 known_expected);
    cr_assert_eq(params, sentinel, "%s %.80s: params changed without a match", method, path);
    json_decref(sentinel);
}

/*  method and path resolve to the row with pattern and type; params (a JSON
    object text, or NULL for none) are exactly the captured ones. */
static void
s_assert_resolves(const char *method, const char *path, const char *pattern, msg_type_t type,
                  const char *params_json)
{
    bool known;
    json_t *params;
    const route_t *route = s_find(method, path, &known, &params);
    cr_assert_not_null(route, "%s %.80s resolved to nothing", method, path);
    cr_assert(known);
    cr_assert_str_eq(route->method, method);
    cr_assert_str_eq(route->path, pattern, "%s %.80s", method, path);
    cr_assert_eq(route->type, type, "%s %.80s: type %s, expected %s", method, path,
                 msg_type_name(route->type), msg_type_name(type));
    if (!params_json) {
        cr_assert_null(params, "%s %.80s captured parameters", method, path);
        return;
    }
    json_t *expected = json_loads(params_json, 0, NULL);
    cr_assert_not_null(expected, "bad expected JSON %s", params_json);
    cr_assert_not_null(params, "%s %.80s captured no parameters", method, path);
    char *got = json_dumps(params, JSON_COMPACT | JSON_SORT_KEYS);
    cr_assert(json_equal(params, expected), "%s %.80s: params %.200s, expected %s", method, path, got,
              params_json);
    free(got);
    json_decref(expected);
    json_decref(params);
}

Test(route_table, every_route_resolves_from_a_concrete_path)
{
    for (size_t i = 0; i < S_EXPECTED_COUNT; i++) {
        const s_expected_t *e = &s_expected[i];
        s_assert_resolves(e->method, e->path, e->pattern, e->type, e->params);
        bool known;
        json_t *params;
        const route_t *route = s_find(e->method, e->path, &known, &params);
        cr_assert_eq(route->kind, e->kind, "%s %s: kind %d, expected %d", e->method, e->path, route->kind,
                     e->kind);
        cr_assert_eq(route->auth, e->auth, "%s %s: auth %d, expected %d", e->method, e->path, route->auth,
                     e->auth);
        json_decref(params);
    }
}

/*  A route added to the table without a row here fails, so does one removed. */
Test(route_table, the_table_is_exactly_the_expected_rows_in_order)
{
    cr_assert_eq(route_table_count(), S_EXPECTED_COUNT, "the table has %zu routes, the test %zu",
                 route_table_count(), S_EXPECTED_COUNT);
    for (size_t i = 0; i < S_EXPECTED_COUNT; i++) {
        const route_t *route = route_table_at(i);
        cr_assert_not_null(route);
        cr_assert_str_eq(route->method, s_expected[i].method, "row %zu", i);
        cr_assert_str_eq(route->path, s_expected[i].pattern, "row %zu", i);
        cr_assert_eq(route->type, s_expected[i].type, "row %zu", i);
    }
    cr_assert_null(route_table_at(S_EXPECTED_COUNT));
    cr_assert_null(route_table_at((size_t) -1));
}

/*  "{name}" takes any non-empty segment: ids are not restricted to digits
    here (the worker validates them), nothing is URL-decoded (lws did). */
Test(route_table, a_parameter_is_any_non_empty_segment)
{
    static const struct {
        const char *path, *id;
    } cases[] = {
        {"/api/p2p/ads/0", "0"},
        {"/api/p2p/ads/abc", "abc"},
        {"/api/p2p/ads/-1", "-1"},
        {"/api/p2p/ads/1.5", "1.5"},
        {"/api/p2p/ads/%2F", "%2F"},
        {"/api/p2p/ads/..", ".."},
        {"/api/p2p/ads/a b", "a b"},
        {"/api/p2p/ads/\xc3\xbc", "\xc3\xbc"},
        {"/api/p2p/ads/00000000-0000-0000-0000-000000000000", "00000000-0000-0000-0000-000000000000"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        json_t *expected = json_pack("{s:s}", "id", cases[i].id);
        char *text = json_dumps(expected, JSON_COMPACT);
        s_assert_resolves("GET", cases[i].path, "/api/p2p/ads/{id}", MSG_AD_GET, text);
        free(text);
        json_decref(expected);
    }
}

/*  A segment that is not UTF-8 still matches the route, but jansson refuses
    the string: the parameter is absent and the worker reports it missing. */
Test(route_table, a_segment_that_is_not_utf8_matches_without_its_parameter)
{
    bool known;
    json_t *params;
    const route_t *route = s_find("GET", "/api/p2p/ads/\xff", &known, &params);
    cr_assert_not_null(route);
    cr_assert_eq(route->type, MSG_AD_GET);
    cr_assert_not_null(params);
    cr_assert_eq(json_object_size(params), 0);
    json_decref(params);
}

Test(route_table, two_parameters_in_one_path)
{
    s_assert_resolves("PUT", "/api/p2p/admin/prices/usdt/rub", "/api/p2p/admin/prices/{asset}/{fiat}",
                      MSG_ADMIN_PRICE_SET, "{\"asset\": \"usdt\", \"fiat\": \"rub\"}");
}

/*  The first matching row wins: GET /ads/mine is the caller's ads, while
    the methods "mine" has no row for fall through to /ads/{id}. */
Test(route_table, a_literal_row_before_a_parameter_row_wins_for_its_method_only)
{
    s_assert_resolves("GET", "/api/p2p/ads/mine", "/api/p2p/ads/mine", MSG_AD_MY_ADS, NULL);
    s_assert_resolves("PUT", "/api/p2p/ads/mine", "/api/p2p/ads/{id}", MSG_AD_UPDATE, "{\"id\": \"mine\"}");
    s_assert_resolves("DELETE", "/api/p2p/ads/mine", "/api/p2p/ads/{id}", MSG_AD_DELETE,
                      "{\"id\": \"mine\"}");
    s_assert_refused("POST", "/api/p2p/ads/mine", true);
    s_assert_resolves("GET", "/api/p2p/profile/check", "/api/p2p/profile/check", MSG_PROFILE_CHECK, NULL);
    s_assert_resolves("GET", "/api/p2p/orders/7/messages", "/api/p2p/orders/{id}/messages",
                      MSG_CHAT_GET_MESSAGES, "{\"id\": \"7\"}");
    s_assert_resolves("POST", "/api/p2p/orders/7/messages/read", "/api/p2p/orders/{id}/messages/read",
                      MSG_CHAT_MARK_READ, "{\"id\": \"7\"}");
}

Test(route_table, unknown_paths_are_404)
{
    static const char *const paths[] = {
        "",
        "/api",
        "/api/p2p",
        "/api/p2p/",
        "/api/p2p/nope",
        "/api/p2p/ws/x",
        "/api/p2p/profiles/7",
        "/api/p2p/admin/profiles/7/delete",
        "/api/p2p/ads/7/8",
        "/api/p2p/profile/check/x",
        "/api/p2p/walletx",
        "/API/p2p/wallet",
        "/Api/P2p/Wallet",
        "/p2p/health/x",
        "api/p2p/wallet",
        "/static",
        "/static/a/b.js",
        "/metrics/",
        "/index.html",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++) {
        s_assert_refused("GET", paths[i], false);
        s_assert_refused("POST", paths[i], false);
    }
}

/*  Known path, no row for the method: path_known turns the 404 into a 405.
    Methods compare exactly: "get" is not GET. */
Test(route_table, a_known_path_with_another_method_is_405)
{
    static const struct {
        const char *method, *path;
    } cases[] = {
        {"POST", "/p2p/health"},
        {"DELETE", "/api/p2p/profile"},
        {"PATCH", "/api/p2p/profile"},
        {"POST", "/api/p2p/profile"},
        {"GET", "/api/p2p/profile/create"},
        {"HEAD", "/p2p/health"},
        {"OPTIONS", "/api/p2p/orders"},
        {"get", "/p2p/health"},
        {"", "/p2p/health"},
        {"DELETE", "/api/p2p/orders/7"},
        {"GET", "/api/p2p/orders/7/cancel"},
        {"PUT", "/api/p2p/admin/profiles/7"},
        {"GET", "/api/p2p/admin/prices/BTC/USD"},
        {"POST", "/static/app.js"},
        {"GET", "/dev/token"},
        {"POST", "/"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        s_assert_refused(cases[i].method, cases[i].path, true);
}

/*  No route ends in a slash and a slash is never dropped: "/x/" is not "/x". */
Test(route_table, a_trailing_slash_is_another_path)
{
    static const char *const paths[] = {
        "/p2p/health/",
        "/api/p2p/profile/",
        "/api/p2p/ads/7/",
        "/api/p2p/orders/7/cancel/",
        "/static/",
        "/api/p2p/wallet//",
        "//",
    };
    for (size_t i = 0; i < sizeof paths / sizeof paths[0]; i++)
        s_assert_refused("GET", paths[i], false);
    s_assert_resolves("GET", "/", "/", MSG_UNKNOWN, NULL);
}

/*  An empty segment never fills a parameter. */
Test(route_table, an_empty_segment_is_no_parameter)
{
    s_assert_refused("POST", "/api/p2p/orders//cancel", false);
    s_assert_refused("GET", "/api/p2p/ads/", false);
    s_assert_refused("PUT", "/api/p2p/admin/prices//USD", false);
    s_assert_refused("PUT", "/api/p2p/admin/prices/BTC/", false);
    s_assert_refused("GET", "/api/p2p//wallet", false);
    s_assert_refused("GET", "//p2p/health", false);
}

/*  The table gets the path without its query string (lws splits it off and
    http_routes adds the arguments to params). It does not strip one itself:
    a '?' is an ordinary character here. */
Test(route_table, a_query_string_is_not_stripped_by_the_table)
{
    s_assert_refused("GET", "/api/p2p/wallet?currency=BTC", false);
    s_assert_refused("GET", "/p2p/health?", false);
    s_assert_resolves("GET", "/api/p2p/ads/7?x=1", "/api/p2p/ads/{id}", MSG_AD_GET, "{\"id\": \"7?x=1\"}");
}

/*  A segment has no length limit of its own (http_routes' 1024-byte path
    buffer bounds it): a long one is captured whole. */
Test(route_table, a_very_long_segment_is_captured_whole)
{
    static const char prefix[] = "/api/p2p/orders/";
    static const char suffix[] = "/dispute/evidence";
    size_t id_len = 10000;
    char *path = malloc(sizeof prefix + id_len + sizeof suffix);
    cr_assert_not_null(path);
    memcpy(path, prefix, sizeof prefix - 1);
    memset(path + sizeof prefix - 1, '9', id_len);
    memcpy(path + sizeof prefix - 1 + id_len, suffix, sizeof suffix);
    bool known;
    json_t *params;
    const route_t *route = s_find("POST", path, &known, &params);
    cr_assert_not_null(route);
    cr_assert_eq(route->type, MSG_DISPUTE_ADD_EVIDENCE);
    const char *id = json_string_value(json_object_get(params, "id"));
    cr_assert_not_null(id);
    cr_assert_eq(strlen(id), id_len);
    cr_assert_eq(strspn(id, "9"), id_len);
    json_decref(params);
    /* the same segment where the table expects a literal is no route */
    memcpy(path + sizeof prefix - 1 + id_len, "/nope", 6);
    s_assert_refused("POST", path, false);
    free(path);
}

Test(route_table, the_web_files_mime_types)
{
    static const struct {
        const char *file, *mime;
    } cases[] = {
        {"index.html", "text/html; charset=utf-8"},
        {"app.js", "text/javascript; charset=utf-8"},
        {"app.min.js", "text/javascript; charset=utf-8"},
        {"style.css", "text/css; charset=utf-8"},
        {"logo.svg", "image/svg+xml"},
        {"logo.png", "image/png"},
        {"favicon.ico", "image/x-icon"},
        {"manifest.json", "application/json"},
        {".html", "text/html; charset=utf-8"},
        /* the last extension counts, and case matters */
        {"app.js.map", "application/octet-stream"},
        {"index.HTML", "application/octet-stream"},
        {"index.htm", "application/octet-stream"},
        {"archive.tar.gz", "application/octet-stream"},
        {"README", "application/octet-stream"},
        {"file.", "application/octet-stream"},
        {"", "application/octet-stream"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        cr_assert_str_eq(route_table_mime_type(cases[i].file), cases[i].mime, "'%s'", cases[i].file);
}

Test(route_table, only_post_and_put_carry_a_body)
{
    cr_assert(route_table_has_body("POST"));
    cr_assert(route_table_has_body("PUT"));
    static const char *const without[] = {"GET", "DELETE", "PATCH", "HEAD", "OPTIONS", "post", "put", ""};
    for (size_t i = 0; i < sizeof without / sizeof without[0]; i++)
        cr_assert_not(route_table_has_body(without[i]), "'%s'", without[i]);
}

/*  `p2p-gateway --routes`: one {"method","path","auth"} per row, in order. */
Test(route_table, describe_lists_every_row_with_its_auth_name)
{
    static const char *const auth_names[] = {"none", "user", "admin"};
    json_t *routes = route_table_describe();
    cr_assert(json_is_array(routes));
    cr_assert_eq(json_array_size(routes), S_EXPECTED_COUNT);
    for (size_t i = 0; i < S_EXPECTED_COUNT; i++) {
        json_t *expected = json_pack("{s:s, s:s, s:s}", "method", s_expected[i].method, "path",
                                     s_expected[i].pattern, "auth", auth_names[s_expected[i].auth]);
        cr_assert(json_equal(json_array_get(routes, i), expected), "row %zu", i);
        json_decref(expected);
    }
    char *first = json_dumps(json_array_get(routes, 0), JSON_COMPACT);
    cr_assert_str_eq(first, "{\"method\":\"GET\",\"path\":\"/p2p/health\",\"auth\":\"none\"}");
    free(first);
    char *admin = json_dumps(json_array_get(routes, 8), JSON_COMPACT);
    cr_assert_str_eq(admin,
                     "{\"method\":\"GET\",\"path\":\"/api/p2p/admin/profiles/{id}\",\"auth\":\"admin\"}");
    free(admin);
    json_decref(routes);
}
