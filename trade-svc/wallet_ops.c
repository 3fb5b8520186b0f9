/*  wallet_ops.c - balances, history, credits and debits (see wallet_ops.h).

    A credit or debit with a reference seen before changes nothing and
    answers the original entry: a retried call (a lost reply, an operator's
    second try) must not move money twice. Two calls racing with one
    reference are decided by the journal's unique index: the loser's insert
    waits for the winner's commit and then fails, and reads the winner's row. */
#include "wallet_ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_repo.h"
#include "notify_ops.h"
#include "trade_push.h"
#include "log.h"
#include "party_repo.h"

char *
wallet_ops_balances(trade_app_t *app, int64_t profile_id, err_t *err)
{
    char *list = ledger_repo_balances(app->db, profile_id, err);
    if (!list)
        return NULL;
    char *out = NULL;
    if (asprintf(&out, "{\"balances\":%s}", list) < 0) {
        out = NULL;
        err_set(err, ERR_INTERNAL, "out of memory");
    }
    free(list);
    return out;
}

char *
wallet_ops_history(trade_app_t *app, const ledger_query_t *query, err_t *err)
{
    char *entries = NULL;
    bool has_more = false;
    if (ledger_repo_history(app->db, query, &entries, &has_more, err) != 0)
        return NULL;
    char *out = NULL;
    if (asprintf(&out, "{\"entries\":%s,\"has_more\":%s}", entries, has_more ? "true" : "false") < 0) {
        out = NULL;
        err_set(err, ERR_INTERNAL, "out of memory");
    }
    free(entries);
    return out;
}

typedef struct {
    trade_app_t *app;
    trade_push_t push;
    const wallet_adjust_t *adjust;
    const char *kind;
    char amount[MONEY_TEXT_MAX]; /* the wallet's change, signed */
    char delta[MONEY_TEXT_MAX];  /* available's change, signed */
    char *entry;                 /* applied or found: the entry JSON, owned */
    bool same;                   /* found: the same profile, asset and amount */
    int outcome;                 /* LEDGER_* of the movement; -1 before it ran */
} s_adjust_t;

/*  The transaction: an existing entry for the reference wins; else the
    movement and its audit row. */
static int
s_adjust_tx(db_t *db, void *ctx, err_t *err)
{
    s_adjust_t *a = ctx;
    const wallet_adjust_t *in = a->adjust;
    trade_push_clear(&a->push);
    free(a->entry);
    a->entry = NULL;
    a->outcome = -1;
    if (ledger_repo_by_reference(db, a->kind, in->reference, in->profile_id, in->asset->code, a->amount,
                                 &a->entry, &a->same, err)
        != 0)
        return -1;
    if (a->entry)
        return 0; /* applied before: nothing to do */
    int exists = party_repo_exists(db, in->profile_id, err);
    if (exists <= 0)
        return exists < 0 ? -1 : err_set(err, ERR_NOT_FOUND, "Profile not found");
    ledger_move_t move = {
        .profile_id = in->profile_id,
        .asset = in->asset->code,
        .kind = a->kind,
        .available_delta = a->delta,
        .held_delta = "0",
        .amount = a->amount,
        .reference = in->reference,
        .actor = in->actor,
    };
    a->outcome = ledger_repo_move(db, &move, &a->entry, err);
    if (a->outcome != LEDGER_APPLIED)
        return a->outcome < 0 ? -1 : err_set(err, ERR_CONFLICT, "not applied");
    json_t *entry = json_loads(a->entry, 0, NULL);
    char target[40];
    snprintf(target, sizeof target, "ledger:%" JSON_INTEGER_FORMAT,
             json_integer_value(json_object_get(entry, "id")));
    json_t *after_obj =
        json_pack("{s:s, s:s, s:s, s:O?}", "asset", in->asset->code, "amount", a->amount, "reference",
                  in->reference, "available", json_object_get(entry, "available_after"));
    char *after = after_obj ? json_dumps(after_obj, JSON_COMPACT) : NULL;
    json_decref(after_obj);
    json_decref(entry);
    audit_row_t row = {
        .actor = in->actor,
        .action = in->debit ? "wallet_debit" : "wallet_credit",
        .profile_id = in->profile_id,
        .target = target,
        .after_json = after,
    };
    int rc = after ? audit_repo_insert(db, &row, err) : err_set(err, ERR_INTERNAL, "out of memory");
    free(after);
    if (rc == 0 && !in->debit) {
        /* the reference whole (at most 100 characters): a byte precision
           could cut a character in two, which PostgreSQL refuses */
        char title[96], body[600], data[96];
        snprintf(title, sizeof title, "%s %s credited", a->amount, in->asset->code);
        snprintf(body, sizeof body, "%s %s arrived in your wallet (reference %s).", a->amount,
                 in->asset->code, in->reference);
        snprintf(data, sizeof data, "{\"asset\":\"%s\",\"amount\":\"%s\"}", in->asset->code, a->amount);
        rc = notify_ops_add(a->app, db, &a->push, in->profile_id, "wallet.credited", title, body, data, err);
    }
    return rc;
}

/*  {"entry":entry,"balance":<the wallet now>}; takes entry. */
static char *
s_reply(trade_app_t *app, const wallet_adjust_t *in, char *entry, err_t *err)
{
    char *balance = ledger_repo_balance(app->db, in->profile_id, in->asset->code, err);
    char *out = NULL;
    if (balance && asprintf(&out, "{\"entry\":%s,\"balance\":%s}", entry, balance) < 0) {
        out = NULL;
        err_set(err, ERR_INTERNAL, "out of memory");
    }
    free(balance);
    free(entry);
    return out;
}

char *
wallet_ops_adjust(trade_app_t *app, const wallet_adjust_t *in, bool *created, err_t *err)
{
    s_adjust_t a = {.app = app, .adjust = in, .kind = in->debit ? "withdrawal" : "deposit", .outcome = -1};
    money_format(in->debit ? -in->amount : in->amount, in->asset->decimals, a.amount);
    memcpy(a.delta, a.amount, sizeof a.delta);
    *created = false;
    if (trade_app_tx(app, "wallet.adjust", s_adjust_tx, &a, err) == 0) {
        if (a.outcome == LEDGER_APPLIED) {
            *created = true;
            trade_push_publish(app, &a.push);
            return s_reply(app, in, a.entry, err);
        }
        if (a.same)
            return s_reply(app, in, a.entry, err);
        free(a.entry);
        return err_set(err, ERR_CONFLICT, "the reference was already used for a different %s: '%s'", a.kind,
                       in->reference),
               NULL;
    }
    free(a.entry);
    a.entry = NULL;
    trade_push_clear(&a.push);
    if (a.outcome != LEDGER_INSUFFICIENT && a.outcome != LEDGER_DUPLICATE)
        return NULL; /* err says why */
    /* Lost a race with the same reference (or a debit that took the balance
       first): the other call's row decides. */
    err_t lookup_err;
    if (ledger_repo_by_reference(app->db, a.kind, in->reference, in->profile_id, in->asset->code, a.amount,
                                 &a.entry, &a.same, &lookup_err)
        != 0) {
        *err = lookup_err;
        return NULL;
    }
    if (a.entry && a.same)
        return s_reply(app, in, a.entry, err);
    if (a.entry) {
        free(a.entry);
        return err_set(err, ERR_CONFLICT, "the reference was already used for a different %s: '%s'", a.kind,
                       in->reference),
               NULL;
    }
    return err_set(err, ERR_INSUFFICIENT_BALANCE, "available %s balance is lower than %s", in->asset->code,
                   a.amount + 1),
           NULL;
}
