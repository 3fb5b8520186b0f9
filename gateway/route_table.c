/*  route_table.c - the REST route table and its pure lookups (see
    route_table.h). Owns nothing at run time: the table is static. */
#include "route_table.h"

#include <stdio.h>
#include <string.h>

/*  Every REST route. The WebSocket path is handled by the upgrade gate.
    POST and PUT may carry a JSON object body (an empty body reads as {}). */
static const route_t s_routes[] = {
    {"GET", "/p2p/health", ROUTE_HEALTH, MSG_UNKNOWN, ROUTE_AUTH_NONE},
    /* upgrades never reach the table (http_routes_confirm_upgrade takes them);
       a plain GET is told what the path is for, once authenticated */
    {"GET", "/api/p2p/ws", ROUTE_WS, MSG_UNKNOWN, ROUTE_AUTH_USER},
    {"GET", "/p2p/ready", ROUTE_READY, MSG_UNKNOWN, ROUTE_AUTH_NONE},
    {"GET", "/api/p2p/profile/check", ROUTE_WORKER, MSG_PROFILE_CHECK, ROUTE_AUTH_USER},
    {"POST", "/api/p2p/profile/create", ROUTE_WORKER, MSG_PROFILE_CREATE, ROUTE_AUTH_USER},
    {"GET", "/api/p2p/profile", ROUTE_WORKER, MSG_PROFILE_ME, ROUTE_AUTH_USER},
    {"PUT", "/api/p2p/profile", ROUTE_WORKER, MSG_PROFILE_PUT, ROUTE_AUTH_USER},
    {"GET", "/api/p2p/admin/profiles", ROUTE_WORKER, MSG_ADMIN_LIST, ROUTE_AUTH_ADMIN},
    {"GET", "/api/p2p/admin/profiles/{id}", ROUTE_WORKER, MSG_ADMIN_GET, ROUTE_AUTH_ADMIN},
    {"POST", "/api/p2p/admin/profiles/{id}/suspend", ROUTE_WORKER, MSG_ADMIN_SUSPEND, ROUTE_AUTH_ADMIN},
    {"POST", "/api/p2p/admin/profiles/{id}/unsuspend", ROUTE_WORKER, MSG_ADMIN_UNSUSPEND, ROUTE_AUTH_ADMIN},
    {"POST", "/api/p2p/admin/profiles/{id}/verify", ROUTE_WORKER, MSG_ADMIN_VERIFY, ROUTE_AUTH_ADMIN},
    {"POST", "/api/p2p/admin/profiles/{id}/merchant", ROUTE_WORKER, MSG_ADMIN_MERCHANT, ROUTE_AUTH_ADMIN},
    {"GET", "/api/p2p/admin/audit", ROUTE_WORKER, MSG_ADMIN_AUDIT, ROUTE_AUTH_ADMIN},
    /* trading: wallets, payment methods and accounts, prices (TRADING.md) */
    {"GET", "/api/p2p/wallet", ROUTE_WORKER, MSG_WALLET_BALANCE, ROUTE_AUTH_USER},
    {"GET", "/api/p2p/wallet/history", ROUTE_WORKER, MSG_WALLET_HISTORY, ROUTE_AUTH_USER},
    {"GET", "/api/p2p/payment-methods", ROUTE_WORKER, MSG_PAYMENT_METHOD_LIST, ROUTE_AUTH_USER},
    {"GET", "/api/p2p/payment-accounts", ROUTE_WORKER, MSG_PAYMENT_ACCOUNT_LIST, ROUTE_AUTH_USER},
    {"POST", "/api/p2p/payment-accounts", ROUTE_WORKER, MSG_PAYMENT_ACCOUNT_CREATE, ROUTE_AUTH_USER},
    {"DELETE", "/api/p2p/payment-accounts/{id}", ROUTE_WORKER, MSG_PAYMENT_ACCOUNT_DELETE, ROUTE_AUTH_USER},
    {"GET", "/api/p2p/prices", ROUTE_WORKER, MSG_PRICE_LIST, ROUTE_AUTH_USER},
    {"GET", "/api/p2p/ads", ROUTE_WORKER, MSG_AD_LIST, ROUTE_AUTH_USER},
    {"POST", "/api/p2p/ads", ROUTE_WORKER, MSG_AD_CREATE, ROUTE_AUTH_USER},
    {"GET", "/api/p2p/ads/mine", ROUTE_WORKER, MSG_AD_MY_ADS, ROUTE_AUTH_USER},
    {"GET", "/api/p2p/ads/{id}", ROUTE_WORKER, MSG_AD_GET, ROUTE_AUTH_USER},
    {"PUT", "/api/p2p/ads/{id}", ROUTE_WORKER, MSG_AD_UPDATE, ROUTE_AUTH_USER},
    {"DELETE", "/api/p2p/ads/{id}", ROUTE_WORKER, MSG_AD_DELETE, ROUTE_AUTH_USER},
    {"POST", "/api/p2p/orders", ROUTE_WORKER, MSG_ORDER_CREATE, ROUTE_AUTH_USER},
    {"GET", "/api/p2p/orders", ROUTE_WORKER, MSG_ORDER_LIST, ROUTE_AUTH_USER},
    {"GET", "/api/p2p/orders/{id}", ROUTE_WORKER, MSG_ORDER_GET, ROUTE_AUTH_USER},
    {"POST", "/api/p2p/orders/{id}/cancel", ROUTE_WORKER, MSG_ORDER_CANCEL, ROUTE_AUTH_USER},
    {"POST", "/api/p2p/orders/{id}/confirm-payment", ROUTE_WORKER, MSG_ORDER_CONFIRM_PAYMENT,
     ROUTE_AUTH_USER},
    {"POST", "/api/p2p/orders/{id}/release", ROUTE_WORKER, MSG_ORDER_RELEASE_CRYPTO, ROUTE_AUTH_USER},
    {"GET", "/api/p2p/orders/{id}/messages", ROUTE_WORKER, MSG_CHAT_GET_MESSAGES, ROUTE_AUTH_USER},
    {"POST", "/api/p2p/orders/{id}/messages", ROUTE_WORKER, MSG_CHAT_SEND_MESSAGE, ROUTE_AUTH_USER},
    {"POST", "/api/p2p/orders/{id}/messages/read", ROUTE_WORKER, MSG_CHAT_MARK_READ, ROUTE_AUTH_USER},
    {"POST", "/api/p2p/orders/{id}/attachments", ROUTE_WORKER, MSG_CHAT_ATTACHMENT_ADD, ROUTE_AUTH_USER},
    {"GET", "/api/p2p/attachments/{id}", ROUTE_WORKER, MSG_CHAT_ATTACHMENT_GET, ROUTE_AUTH_USER},
    {"POST", "/api/p2p/orders/{id}/dispute", ROUTE_WORKER, MSG_DISPUTE_RAISE, ROUTE_AUTH_USER},
    {"GET", "/api/p2p/orders/{id}/dispute", ROUTE_WORKER, MSG_DISPUTE_GET, ROUTE_AUTH_USER},
    {"POST", "/api/p2p/orders/{id}/dispute/evidence", ROUTE_WORKER, MSG_DISPUTE_ADD_EVIDENCE,
     ROUTE_AUTH_USER},
    {"POST", "/api/p2p/orders/{id}/review", ROUTE_WORKER, MSG_REVIEW_CREATE, ROUTE_AUTH_USER},
    {"GET", "/api/p2p/profiles/{id}/reviews", ROUTE_WORKER, MSG_REVIEW_LIST, ROUTE_AUTH_USER},
    {"GET", "/api/p2p/notifications", ROUTE_WORKER, MSG_NOTIFICATION_LIST, ROUTE_AUTH_USER},
    {"POST", "/api/p2p/notifications/read", ROUTE_WORKER, MSG_NOTIFICATION_MARK_READ, ROUTE_AUTH_USER},
    {"GET", "/api/p2p/webhook", ROUTE_WORKER, MSG_WEBHOOK_GET, ROUTE_AUTH_USER},
    {"PUT", "/api/p2p/webhook", ROUTE_WORKER, MSG_WEBHOOK_SET, ROUTE_AUTH_USER},
    {"DELETE", "/api/p2p/webhook", ROUTE_WORKER, MSG_WEBHOOK_DELETE, ROUTE_AUTH_USER},
    {"POST", "/api/p2p/admin/wallets/{profile_id}/credit", ROUTE_WORKER, MSG_ADMIN_WALLET_CREDIT,
     ROUTE_AUTH_ADMIN},
    {"POST", "/api/p2p/admin/wallets/{profile_id}/debit", ROUTE_WORKER, MSG_ADMIN_WALLET_DEBIT,
     ROUTE_AUTH_ADMIN},
    {"GET", "/api/p2p/admin/ledger", ROUTE_WORKER, MSG_ADMIN_LEDGER, ROUTE_AUTH_ADMIN},
    {"PUT", "/api/p2p/admin/prices/{asset}/{fiat}", ROUTE_WORKER, MSG_ADMIN_PRICE_SET, ROUTE_AUTH_ADMIN},
    {"POST", "/api/p2p/admin/payment-methods", ROUTE_WORKER, MSG_ADMIN_PAYMENT_METHOD_CREATE,
     ROUTE_AUTH_ADMIN},
    {"PUT", "/api/p2p/admin/payment-methods/{id}", ROUTE_WORKER, MSG_ADMIN_PAYMENT_METHOD_UPDATE,
     ROUTE_AUTH_ADMIN},
    {"GET", "/api/p2p/admin/orders", ROUTE_WORKER, MSG_ADMIN_ORDER_LIST, ROUTE_AUTH_ADMIN},
    {"GET", "/api/p2p/admin/orders/{id}", ROUTE_WORKER, MSG_ADMIN_ORDER_GET, ROUTE_AUTH_ADMIN},
    {"GET", "/api/p2p/admin/disputes", ROUTE_WORKER, MSG_ADMIN_DISPUTE_LIST, ROUTE_AUTH_ADMIN},
    {"GET", "/api/p2p/admin/disputes/{id}", ROUTE_WORKER, MSG_ADMIN_DISPUTE_GET, ROUTE_AUTH_ADMIN},
    {"POST", "/api/p2p/admin/disputes/{id}/messages", ROUTE_WORKER, MSG_ADMIN_DISPUTE_MESSAGE,
     ROUTE_AUTH_ADMIN},
    {"POST", "/api/p2p/admin/disputes/{id}/resolve", ROUTE_WORKER, MSG_ADMIN_DISPUTE_RESOLVE,
     ROUTE_AUTH_ADMIN},
    {"POST", "/api/p2p/admin/reviews/{id}/hide", ROUTE_WORKER, MSG_ADMIN_REVIEW_HIDE, ROUTE_AUTH_ADMIN},
    {"POST", "/api/p2p/admin/reviews/{id}/unhide", ROUTE_WORKER, MSG_ADMIN_REVIEW_UNHIDE, ROUTE_AUTH_ADMIN},
    {"GET", "/", ROUTE_WEB, MSG_UNKNOWN, ROUTE_AUTH_NONE},
    {"GET", "/static/{file}", ROUTE_WEB, MSG_UNKNOWN, ROUTE_AUTH_NONE},
    {"POST", "/dev/token", ROUTE_DEV_TOKEN, MSG_UNKNOWN, ROUTE_AUTH_NONE},
    {"GET", "/metrics", ROUTE_METRICS, MSG_UNKNOWN, ROUTE_AUTH_NONE},
};

#define S_ROUTE_COUNT (sizeof s_routes / sizeof s_routes[0])

/*  Does path match pattern? "{name}" matches one non-empty segment, captured
    into params (created on the first capture; caller decrefs). */
static bool
s_match(const char *pattern, const char *path, json_t **params)
{
    while (*pattern && *path) {
        if (*pattern == '{') {
            const char *close = strchr(pattern, '}');
            const char *slash = strchr(path, '/');
            size_t len = slash ? (size_t) (slash - path) : strlen(path);
            if (!close || len == 0)
                return false;
            if (!*params)
                *params = json_object();
            char name[32];
            snprintf(name, sizeof name, "%.*s", (int) (close - pattern - 1), pattern + 1);
            json_object_set_new(*params, name, json_stringn(path, len));
            pattern = close + 1;
            path += len;
            continue;
        }
        if (*pattern++ != *path++)
            return false;
    }
    return *pattern == 0 && *path == 0;
}

const route_t *
route_table_find(const char *method, const char *path, bool *path_known, json_t **params)
{
    *path_known = false;
    for (size_t i = 0; i < S_ROUTE_COUNT; i++) {
        json_t *captured = NULL;
        if (!s_match(s_routes[i].path, path, &captured)) {
            json_decref(captured);
            continue;
        }
        *path_known = true;
        if (strcmp(s_routes[i].method, method) == 0) {
            *params = captured;
            return &s_routes[i];
        }
        json_decref(captured);
    }
    return NULL;
}

size_t
route_table_count(void)
{
    return S_ROUTE_COUNT;
}

const route_t *
route_table_at(size_t i)
{
    return i < S_ROUTE_COUNT ? &s_routes[i] : NULL;
}

bool
route_table_has_body(const char *method)
{
    return strcmp(method, "POST") == 0 || strcmp(method, "PUT") == 0;
}

const char *
route_table_mime_type(const char *file)
{
    static const struct {
        const char *ext, *mime;
    } types[] = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
        {".json", "application/json"},
    };
    const char *dot = strrchr(file, '.');
    for (size_t i = 0; dot && i < sizeof types / sizeof types[0]; i++)
        if (strcmp(dot, types[i].ext) == 0)
            return types[i].mime;
    return "application/octet-stream";
}

json_t *
route_table_describe(void)
{
    static const char *auth_names[] = {"none", "user", "admin"};
    json_t *routes = json_array();
    for (size_t i = 0; i < S_ROUTE_COUNT; i++)
        json_array_append_new(routes, json_pack("{s:s, s:s, s:s}", "method", s_routes[i].method, "path",
                                                s_routes[i].path, "auth", auth_names[s_routes[i].auth]));
    return routes;
}
