/*  outbox_repo.h - the SQL of deliveries (p2p_outbox, written by
    notify_repo.c with each notification): lease the due ones, record how
    each attempt went. Each call is one statement, so one short transaction:
    nothing is held open while a mail or a POST is on the network.

    The lease is the row's next_attempt_at pushed past the longest a send
    may take, with attempts + 1: every trade-svc process claims with FOR
    UPDATE SKIP LOCKED, so a due row goes to exactly one of them, and a row
    whose sender died comes due again when its lease runs out. */
#ifndef P2P_OUTBOX_REPO_H
#define P2P_OUTBOX_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

/*  Statements to prepare (static). */
const db_statement_t *outbox_repo_statements(size_t *count);

typedef enum { OUTBOX_EMAIL, OUTBOX_WEBHOOK } outbox_channel_t;

/*  One leased delivery. Strings are owned (outbox_repo_item_clear). */
typedef struct {
    int64_t id;
    int64_t notification_id;
    outbox_channel_t channel;
    int attempts;  /* this attempt's number (1 for the first): the lease's token */
    char *payload; /* webhook: the body to POST; email: the mail as JSON */
    char *url;     /* webhook: the profile's webhook URL now; NULL when it was deleted */
    char *secret;  /* webhook: its secret now (read at send time: it may have changed) */
} outbox_item_t;

/*  Free an item's strings and zero it (NULL-safe). */
void outbox_repo_item_clear(outbox_item_t *item);

/*  Lease at most max due deliveries (email ones only when email) for
    lease_s seconds, oldest due first, into *items (caller frees each with
    outbox_repo_item_clear, then the array with free()) and *count. 0, or -1
    with err (nothing leased). */
int outbox_repo_claim(db_t *db, int max, bool email, int lease_s, outbox_item_t **items, size_t *count,
                      err_t *err);

/*  Record a successful send: sent_at, never sent again. 0, or -1 with err. */
int outbox_repo_sent(db_t *db, int64_t id, err_t *err);

/*  Record a failed attempt (lease token attempts) with its error: failed
    for good when permanent or past give_up_at, else due again after
    delay_ms (never later than give_up_at). Returns 1 when it failed for
    good, 0 when it will be retried, 2 when the lease was no longer ours (a
    newer attempt or an outcome is recorded: nothing changed), -1 with err. */
int outbox_repo_failed(db_t *db, int64_t id, int attempts, const char *error, int64_t delay_ms,
                       bool permanent, err_t *err);

/*  Give a lease back (a send abandoned at shutdown): due again at once.
    0, or -1 with err. */
int outbox_repo_release(db_t *db, int64_t id, int attempts, err_t *err);

#endif
