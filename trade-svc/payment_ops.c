/*  payment_ops.c - payment methods and accounts (see payment_ops.h). */
#include "payment_ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>

#include "audit_repo.h"
#include "payment_repo.h"

/*  {"<key>":<json>}; takes json. */
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

char *
payment_ops_methods(trade_app_t *app, err_t *err)
{
    return s_wrap("payment_methods", payment_repo_methods(app->db, false, err), err);
}

typedef struct {
    const char *actor;
    const char *code, *name, *kind; /* create */
    int64_t id;                     /* set_active */
    bool active;
    char *method; /* the method's JSON, owned */
} s_method_t;

static int
s_audit_method(db_t *db, const s_method_t *m, const char *action, err_t *err)
{
    json_t *obj = json_loads(m->method, 0, NULL);
    char target[48];
    snprintf(target, sizeof target, "payment_method:%" JSON_INTEGER_FORMAT,
             json_integer_value(json_object_get(obj, "id")));
    json_decref(obj);
    audit_row_t row = {.actor = m->actor, .action = action, .target = target, .after_json = m->method};
    return audit_repo_insert(db, &row, err);
}

static int
s_method_create_tx(db_t *db, void *ctx, err_t *err)
{
    s_method_t *m = ctx;
    free(m->method);
    if (!(m->method = payment_repo_method_create(db, m->code, m->name, m->kind, err)))
        return -1;
    return s_audit_method(db, m, "add_payment_method", err);
}

char *
payment_ops_method_create(trade_app_t *app, const char *actor, const char *code, const char *name,
                          const char *kind, err_t *err)
{
    s_method_t m = {.actor = actor, .code = code, .name = name, .kind = kind};
    if (trade_app_tx(app, "payment.method_create", s_method_create_tx, &m, err) != 0) {
        free(m.method);
        return NULL;
    }
    return s_wrap("payment_method", m.method, err);
}

static int
s_method_set_tx(db_t *db, void *ctx, err_t *err)
{
    s_method_t *m = ctx;
    bool was_active = false, found = false;
    free(m->method);
    m->method = payment_repo_method_set_active(db, m->id, m->active, &was_active, &found, err);
    if (!m->method)
        return found ? -1 : err_set(err, ERR_NOT_FOUND, "Payment method not found");
    if (was_active == m->active)
        return 0; /* nothing changed: nothing to audit */
    return s_audit_method(db, m, m->active ? "activate_payment_method" : "deactivate_payment_method", err);
}

char *
payment_ops_method_set_active(trade_app_t *app, const char *actor, int64_t id, bool active, err_t *err)
{
    s_method_t m = {.actor = actor, .id = id, .active = active};
    if (trade_app_tx(app, "payment.method_set", s_method_set_tx, &m, err) != 0) {
        free(m.method);
        return NULL;
    }
    return s_wrap("payment_method", m.method, err);
}

char *
payment_ops_account_create(trade_app_t *app, int64_t profile_id, int64_t method_id, const char *label,
                           const char *details, err_t *err)
{
    int active = payment_repo_method_active(app->db, method_id, err);
    if (active < 0)
        return NULL;
    if (!active)
        return err_set(err, ERR_INVALID, "field 'payment_method_id' must be an active payment method"), NULL;
    /* the cap is a guard against abuse, not a balance: a race past it by one is harmless */
    int64_t count = payment_repo_account_count(app->db, profile_id, err);
    if (count < 0)
        return NULL;
    if (count >= PAYMENT_ACCOUNTS_MAX)
        return err_set(err, ERR_LIMIT_REACHED, "at most %d payment accounts; delete one first",
                       PAYMENT_ACCOUNTS_MAX),
               NULL;
    return s_wrap("payment_account",
                  payment_repo_account_create(app->db, profile_id, method_id, label, details, err), err);
}

char *
payment_ops_accounts(trade_app_t *app, int64_t profile_id, err_t *err)
{
    return s_wrap("payment_accounts", payment_repo_accounts(app->db, profile_id, err), err);
}

char *
payment_ops_account_delete(trade_app_t *app, int64_t profile_id, int64_t id, err_t *err)
{
    int outcome = payment_repo_account_delete(app->db, profile_id, id, err);
    if (outcome < 0)
        return NULL;
    if (outcome == PAYMENT_NOT_FOUND)
        return err_set(err, ERR_NOT_FOUND, "Payment account not found"), NULL;
    if (outcome == PAYMENT_NOT_OWNER)
        return err_set(err, ERR_FORBIDDEN, "This payment account is not yours"), NULL;
    char *out = NULL;
    if (asprintf(&out, "{\"id\":%" PRId64 ",\"deleted\":true}", id) < 0)
        return err_set(err, ERR_INTERNAL, "out of memory"), NULL;
    return out;
}
