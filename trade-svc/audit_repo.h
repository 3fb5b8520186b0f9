/*  audit_repo.h - the admin audit log (p2p_admin_audit) rows of trading
    changes, written in the same transaction as the change they record. */
#ifndef P2P_AUDIT_REPO_H
#define P2P_AUDIT_REPO_H

#include <stdint.h>

#include "db.h"

typedef struct {
    const char *actor;       /* the admin's user id, "cli:<name>", or "system" */
    const char *action;      /* one of p2p_admin_audit_action_known */
    int64_t profile_id;      /* 0: none */
    const char *target;      /* "price:BTC/USD", "payment_method:3", "ledger:17", ...; may be NULL */
    const char *reason;      /* may be NULL */
    const char *before_json; /* JSON object text of what changed, before; may be NULL */
    const char *after_json;  /* ... and after; may be NULL */
} audit_row_t;

/*  Statements to prepare (static). */
const db_statement_t *audit_repo_statements(size_t *count);

/*  Write row. 0, or -1 with err. */
int audit_repo_insert(db_t *db, const audit_row_t *row, err_t *err);

#endif
