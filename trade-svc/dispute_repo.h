/*  dispute_repo.h - disputes and their evidence (p2p_disputes,
    p2p_dispute_evidence): the only SQL for them, and the moderators' case
    file (everything one needs to judge a dispute, in one document). */
#ifndef P2P_DISPUTE_REPO_H
#define P2P_DISPUTE_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

typedef struct {
    int64_t id;
    int64_t order_id;
    bool open;
    bool raised_by_buyer;
    bool answered; /* the other party has added evidence */
} dispute_row_t;

/*  Statements to prepare (static). */
const db_statement_t *dispute_repo_statements(size_t *count);

/*  Open a dispute on order_id raised by raised_by ("buyer"/"seller", profile
    raiser_id), the other party to answer within respond_ms. *id. 0, or -1
    with err; *exists is true when the order already had one (nothing written;
    the transaction is aborted). */
int dispute_repo_insert(db_t *db, int64_t order_id, const char *raised_by, int64_t raiser_id,
                        const char *reason, const char *description, int64_t respond_ms, int64_t *id,
                        bool *exists, err_t *err);

/*  The order's dispute (lock it with lock) into *row. 1 found, 0 none, -1. */
int dispute_repo_by_order(db_t *db, int64_t order_id, bool lock, dispute_row_t *row, err_t *err);

/*  Dispute id, locked. 1 found, 0 none, -1 with err. */
int dispute_repo_lock(db_t *db, int64_t id, dispute_row_t *row, err_t *err);

/*  Add evidence by ("buyer"/"seller", profile author_id): text and/or
    attachment_id (0: none); answered: it is the other party's, which ends
    the automatic rule. 0, or -1 with err. */
int dispute_repo_evidence_add(db_t *db, int64_t dispute_id, const char *by, int64_t author_id,
                              const char *text, int64_t attachment_id, bool answered, err_t *err);

/*  Resolve an open dispute: outcome "release"/"refund", resolved_by
    "admin"/"system". 1 resolved, 0 it was not open, -1 with err. */
int dispute_repo_resolve(db_t *db, int64_t id, const char *outcome, const char *note, const char *resolved_by,
                         const char *resolver_user_id, err_t *err);

/*  The dispute with its evidence, as JSON (caller frees; NULL and *found
    false when none). */
char *dispute_repo_json(db_t *db, int64_t id, bool *found, err_t *err);

/*  Up to max open disputes whose respond_by passed unanswered, locked with
    SKIP LOCKED. Their ids; the count, -1 with err. */
int dispute_repo_due(db_t *db, int64_t *ids, int max, err_t *err);

/*  The moderators' queue: status "open", "resolved" or NULL (all), oldest
    first; *list_json (caller frees), *total. 0 or -1. */
int dispute_repo_list(db_t *db, const char *status, int limit, int64_t offset, char **list_json,
                      int64_t *total, err_t *err);

#endif
