/*  err.h - the project-wide error codes and the one table that maps them to
    HTTP statuses and to the machine-readable strings clients see.

    Functions return 0/-1 (or NULL) and fill an optional err_t. */
#ifndef P2P_ERR_H
#define P2P_ERR_H

#include <stdarg.h>

/*  X(enum, HTTP status, wire code) */
#define ERR_LIST(X)                                                  \
    X(ERR_OK, 200, "OK")                                             \
    X(ERR_INVALID, 400, "INVALID_REQUEST")                           \
    X(ERR_UNAUTHORIZED, 401, "UNAUTHORIZED")                         \
    X(ERR_FORBIDDEN, 403, "FORBIDDEN")                               \
    X(ERR_SUSPENDED, 403, "ACCOUNT_SUSPENDED")                       \
    X(ERR_CONSENT_REQUIRED, 403, "CONSENT_REQUIRED")                 \
    X(ERR_NOT_FOUND, 404, "NOT_FOUND")                               \
    X(ERR_NOT_JOINED, 404, "NOT_JOINED_P2P")                         \
    X(ERR_METHOD, 405, "METHOD_NOT_ALLOWED")                         \
    X(ERR_PROFILE_EXISTS, 409, "PROFILE_EXISTS")                     \
    X(ERR_USERNAME_TAKEN, 409, "USERNAME_TAKEN")                     \
    X(ERR_TOO_LARGE, 413, "PAYLOAD_TOO_LARGE")                       \
    X(ERR_UPGRADE_REQUIRED, 426, "UPGRADE_REQUIRED")                 \
    /* trading (TRADING.md "Errors") */                              \
    X(ERR_INSUFFICIENT_BALANCE, 409, "INSUFFICIENT_BALANCE")         \
    X(ERR_AD_UNAVAILABLE, 409, "AD_UNAVAILABLE")                     \
    X(ERR_AMOUNT_OUT_OF_RANGE, 409, "AMOUNT_OUT_OF_RANGE")           \
    X(ERR_OWN_AD, 409, "OWN_AD")                                     \
    X(ERR_REQUIREMENTS_NOT_MET, 403, "REQUIREMENTS_NOT_MET")         \
    X(ERR_PAYMENT_ACCOUNT_REQUIRED, 409, "PAYMENT_ACCOUNT_REQUIRED") \
    X(ERR_TOO_MANY_OPEN_ORDERS, 409, "TOO_MANY_OPEN_ORDERS")         \
    X(ERR_CANCEL_LIMIT_REACHED, 403, "CANCEL_LIMIT_REACHED")         \
    X(ERR_ORDER_STATE_CHANGED, 409, "ORDER_STATE_CHANGED")           \
    X(ERR_AD_HAS_OPEN_ORDERS, 409, "AD_HAS_OPEN_ORDERS")             \
    X(ERR_DISPUTE_TOO_EARLY, 409, "DISPUTE_TOO_EARLY")               \
    X(ERR_DISPUTE_EXISTS, 409, "DISPUTE_EXISTS")                     \
    X(ERR_ALREADY_REVIEWED, 409, "ALREADY_REVIEWED")                 \
    X(ERR_CONFLICT, 409, "CONFLICT")                                 \
    X(ERR_LIMIT_REACHED, 409, "LIMIT_REACHED")                       \
    X(ERR_RATE_LIMITED, 429, "RATE_LIMITED")                         \
    X(ERR_TOO_MANY_SESSIONS, 429, "TOO_MANY_SESSIONS")               \
    X(ERR_INTERNAL, 500, "INTERNAL_ERROR")                           \
    X(ERR_NOT_IMPLEMENTED, 501, "NOT_IMPLEMENTED")                   \
    X(ERR_UNAVAILABLE, 503, "SERVICE_UNAVAILABLE")                   \
    X(ERR_DB_UNAVAILABLE, 503, "DATABASE_UNAVAILABLE")               \
    X(ERR_TIMEOUT, 504, "REQUEST_TIMEOUT")

typedef enum {
#define X(name, status, wire) name,
    ERR_LIST(X)
#undef X
        ERR_COUNT
} err_code_t;

#define ERR_MSG_MAX 256

typedef struct {
    err_code_t code;
    char msg[ERR_MSG_MAX]; /* human text; names the field when a field is at fault */
} err_t;

/*  Fill err (which may be NULL) with code and a printf-style message.
    Always returns -1 so callers can `return err_set(...)`. */
int err_set(err_t *err, err_code_t code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/*  HTTP status for code (500 for out-of-range codes). */
int err_http_status(err_code_t code);

/*  Machine-readable wire string for code, e.g. "USERNAME_TAKEN". Static. */
const char *err_wire_code(err_code_t code);

/*  Reverse of err_wire_code: ERR_INTERNAL when unknown. */
err_code_t err_from_wire_code(const char *wire);

#endif
