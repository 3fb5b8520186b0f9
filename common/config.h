/*  config.h - configuration from the environment, declared once as a table
    (name, type, default, meaning). Every process loads the whole table and
    uses the keys it needs; `.env.example` mirrors this list. */
#ifndef P2P_CONFIG_H
#define P2P_CONFIG_H

#include "err.h"

/*  X(field, ENV_NAME, type, default, min, max, description)
    type: STR or INT. min/max bound INT values (ignored for STR). */
#define CONFIG_LIST(X)                                                                                      \
    X(jwt_secret, "JWT_SECRET", STR, "", 0, 0, "HS256 key for client tokens (gateway; required)")           \
    X(database_url, "DATABASE_URL", STR, "postgresql://p2p:p2p@127.0.0.1:5432/pxyz_fx_p2p", 0, 0,           \
      "libpq connection string (workers)")                                                                  \
    X(http_port, "P2P_HTTP_PORT", INT, "8030", 1, 65535, "gateway HTTP/WebSocket port")                     \
    X(ws_ping_interval_s, "P2P_WS_PING_INTERVAL_S", INT, "54", 1, 3600,                                     \
      "seconds of silence before the gateway pings a WebSocket client")                                     \
    X(ws_idle_timeout_s, "P2P_WS_IDLE_TIMEOUT_S", INT, "60", 1, 3600,                                       \
      "seconds of silence (no frame, no pong) before a WebSocket is closed")                                \
    X(rate_limit_per_min, "P2P_RATE_LIMIT_PER_MIN", INT, "100", 0, 1000000,                                 \
      "requests per user (or client address) per minute, WebSocket upgrades included; 0 turns it off")      \
    X(ws_max_sessions_per_user, "P2P_WS_MAX_SESSIONS_PER_USER", INT, "20", 0, 100000,                       \
      "open WebSocket sessions one user may hold on a gateway (tabs, devices); past it an upgrade "         \
      "gets 429 TOO_MANY_SESSIONS; 0 turns it off")                                                         \
    X(log_level, "LOG_LEVEL", STR, "info", 0, 0, "debug, info, warn or error")                              \
    X(worker_bind, "P2P_WORKER_BIND", STR, "tcp://127.0.0.1:5555", 0, 0,                                    \
      "ZeroMQ endpoint the gateway binds for workers (ROUTER)")                                             \
    X(gateway_endpoints, "P2P_GATEWAY_ENDPOINTS", STR, "tcp://127.0.0.1:5555", 0, 0,                        \
      "comma-separated gateway endpoints a worker connects to (one DEALER each)")                           \
    X(request_timeout_ms, "P2P_REQUEST_TIMEOUT_MS", INT, "5000", 50, 600000,                                \
      "deadline of a request sent to a worker")                                                             \
    X(heartbeat_ms, "P2P_HEARTBEAT_MS", INT, "1000", 50, 60000,                                             \
      "heartbeat interval between gateway and workers; 3 missed beats = dead")                              \
    X(http_header_timeout_s, "P2P_HTTP_HEADER_TIMEOUT_S", INT, "5", 1, 60,                                  \
      "seconds a connection has to send a request's headers (however slowly they trickle)")                 \
    X(http_pending_per_address, "P2P_HTTP_PENDING_PER_ADDRESS", INT, "64", 1, 100000,                       \
      "connections one client address (IPv6: its /64) may have waiting for request headers; past it "       \
      "its oldest waiting one is closed (once 1 s old; at 8x, whatever its age)")                           \
    X(upload_memory_mb, "P2P_UPLOAD_MEMORY_MB", INT, "64", 6, 65536,                                        \
      "gateway: MiB of upload bodies (proof-of-payment files, up to 5 MiB each) it holds at once; "         \
      "past it an upload gets 503 + Retry-After")                                                           \
    X(ws_allowed_origins, "P2P_WS_ALLOWED_ORIGINS", STR, "", 0, 0,                                          \
      "comma-separated Origin values allowed to open a WebSocket; empty allows any")                        \
    X(web_dir, "P2P_WEB_DIR", STR, "web", 0, 0, "directory of the browser client the gateway serves at /")  \
    X(metrics, "P2P_METRICS", INT, "0", 0, 1,                                                               \
      "1 serves Prometheus metrics at GET /metrics on the gateway port")                                    \
    X(dev_tokens, "P2P_DEV_TOKENS", INT, "0", 0, 1,                                                         \
      "1 enables POST /dev/token (mints tokens for anyone: local development only)")                        \
    X(worker_curve_secret_file, "P2P_WORKER_CURVE_SECRET_FILE", STR, "", 0, 0,                              \
      "gateway: its CURVE certificate for the worker link (the FILE_secret of p2p-admin keygen FILE); "     \
      "with P2P_WORKER_CURVE_CLIENTS_DIR")                                                                  \
    X(worker_curve_clients_dir, "P2P_WORKER_CURVE_CLIENTS_DIR", STR, "", 0, 0,                              \
      "gateway: directory of the workers' public certificates admitted on the worker link")                 \
    X(worker_curve_cert_file, "P2P_WORKER_CURVE_CERT_FILE", STR, "", 0, 0,                                  \
      "workers: their CURVE certificate for the gateway link (FILE_secret); with "                          \
      "P2P_WORKER_CURVE_SERVER_PUBLIC_FILE")                                                                \
    X(worker_curve_server_public_file, "P2P_WORKER_CURVE_SERVER_PUBLIC_FILE", STR, "", 0, 0,                \
      "workers: the gateways' public CURVE certificate")                                                    \
    X(ready_kinds, "P2P_READY_KINDS", STR, "all", 0, 0,                                                     \
      "gateway: the worker kinds /p2p/ready needs (comma-separated, e.g. profile,admin; all = every kind)") \
    X(worker_link_insecure, "P2P_WORKER_LINK_INSECURE", INT, "0", 0, 1,                                     \
      "1 lets the gateway bind P2P_WORKER_BIND on a non-loopback address without CURVE: only when that "    \
      "network is private to the gateway and its workers")                                                  \
    X(listing_cache_entries, "P2P_LISTING_CACHE_ENTRIES", INT, "4096", 0, 1000000,                          \
      "profile-svc, trade-svc: profile.search / ad.list answers each worker keeps while they hold (0: none)") \
    X(search_index, "P2P_SEARCH_INDEX", INT, "1", 0, 1,                                                     \
      "profile-svc: 1 keeps an in-memory index of the search listing (~140 bytes per profile) that "         \
      "answers username searches of 3+ characters; 0 sends every search to the database")                   \
    X(price_max_age_s, "P2P_PRICE_MAX_AGE_S", INT, "300", 1, 31536000,                                      \
      "trade-svc: an index price older than this is stale (floating ads on its pair are not listed)")       \
    X(trade_time_scale, "P2P_TRADE_TIME_SCALE", INT, "1", 1, 100000,                                        \
      "trade-svc: divides every trading duration (payment, release and dispute windows); tests only")       \
    X(max_open_orders, "P2P_MAX_OPEN_ORDERS", INT, "5", 1, 1000,                                            \
      "trade-svc: unpaid orders a buyer may have open at once")                                             \
    X(max_daily_cancels, "P2P_MAX_DAILY_CANCELS", INT, "3", 1, 1000,                                        \
      "trade-svc: orders a buyer may cancel or let expire in 24 hours before taking new ones is refused")   \
    X(release_window_minutes, "P2P_RELEASE_WINDOW_MINUTES", INT, "30", 0, 100000,                           \
      "trade-svc: minutes after payment before the buyer may dispute")                                      \
    X(dispute_response_minutes, "P2P_DISPUTE_RESPONSE_MINUTES", INT, "1440", 1, 1000000,                    \
      "trade-svc: minutes the other party has to add evidence before a dispute resolves for the raiser")    \
    X(admin_api_bind, "P2P_ADMIN_API_BIND", STR, "tcp://127.0.0.1:5570", 0, 0,                              \
      "admin-svc: where its operator API (ZeroMQ ROUTER, p2p-admin's profile verbs) listens; the first "    \
      "admin-svc on a host takes it, the others serve the gateways only")                                   \
    X(admin_curve_secret_file, "P2P_ADMIN_CURVE_SECRET_FILE", STR, "", 0, 0,                                \
      "admin-svc: the operator API's CURVE certificate (FILE_secret); with P2P_ADMIN_CURVE_CLIENTS_DIR")    \
    X(admin_curve_clients_dir, "P2P_ADMIN_CURVE_CLIENTS_DIR", STR, "", 0, 0,                                \
      "admin-svc: directory of the operators' public certificates admitted on its operator API")            \
    X(trade_api_bind, "P2P_TRADE_API_BIND", STR, "tcp://127.0.0.1:5571", 0, 0,                              \
      "trade-svc: where its operator API (ZeroMQ ROUTER, p2p-admin's trading verbs) listens; the first "    \
      "trade-svc on a host takes it, the others serve the gateways only")                                   \
    X(trade_curve_secret_file, "P2P_TRADE_CURVE_SECRET_FILE", STR, "", 0, 0,                                \
      "trade-svc: the operator API's CURVE certificate (FILE_secret); with P2P_TRADE_CURVE_CLIENTS_DIR")    \
    X(trade_curve_clients_dir, "P2P_TRADE_CURVE_CLIENTS_DIR", STR, "", 0, 0,                                \
      "trade-svc: directory of the operators' public certificates admitted on its operator API")            \
    X(smtp_url, "P2P_SMTP_URL", STR, "", 0, 0,                                                              \
      "trade-svc: SMTP server for notification mails, e.g. smtp://127.0.0.1:2525 (empty: no mail)")         \
    X(email_from, "P2P_EMAIL_FROM", STR, "", 0, 0,                                                          \
      "trade-svc: the From address of notification mails (empty: no mail)")                                 \
    X(outbox_retry_base_ms, "P2P_OUTBOX_RETRY_BASE_MS", INT, "10000", 10, 3600000,                          \
      "trade-svc: delay before a failed mail or webhook delivery is tried again; doubles with every "       \
      "attempt (with jitter) up to P2P_OUTBOX_RETRY_MAX_MS, for 24 hours")                                  \
    X(outbox_retry_max_ms, "P2P_OUTBOX_RETRY_MAX_MS", INT, "3600000", 10, 86400000,                         \
      "trade-svc: the longest delay between two attempts of one delivery")

#define CONFIG_FIELD_STR(field) char *field;
#define CONFIG_FIELD_INT(field) int field;

typedef struct {
#define X(field, env, type, def, min, max, desc) CONFIG_FIELD_##type(field)
    CONFIG_LIST(X)
#undef X
} config_t;

/*  Fill cfg from the environment, defaults for unset keys. Strings are owned
    by cfg (config_free). Returns -1 with err naming the key on a bad value. */
int config_load(config_t *cfg, err_t *err);

/*  Free the strings config_load allocated. */
void config_free(config_t *cfg);

/*  Print the table as `.env.example` text to stdout. */
void config_print_example(void);

/*  The default of the key named env (e.g. "P2P_TRADE_API_BIND"), for
    clients whose default is a server's (p2p-admin's endpoints). Static;
    NULL for an unknown key. */
const char *config_default(const char *env);

#endif
