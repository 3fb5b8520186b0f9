/*  payment_repo.h - the payment-method catalog (p2p_payment_methods) and
    users' payment accounts (p2p_payment_accounts). Replies are JSON built by
    PostgreSQL. */
#ifndef P2P_PAYMENT_REPO_H
#define P2P_PAYMENT_REPO_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"

/*  Statements to prepare (static). */
const db_statement_t *payment_repo_statements(size_t *count);

/*  [{id, code, name, kind, active}] of the active methods (all with
    include_inactive). Caller frees; NULL with err. */
char *payment_repo_methods(db_t *db, bool include_inactive, err_t *err);

/*  Add a method: its JSON (caller frees), NULL with err (ERR_CONFLICT when
    the code exists). */
char *payment_repo_method_create(db_t *db, const char *code, const char *name, const char *kind, err_t *err);

/*  Switch a method on or off: its JSON and, in *was_active, its state before
    (caller frees); NULL with *found false when there is none, or with err. */
char *payment_repo_method_set_active(db_t *db, int64_t id, bool active, bool *was_active, bool *found,
                                     err_t *err);

/*  Is method id active? 1 yes, 0 no (or missing), -1 with err. */
int payment_repo_method_active(db_t *db, int64_t id, err_t *err);

/*  How many of ids are active methods. -1 with err. */
int payment_repo_count_active(db_t *db, const int64_t *ids, int count, err_t *err);

/*  A user's number of accounts. -1 with err. */
int64_t payment_repo_account_count(db_t *db, int64_t profile_id, err_t *err);

/*  Add an account (details: JSON object text): its JSON, caller frees;
    NULL with err. */
char *payment_repo_account_create(db_t *db, int64_t profile_id, int64_t method_id, const char *label,
                                  const char *details, err_t *err);

/*  [{id, payment_method{id,code,name,kind}, label, details, created_at}] of a
    user, oldest first. Caller frees; NULL with err. */
char *payment_repo_accounts(db_t *db, int64_t profile_id, err_t *err);

typedef enum { PAYMENT_DELETED, PAYMENT_NOT_FOUND, PAYMENT_NOT_OWNER } payment_delete_t;

/*  Delete account id if profile_id owns it. Returns its outcome, or -1 with err. */
int payment_repo_account_delete(db_t *db, int64_t profile_id, int64_t id, err_t *err);

#endif
