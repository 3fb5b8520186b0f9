/*  admin_validate.c - admin inputs against their rules (see admin_validate.h).

    REST delivers path and query parameters as strings, so numbers and
    booleans are parsed strictly (common/int_text.h, tristate.h: "10abc",
    " 5", "TRUE" are refused) rather than with atoi's forgiveness: an
    operator who mistypes a filter must hear about it, not get an
    unfiltered list. */
#include "admin_validate.h"

#include <string.h>

#include "int_text.h"
#include "utf8.h"

void
admin_list_query_init(admin_list_query_t *query)
{
    *query = (admin_list_query_t){
        .search = NULL,
        .is_suspended = TRISTATE_ANY,
        .is_verified = TRISTATE_ANY,
        .is_merchant = TRISTATE_ANY,
        .limit = ADMIN_DEFAULT_LIMIT,
        .offset = 0,
    };
}

void
admin_audit_query_init(admin_audit_query_t *query)
{
    *query = (admin_audit_query_t){.profile_id = 0, .limit = ADMIN_DEFAULT_LIMIT, .offset = 0};
}

void
admin_change_init(admin_change_t *change, admin_change_kind_t kind)
{
    memset(change, 0, sizeof *change);
    change->kind = kind;
}

static bool
s_blank(const char *s)
{
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return false;
    return true;
}

static int
s_check_page(int64_t limit, int64_t offset, err_t *err)
{
    if (limit < 1 || limit > ADMIN_MAX_LIMIT)
        return err_set(err, ERR_INVALID, "'limit' must be between 1 and %d", ADMIN_MAX_LIMIT);
    if (offset < 0 || offset > ADMIN_MAX_OFFSET)
        return err_set(err, ERR_INVALID, "'offset' must be between 0 and %lld", (long long) ADMIN_MAX_OFFSET);
    return 0;
}

int
admin_validate_list_query(const admin_list_query_t *query, err_t *err)
{
    if (query->search && utf8_length(query->search) > ADMIN_SEARCH_MAX)
        return err_set(err, ERR_INVALID, "'search' must be at most %d characters", ADMIN_SEARCH_MAX);
    return s_check_page(query->limit, query->offset, err);
}

int
admin_validate_audit_query(const admin_audit_query_t *query, err_t *err)
{
    if (query->profile_id < 0)
        return err_set(err, ERR_INVALID, "'profile_id' must be a positive integer");
    return s_check_page(query->limit, query->offset, err);
}

int
admin_validate_change(admin_change_t *change, int64_t now_ms, err_t *err)
{
    change->until_utc[0] = '\0';
    if (change->profile_id <= 0)
        return err_set(err, ERR_INVALID, "profile 'id' must be a positive integer");
    if (change->reason && utf8_length(change->reason) > ADMIN_REASON_MAX)
        return err_set(err, ERR_INVALID, "'reason' must be at most %d characters", ADMIN_REASON_MAX);
    if (change->kind == ADMIN_CHANGE_SUSPEND) {
        if (!change->reason || s_blank(change->reason))
            return err_set(err, ERR_INVALID, "'reason' is required to suspend a profile");
    }
    else if (change->reason && s_blank(change->reason)) {
        change->reason = NULL; /* an optional reason left blank is no reason */
    }
    if (change->until && change->kind != ADMIN_CHANGE_SUSPEND)
        return err_set(err, ERR_INVALID, "'until' is only allowed when suspending");
    if (change->until) {
        int64_t until_ms;
        if (rfc3339_parse(change->until, &until_ms) != 0)
            return err_set(err, ERR_INVALID,
                           "'until' must be an RFC 3339 date-time, e.g. 2030-01-31T12:00:00Z");
        if (until_ms <= now_ms)
            return err_set(err, ERR_INVALID, "'until' must be in the future");
        rfc3339_format_ms(until_ms, change->until_utc, sizeof change->until_utc);
    }
    return 0;
}

int
admin_validate_operator(const char *admin_user_id, err_t *err)
{
    if (!admin_user_id || !*admin_user_id)
        return err_set(err, ERR_INVALID, "'operator' is required (who is acting)");
    if (utf8_length(admin_user_id) > ADMIN_OPERATOR_MAX)
        return err_set(err, ERR_INVALID, "'operator' must be at most %d characters", ADMIN_OPERATOR_MAX);
    for (const char *p = admin_user_id; *p; p++)
        if ((unsigned char) *p < 0x20 || *p == 0x7f)
            return err_set(err, ERR_INVALID, "'operator' must not contain control characters");
    return 0;
}

const char *
admin_change_action(const admin_change_t *change)
{
    switch (change->kind) {
    case ADMIN_CHANGE_SUSPEND:
        return "suspend";
    case ADMIN_CHANGE_UNSUSPEND:
        return "unsuspend";
    case ADMIN_CHANGE_VERIFY:
        return change->flag ? "verify" : "unverify";
    case ADMIN_CHANGE_MERCHANT:
        return change->flag ? "grant_merchant" : "revoke_merchant";
    }
    return "?";
}

/* ------------------------------------------------------------------ REST parsers */

/*  A parameter's text, NULL when absent or empty. -1 with err when the
    value is not a string (the gateway sends strings only). */
static int
s_param(const json_t *params, const char *name, const char **text, err_t *err)
{
    *text = NULL;
    const json_t *value = params ? json_object_get(params, name) : NULL;
    if (!value || json_is_null(value))
        return 0;
    if (!json_is_string(value) || strlen(json_string_value(value)) != json_string_length(value))
        return err_set(err, ERR_INVALID, "parameter '%s' must be text", name);
    const char *s = json_string_value(value);
    *text = *s ? s : NULL;
    return 0;
}

static int
s_param_int(const json_t *params, const char *name, int64_t *value, err_t *err)
{
    const char *text;
    if (s_param(params, name, &text, err) != 0)
        return -1;
    if (text && int_text_parse(text, value) != 0)
        return err_set(err, ERR_INVALID, "parameter '%s' must be an integer", name);
    return 0;
}

static int
s_param_tristate(const json_t *params, const char *name, tristate_t *value, err_t *err)
{
    const char *text;
    if (s_param(params, name, &text, err) != 0)
        return -1;
    return tristate_from_text(text, name, value, err);
}

/*  Refuse parameters not in names (NULL-terminated). */
static int
s_only(const json_t *object, const char *const *names, const char *what, err_t *err)
{
    const char *key;
    const json_t *value;
    json_object_foreach((json_t *) object, key, value)
    {
        bool known = false;
        for (const char *const *n = names; *n && !known; n++)
            known = strcmp(key, *n) == 0;
        if (!known)
            return err_set(err, ERR_INVALID, "unknown %s '%s'", what, key);
    }
    return 0;
}

int
admin_validate_id_param(const json_t *params, int64_t *id, err_t *err)
{
    const char *text;
    if (s_param(params, "id", &text, err) != 0)
        return -1;
    if (!text || int_text_parse(text, id) != 0 || *id <= 0)
        return err_set(err, ERR_INVALID, "profile 'id' must be a positive integer");
    return 0;
}

int
admin_validate_list_params(const json_t *params, admin_list_query_t *query, err_t *err)
{
    static const char *const names[] = {"search", "is_suspended", "is_verified", "is_merchant",
                                        "limit",  "offset",       NULL};
    admin_list_query_init(query);
    if (s_only(params, names, "parameter", err) != 0 || s_param(params, "search", &query->search, err) != 0
        || s_param_tristate(params, "is_suspended", &query->is_suspended, err) != 0
        || s_param_tristate(params, "is_verified", &query->is_verified, err) != 0
        || s_param_tristate(params, "is_merchant", &query->is_merchant, err) != 0
        || s_param_int(params, "limit", &query->limit, err) != 0
        || s_param_int(params, "offset", &query->offset, err) != 0)
        return -1;
    return 0;
}

int
admin_validate_audit_params(const json_t *params, admin_audit_query_t *query, err_t *err)
{
    static const char *const names[] = {"profile_id", "limit", "offset", NULL};
    admin_audit_query_init(query);
    if (s_only(params, names, "parameter", err) != 0
        || s_param_int(params, "profile_id", &query->profile_id, err) != 0
        || s_param_int(params, "limit", &query->limit, err) != 0
        || s_param_int(params, "offset", &query->offset, err) != 0)
        return -1;
    /* given, it must name a profile; 0 is this struct's "every profile" */
    const char *text;
    s_param(params, "profile_id", &text, NULL);
    if (text && query->profile_id <= 0)
        return err_set(err, ERR_INVALID, "parameter 'profile_id' must be a positive integer");
    return 0;
}

/*  A body string field: absent or null -> NULL; else a string without NUL. */
static int
s_body_string(const json_t *data, const char *name, const char **text, err_t *err)
{
    *text = NULL;
    const json_t *value = json_object_get(data, name);
    if (!value || json_is_null(value))
        return 0;
    if (!json_is_string(value))
        return err_set(err, ERR_INVALID, "field '%s' must be a string", name);
    if (strlen(json_string_value(value)) != json_string_length(value))
        return err_set(err, ERR_INVALID, "field '%s' must not contain NUL characters", name);
    *text = json_string_value(value);
    return 0;
}

int
admin_validate_change_body(admin_change_kind_t kind, const json_t *params, const json_t *data,
                           admin_change_t *change, err_t *err)
{
    static const char *const suspend_fields[] = {"reason", "until", NULL};
    static const char *const unsuspend_fields[] = {"reason", NULL};
    static const char *const verify_fields[] = {"verified", "reason", NULL};
    static const char *const merchant_fields[] = {"merchant", "reason", NULL};
    const char *const *fields = kind == ADMIN_CHANGE_SUSPEND     ? suspend_fields
                                : kind == ADMIN_CHANGE_UNSUSPEND ? unsuspend_fields
                                : kind == ADMIN_CHANGE_VERIFY    ? verify_fields
                                                                 : merchant_fields;
    admin_change_init(change, kind);
    if (admin_validate_id_param(params, &change->profile_id, err) != 0)
        return -1;
    if (!json_is_object(data))
        return err_set(err, ERR_INVALID, "request body must be a JSON object");
    if (s_only(data, fields, "field", err) != 0 || s_body_string(data, "reason", &change->reason, err) != 0)
        return -1;
    if (kind == ADMIN_CHANGE_SUSPEND && s_body_string(data, "until", &change->until, err) != 0)
        return -1;
    if (kind == ADMIN_CHANGE_VERIFY || kind == ADMIN_CHANGE_MERCHANT) {
        const char *name = kind == ADMIN_CHANGE_VERIFY ? "verified" : "merchant";
        const json_t *value = json_object_get(data, name);
        if (!json_is_boolean(value))
            return err_set(err, ERR_INVALID, "field '%s' is required and must be true or false", name);
        change->flag = json_is_true(value);
    }
    return 0;
}
