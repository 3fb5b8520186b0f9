/*  payment_handlers.c - validate, call payment_ops, reply (see payment_handlers.h). */
#include "payment_handlers.h"

#include <stdlib.h>
#include <string.h>

#include "payment_ops.h"
#include "request_fields.h"
#include "trade_access.h"
#include "utf8.h"

/*  An account's details as JSON: at most this many bytes. */
#define S_DETAILS_MAX 2048

static void
s_reply(worker_reply_t *reply, int status, char *data, const err_t *err)
{
    if (data)
        worker_reply_ok_text(reply, status, data);
    else
        worker_reply_error(reply, err);
    free(data);
}

void
payment_handlers_methods(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    err_t err;
    rf_value_t none[1];
    if (trade_access_user(app, req, false, &caller, &err) != 0
        || request_fields_parse(req, NULL, 0, none, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 200, payment_ops_methods(app, &err), &err);
}

/*  details: an object of string values (account number, holder name, ...),
    at most S_DETAILS_MAX bytes as JSON. The text to store goes to *text
    (caller frees). */
static int
s_details(const json_t *details, char **text, err_t *err)
{
    const char *key;
    const json_t *value;
    if (json_object_size(details) == 0)
        return err_set(err, ERR_INVALID, "field 'details' must have at least one entry");
    json_object_foreach((json_t *) details, key, value)
    {
        if (!*key || !json_is_string(value))
            return err_set(err, ERR_INVALID,
                           "field 'details' must map names to string values ('%.*s' does not)",
                           utf8_prefix(key, 40), key);
    }
    *text = json_dumps(details, JSON_COMPACT);
    if (!*text)
        return err_set(err, ERR_INTERNAL, "out of memory");
    if (strlen(*text) > S_DETAILS_MAX) {
        free(*text);
        *text = NULL;
        return err_set(err, ERR_INVALID, "field 'details' must be at most %d bytes as JSON", S_DETAILS_MAX);
    }
    return 0;
}

static const rf_field_t s_create_fields[] = {
    {.name = "payment_method_id", .kind = RF_INT, .flags = RF_REQUIRED, .min = 1, .max = INT32_MAX},
    {.name = "label", .kind = RF_STRING, .flags = RF_REQUIRED, .min = 1, .max = 50},
    {.name = "details", .kind = RF_OBJECT, .flags = RF_REQUIRED},
};

void
payment_handlers_account_create(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    err_t err;
    rf_value_t v[3];
    char *details = NULL;
    if (trade_access_user(app, req, true, &caller, &err) != 0
        || request_fields_parse(req, s_create_fields, 3, v, &err) != 0
        || s_details(v[2].json, &details, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 201, payment_ops_account_create(app, caller.profile_id, v[0].i, v[1].s, details, &err),
            &err);
    free(details);
}

void
payment_handlers_accounts(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    err_t err;
    rf_value_t none[1];
    if (trade_access_user(app, req, false, &caller, &err) != 0
        || request_fields_parse(req, NULL, 0, none, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 200, payment_ops_accounts(app, caller.profile_id, &err), &err);
}

static const rf_field_t s_delete_fields[] = {
    {.name = "id", .kind = RF_INT, .flags = RF_REQUIRED | RF_PATH, .min = 1, .max = INT64_MAX},
};

void
payment_handlers_account_delete(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    party_t caller;
    err_t err;
    rf_value_t v[1];
    if (trade_access_user(app, req, true, &caller, &err) != 0
        || request_fields_parse(req, s_delete_fields, 1, v, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 200, payment_ops_account_delete(app, caller.profile_id, v[0].i, &err), &err);
}

static const rf_field_t s_method_fields[] = {
    {.name = "code", .kind = RF_STRING, .flags = RF_REQUIRED, .min = 2, .max = 50},
    {.name = "name", .kind = RF_STRING, .flags = RF_REQUIRED, .min = 1, .max = 100},
    {.name = "kind", .kind = RF_STRING, .flags = RF_REQUIRED, .min = 1, .max = 20},
};

static int
s_method_code(const char *code, err_t *err)
{
    for (const char *c = code; *c; c++)
        if (!((*c >= 'a' && *c <= 'z') || (*c >= '0' && *c <= '9') || *c == '_'))
            return err_set(err, ERR_INVALID, "field 'code' must be 2-50 characters of [a-z0-9_]");
    return 0;
}

static int
s_method_kind(const char *kind, err_t *err)
{
    static const char *kinds[] = {"bank_transfer", "mobile_money", "e_wallet", "cash", "other"};
    for (size_t i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
        if (strcmp(kind, kinds[i]) == 0)
            return 0;
    return err_set(err, ERR_INVALID,
                   "field 'kind' must be bank_transfer, mobile_money, e_wallet, cash or other");
}

void
payment_handlers_method_create(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    err_t err;
    rf_value_t v[3];
    if (trade_access_admin(req, &err) != 0 || request_fields_parse(req, s_method_fields, 3, v, &err) != 0
        || s_method_code(v[0].s, &err) != 0 || s_method_kind(v[2].s, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 201, payment_ops_method_create(app, req->user_id, v[0].s, v[1].s, v[2].s, &err), &err);
}

static const rf_field_t s_method_update_fields[] = {
    {.name = "id", .kind = RF_INT, .flags = RF_REQUIRED | RF_PATH, .min = 1, .max = INT32_MAX},
    {.name = "active", .kind = RF_BOOL, .flags = RF_REQUIRED},
};

void
payment_handlers_method_update(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    err_t err;
    rf_value_t v[2];
    if (trade_access_admin(req, &err) != 0
        || request_fields_parse(req, s_method_update_fields, 2, v, &err) != 0) {
        worker_reply_error(reply, &err);
        return;
    }
    s_reply(reply, 200, payment_ops_method_set_active(app, req->user_id, v[0].i, v[1].b, &err), &err);
}
