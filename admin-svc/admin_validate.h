/*  admin_validate.h - the admin operations' inputs as plain structs, the
    rules they must satisfy, and the parsers that turn REST parameters (all
    strings) and bodies into them.

    The rules (admin_validate_list_query, _audit_query, _change, _operator)
    run for every caller, REST or the operator API, inside admin_ops; the
    parsers only decide types and names. Every failure is ERR_INVALID with a
    message naming the parameter or field. Pure functions: no SQL, no I/O. */
#ifndef P2P_ADMIN_VALIDATE_H
#define P2P_ADMIN_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "err.h"
#include "rfc3339.h"
#include "tristate.h"

#define ADMIN_REASON_MAX 500   /* characters */
#define ADMIN_SEARCH_MAX 100   /* characters */
#define ADMIN_OPERATOR_MAX 255 /* characters: p2p_admin_audit.admin_user_id */
#define ADMIN_DEFAULT_LIMIT 20
#define ADMIN_MAX_LIMIT 100
#define ADMIN_MAX_OFFSET 1000000000LL

/*  admin.list: which profiles, which page. */
typedef struct {
    const char *search;      /* borrowed; NULL or "": every profile */
    tristate_t is_suspended; /* the effective suspension */
    tristate_t is_verified;
    tristate_t is_merchant;
    int64_t limit;  /* 1..ADMIN_MAX_LIMIT */
    int64_t offset; /* 0..ADMIN_MAX_OFFSET */
} admin_list_query_t;

/*  admin.audit: whose entries, which page. */
typedef struct {
    int64_t profile_id; /* 0: every profile */
    int64_t limit;
    int64_t offset;
} admin_audit_query_t;

/*  The four changes an admin can make. */
typedef enum {
    ADMIN_CHANGE_SUSPEND,
    ADMIN_CHANGE_UNSUSPEND,
    ADMIN_CHANGE_VERIFY,   /* flag: the new is_verified */
    ADMIN_CHANGE_MERCHANT, /* flag: the new is_merchant */
} admin_change_kind_t;

typedef struct {
    admin_change_kind_t kind;
    int64_t profile_id;
    const char *reason; /* borrowed; NULL: none. admin_validate_change NULLs a blank optional one */
    const char *until;  /* borrowed RFC 3339 text as given; NULL: none (suspend only) */
    bool flag;
    /* filled by admin_validate_change: until in UTC with milliseconds, "" when none */
    char until_utc[RFC3339_TEXT_MAX];
} admin_change_t;

/*  Defaults: no filters, limit 20, offset 0. */
void admin_list_query_init(admin_list_query_t *query);
void admin_audit_query_init(admin_audit_query_t *query);

/*  A change of kind with nothing else set. */
void admin_change_init(admin_change_t *change, admin_change_kind_t kind);

/*  The rules. Return 0, or -1 with err naming the field. */
int admin_validate_list_query(const admin_list_query_t *query, err_t *err);
int admin_validate_audit_query(const admin_audit_query_t *query, err_t *err);

/*  profile_id > 0; suspend: reason required (not blank), until (if any) a
    valid RFC 3339 date-time after now_ms (unix ms); others: no until; reason
    at most ADMIN_REASON_MAX characters. Fills change->until_utc and NULLs a
    blank optional reason. */
int admin_validate_change(admin_change_t *change, int64_t now_ms, err_t *err);

/*  Who is acting (the audit row's admin_user_id): 1..255 characters, no
    control characters. */
int admin_validate_operator(const char *admin_user_id, err_t *err);

/*  REST parsers. params is the request's {"name": "string"} object; data the
    JSON body. They parse types and names only; admin_ops applies the rules.
    Empty query values count as absent; unknown parameters and body fields are
    refused. Strings in the result are borrowed from params / data. */
int admin_validate_id_param(const json_t *params, int64_t *id, err_t *err);
int admin_validate_list_params(const json_t *params, admin_list_query_t *query, err_t *err);
int admin_validate_audit_params(const json_t *params, admin_audit_query_t *query, err_t *err);
int admin_validate_change_body(admin_change_kind_t kind, const json_t *params, const json_t *data,
                               admin_change_t *change, err_t *err);

/*  The audit action a change records: "suspend", "unsuspend", "verify",
    "unverify", "grant_merchant" or "revoke_merchant". Static. */
const char *admin_change_action(const admin_change_t *change);

#endif
