/*  msg_type.h - every message type the service knows, declared once.

    Adding a message type is one line here, its handler in the owning
    worker's handler table, and its test. The gateway derives routing, the
    "unknown type" check and the "not yet implemented" answers from this list;
    workers derive their dispatch from it. */
#ifndef P2P_MSG_TYPE_H
#define P2P_MSG_TYPE_H

#include <stdbool.h>

/*  Which worker kind serves a type. SERVICE_NONE: nobody yet (placeholder). */
#define SERVICE_LIST(X)           \
    X(SERVICE_NONE, "none")       \
    X(SERVICE_PROFILE, "profile") \
    X(SERVICE_ADMIN, "admin")     \
    X(SERVICE_TRADE, "trade")

typedef enum {
#define X(name, wire) name,
    SERVICE_LIST(X)
#undef X
        SERVICE_COUNT
} service_t;

/*  Flags: MSG_WS - a client may send it over the WebSocket;
           MSG_WRITE - it changes data, so it is never retried on another worker;
           MSG_BATCHED - a read its worker answers many at a time with one
             statement (a batch handler), so the gateway packs such requests
             onto one worker rather than spreading them (worker_pool.c). */
#define MSG_WS 1u
#define MSG_WRITE 2u
#define MSG_BATCHED 4u
/*         MSG_RAW - a REST route whose body is a file, not JSON (an upload):
             the gateway passes it as bytes with its Content-Type, and the
             worker hands it to the handler as req->body. */
#define MSG_RAW 8u
/*         MSG_SPREAD - with MSG_BATCHED: answered in batches, but each request
             costs its worker CPU of its own (a search in the worker's index),
             so the gateway spreads such requests over the least-loaded
             workers instead of packing them onto one. */
#define MSG_SPREAD 16u

/*  X(enum, wire name, service, flags, "not yet implemented" text or NULL) */
#define MSG_TYPE_LIST(X)                                                                              \
    /* profile: WebSocket */                                                                          \
    X(MSG_PROFILE_GET, "profile.get", SERVICE_PROFILE, MSG_WS | MSG_BATCHED, NULL)                    \
    X(MSG_PROFILE_UPDATE, "profile.update", SERVICE_PROFILE, MSG_WS | MSG_WRITE, NULL)                \
    X(MSG_PROFILE_STATS, "profile.stats", SERVICE_PROFILE, MSG_WS | MSG_BATCHED, NULL)                \
    X(MSG_PROFILE_SEARCH, "profile.search", SERVICE_PROFILE, MSG_WS | MSG_BATCHED | MSG_SPREAD, NULL) \
    /* profile: REST routes and the WebSocket connect check */                                        \
    X(MSG_PROFILE_CHECK, "profile.check", SERVICE_PROFILE, 0, NULL)                                   \
    X(MSG_PROFILE_CREATE, "profile.create", SERVICE_PROFILE, MSG_WRITE, NULL)                         \
    X(MSG_PROFILE_ME, "profile.me", SERVICE_PROFILE, MSG_BATCHED, NULL)                               \
    X(MSG_PROFILE_PUT, "profile.put", SERVICE_PROFILE, MSG_WRITE, NULL)                               \
    X(MSG_SESSION_OPEN, "session.open", SERVICE_PROFILE, 0, NULL)                                     \
    /* admin: REST under /api/p2p/admin/ (role "admin") and the operator CLI */                       \
    X(MSG_ADMIN_LIST, "admin.list", SERVICE_ADMIN, 0, NULL)                                           \
    X(MSG_ADMIN_GET, "admin.get", SERVICE_ADMIN, 0, NULL)                                             \
    X(MSG_ADMIN_SUSPEND, "admin.suspend", SERVICE_ADMIN, MSG_WRITE, NULL)                             \
    X(MSG_ADMIN_UNSUSPEND, "admin.unsuspend", SERVICE_ADMIN, MSG_WRITE, NULL)                         \
    X(MSG_ADMIN_VERIFY, "admin.verify", SERVICE_ADMIN, MSG_WRITE, NULL)                               \
    X(MSG_ADMIN_MERCHANT, "admin.merchant", SERVICE_ADMIN, MSG_WRITE, NULL)                           \
    X(MSG_ADMIN_AUDIT, "admin.audit", SERVICE_ADMIN, 0, NULL)                                         \
    /* trade: wallets, payment methods and accounts, prices (TRADING.md) */                           \
    X(MSG_WALLET_BALANCE, "wallet.balance", SERVICE_TRADE, MSG_WS, NULL)                              \
    X(MSG_WALLET_HISTORY, "wallet.history", SERVICE_TRADE, MSG_WS, NULL)                              \
    X(MSG_PAYMENT_METHOD_LIST, "payment_method.list", SERVICE_TRADE, MSG_WS, NULL)                    \
    X(MSG_PAYMENT_ACCOUNT_CREATE, "payment_account.create", SERVICE_TRADE, MSG_WS | MSG_WRITE, NULL)  \
    X(MSG_PAYMENT_ACCOUNT_LIST, "payment_account.list", SERVICE_TRADE, MSG_WS, NULL)                  \
    X(MSG_PAYMENT_ACCOUNT_DELETE, "payment_account.delete", SERVICE_TRADE, MSG_WS | MSG_WRITE, NULL)  \
    X(MSG_PRICE_LIST, "price.list", SERVICE_TRADE, MSG_WS, NULL)                                      \
    /* trade, admin: REST under /api/p2p/admin/ (role "admin") and the operator CLI */                \
    X(MSG_ADMIN_WALLET_CREDIT, "admin.wallet_credit", SERVICE_TRADE, MSG_WRITE, NULL)                 \
    X(MSG_ADMIN_WALLET_DEBIT, "admin.wallet_debit", SERVICE_TRADE, MSG_WRITE, NULL)                   \
    X(MSG_ADMIN_LEDGER, "admin.ledger", SERVICE_TRADE, 0, NULL)                                       \
    X(MSG_ADMIN_PRICE_SET, "admin.price_set", SERVICE_TRADE, MSG_WRITE, NULL)                         \
    X(MSG_ADMIN_PAYMENT_METHOD_CREATE, "admin.payment_method_create", SERVICE_TRADE, MSG_WRITE, NULL) \
    X(MSG_ADMIN_PAYMENT_METHOD_UPDATE, "admin.payment_method_update", SERVICE_TRADE, MSG_WRITE, NULL) \
    /* trade: ads (TRADING.md "Ads") */                                                               \
    X(MSG_AD_CREATE, "ad.create", SERVICE_TRADE, MSG_WS | MSG_WRITE, NULL)                            \
    X(MSG_AD_LIST, "ad.list", SERVICE_TRADE, MSG_WS, NULL)                                            \
    X(MSG_AD_UPDATE, "ad.update", SERVICE_TRADE, MSG_WS | MSG_WRITE, NULL)                            \
    X(MSG_AD_DELETE, "ad.delete", SERVICE_TRADE, MSG_WS | MSG_WRITE, NULL)                            \
    X(MSG_AD_MY_ADS, "ad.my_ads", SERVICE_TRADE, MSG_WS, NULL)                                        \
    X(MSG_AD_GET, "ad.get", SERVICE_TRADE, MSG_WS, NULL)                                              \
    /* trade: orders (TRADING.md "Orders") */                                                         \
    X(MSG_ORDER_CREATE, "order.create", SERVICE_TRADE, MSG_WS | MSG_WRITE, NULL)                      \
    X(MSG_ORDER_LIST, "order.list", SERVICE_TRADE, MSG_WS, NULL)                                      \
    X(MSG_ORDER_GET, "order.get", SERVICE_TRADE, MSG_WS, NULL)                                        \
    X(MSG_ORDER_CANCEL, "order.cancel", SERVICE_TRADE, MSG_WS | MSG_WRITE, NULL)                      \
    X(MSG_ORDER_CONFIRM_PAYMENT, "order.confirm_payment", SERVICE_TRADE, MSG_WS | MSG_WRITE, NULL)    \
    X(MSG_ORDER_RELEASE_CRYPTO, "order.release_crypto", SERVICE_TRADE, MSG_WS | MSG_WRITE, NULL)      \
    /* trade: the order chat and its attachments (TRADING.md "Chat") */                               \
    X(MSG_CHAT_SEND_MESSAGE, "chat.send_message", SERVICE_TRADE, MSG_WS | MSG_WRITE, NULL)            \
    X(MSG_CHAT_GET_MESSAGES, "chat.get_messages", SERVICE_TRADE, MSG_WS, NULL)                        \
    X(MSG_CHAT_MARK_READ, "chat.mark_read", SERVICE_TRADE, MSG_WS | MSG_WRITE, NULL)                  \
    X(MSG_CHAT_ATTACHMENT_ADD, "chat.attachment_add", SERVICE_TRADE, MSG_WRITE | MSG_RAW, NULL)       \
    X(MSG_CHAT_ATTACHMENT_GET, "chat.attachment_get", SERVICE_TRADE, 0, NULL)                         \
    /* trade: notifications and merchants' webhooks (TRADING.md "Notifications") */                   \
    X(MSG_NOTIFICATION_LIST, "notification.list", SERVICE_TRADE, MSG_WS, NULL)                        \
    X(MSG_NOTIFICATION_MARK_READ, "notification.mark_read", SERVICE_TRADE, MSG_WS | MSG_WRITE, NULL)  \
    X(MSG_WEBHOOK_SET, "webhook.set", SERVICE_TRADE, MSG_WS | MSG_WRITE, NULL)                        \
    X(MSG_WEBHOOK_GET, "webhook.get", SERVICE_TRADE, MSG_WS, NULL)                                    \
    X(MSG_WEBHOOK_DELETE, "webhook.delete", SERVICE_TRADE, MSG_WS | MSG_WRITE, NULL)                  \
    /* trade: disputes and reviews (TRADING.md "Disputes", "Reviews") */                              \
    X(MSG_DISPUTE_RAISE, "dispute.raise", SERVICE_TRADE, MSG_WS | MSG_WRITE, NULL)                    \
    X(MSG_DISPUTE_GET, "dispute.get", SERVICE_TRADE, MSG_WS, NULL)                                    \
    X(MSG_DISPUTE_ADD_EVIDENCE, "dispute.add_evidence", SERVICE_TRADE, MSG_WS | MSG_WRITE, NULL)      \
    X(MSG_REVIEW_CREATE, "review.create", SERVICE_TRADE, MSG_WS | MSG_WRITE, NULL)                    \
    X(MSG_REVIEW_LIST, "review.list", SERVICE_TRADE, MSG_WS, NULL)                                    \
    /* trade, admin: the moderators' orders, disputes and reviews */                                  \
    X(MSG_ADMIN_ORDER_LIST, "admin.order_list", SERVICE_TRADE, 0, NULL)                               \
    X(MSG_ADMIN_ORDER_GET, "admin.order_get", SERVICE_TRADE, 0, NULL)                                 \
    X(MSG_ADMIN_DISPUTE_LIST, "admin.dispute_list", SERVICE_TRADE, 0, NULL)                           \
    X(MSG_ADMIN_DISPUTE_GET, "admin.dispute_get", SERVICE_TRADE, 0, NULL)                             \
    X(MSG_ADMIN_DISPUTE_MESSAGE, "admin.dispute_message", SERVICE_TRADE, MSG_WRITE, NULL)             \
    X(MSG_ADMIN_DISPUTE_RESOLVE, "admin.dispute_resolve", SERVICE_TRADE, MSG_WRITE, NULL)             \
    X(MSG_ADMIN_REVIEW_HIDE, "admin.review_hide", SERVICE_TRADE, MSG_WRITE, NULL)                     \
    X(MSG_ADMIN_REVIEW_UNHIDE, "admin.review_unhide", SERVICE_TRADE, MSG_WRITE, NULL)

typedef enum {
    MSG_UNKNOWN = -1,
#define X(name, wire, service, flags, placeholder) name,
    MSG_TYPE_LIST(X)
#undef X
        MSG_TYPE_COUNT
} msg_type_t;

/*  Type for a wire name; MSG_UNKNOWN when there is none. */
msg_type_t msg_type_from_name(const char *name);

/*  Wire name of type ("?" when out of range). Static, do not free. */
const char *msg_type_name(msg_type_t type);

/*  Service that serves type. */
service_t msg_type_service(msg_type_t type);

/*  True when a client may send type over the WebSocket. */
bool msg_type_is_ws(msg_type_t type);

/*  True when type changes data (never retried). */
bool msg_type_is_write(msg_type_t type);

/*  True when type's worker answers it in batches (MSG_BATCHED). */
bool msg_type_is_batched(msg_type_t type);

/*  True when the gateway packs type's requests onto one worker (MSG_BATCHED
    without MSG_SPREAD). */
bool msg_type_is_packed(msg_type_t type);

/*  True when type's REST body is a file (MSG_RAW). */
bool msg_type_is_raw(msg_type_t type);

/*  "... not yet implemented" text for placeholder types, else NULL. */
const char *msg_type_placeholder(msg_type_t type);

/*  Wire name of a service ("profile", "admin"). Static. */
const char *service_name(service_t service);

/*  Service for a wire name; SERVICE_NONE when unknown. */
service_t service_from_name(const char *name);

#endif
