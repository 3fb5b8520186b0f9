/*  ledger_repo.h - wallets and their journal (p2p_wallets,
    p2p_ledger_entries): the only SQL that changes a balance.

    Every movement is one statement that updates a wallet and writes its
    journal row with the balances after it, so the two can never disagree;
    a movement that would take a balance below zero changes nothing (the
    UPDATE's guard, and the tables' CHECKs behind it). Replies are JSON built
    by PostgreSQL, amounts printed with the asset's decimals. */
#ifndef P2P_LEDGER_REPO_H
#define P2P_LEDGER_REPO_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"

typedef struct {
    int64_t profile_id;
    const char *asset;
    const char *kind;            /* deposit, withdrawal, ad_hold, ad_release, order_hold, release, refund */
    const char *available_delta; /* signed decimal text, e.g. "-0.5" */
    const char *held_delta;      /* signed decimal text */
    const char *amount;          /* what the user sees (TRADING.md "Wallets"): signed decimal text */
    int64_t ad_id;               /* 0: none */
    int64_t order_id;            /* 0: none */
    const char *reference;       /* deposits and withdrawals only; else NULL */
    const char *actor;           /* the operator for deposits and withdrawals; else NULL */
} ledger_move_t;

typedef enum {
    LEDGER_APPLIED = 0,
    LEDGER_INSUFFICIENT, /* a balance would go below zero: nothing changed */
    LEDGER_DUPLICATE,    /* the reference is already used for this kind: nothing changed */
} ledger_result_t;

/*  Statements to prepare (static). */
const db_statement_t *ledger_repo_statements(size_t *count);

/*  Apply a movement. Returns its outcome (LEDGER_*), with, when applied, the
    journal row as JSON in *entry_json (admin shape: with profile_id,
    reference and actor; caller frees; may be NULL to skip), or -1 with err.
    A movement whose deltas are both >= 0 creates the wallet when needed. A
    LEDGER_DUPLICATE leaves the transaction aborted: the caller rolls back. */
int ledger_repo_move(db_t *db, const ledger_move_t *move, char **entry_json, err_t *err);

/*  The entry with (kind, reference) as admin JSON (*entry_json, caller frees,
    NULL when none), and whether it has exactly this profile, asset and
    amount (*same). 0, or -1 with err. */
int ledger_repo_by_reference(db_t *db, const char *kind, const char *reference, int64_t profile_id,
                             const char *asset, const char *amount, char **entry_json, bool *same,
                             err_t *err);

/*  {"asset","available","held"} of one wallet (zeros when it has none).
    Caller frees; NULL with err. */
char *ledger_repo_balance(db_t *db, int64_t profile_id, const char *asset, err_t *err);

/*  [{"asset","available","held"}...] for every asset, zeros included.
    Caller frees; NULL with err. */
char *ledger_repo_balances(db_t *db, int64_t profile_id, err_t *err);

typedef struct {
    int64_t profile_id; /* 0: every profile (admin view) */
    const char *asset;  /* NULL: every asset */
    int64_t before_id;  /* 0: from the newest */
    int limit;          /* 1..100 */
    bool admin;         /* admin shape: with profile_id, reference, actor */
} ledger_query_t;

/*  A page of entries, newest first: *entries_json is a JSON array (caller
    frees), *has_more whether older entries exist. 0, or -1 with err. */
int ledger_repo_history(db_t *db, const ledger_query_t *query, char **entries_json, bool *has_more,
                        err_t *err);

#endif
