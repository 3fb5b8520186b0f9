/*  party_repo.h - the profiles trade-svc reads: who is calling (their profile
    id, suspension and consent), whether a profile exists. trade-svc writes
    p2p_profiles' trade counters and rating columns only (docs/DESIGN.md). */
#ifndef P2P_PARTY_REPO_H
#define P2P_PARTY_REPO_H

#include <stdbool.h>
#include <stdint.h>

#include "db.h"

typedef struct {
    int64_t profile_id; /* 0: no profile */
    bool suspended;     /* effective now */
    bool consent;
} party_t;

/*  Statements to prepare (static). */
const db_statement_t *party_repo_statements(size_t *count);

/*  The profile of user_id into *party (profile_id 0 when there is none).
    0, or -1 with err. */
int party_repo_by_user(db_t *db, const char *user_id, party_t *party, err_t *err);

/*  Does profile id exist? 1 yes, 0 no, -1 with err. */
int party_repo_exists(db_t *db, int64_t profile_id, err_t *err);

/*  A party as a moderator judging a case sees them: every field, the trade
    counters and their last orders (JSON; caller frees), NULL with err. */
char *party_repo_case(db_t *db, int64_t profile_id, err_t *err);

#endif
