/*  party_repo.c - profile lookups for trade-svc. */
#include "party_repo.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>

#include "trade_sql.h"

static const db_statement_t s_statements[] = {
    {"party_by_user",
     "SELECT p.id, " TRADE_SQL_SUSPENDED("p") ", p.has_consent FROM p2p_profiles p WHERE p.user_id = $1", 1},
    {"party_exists", "SELECT 1 FROM p2p_profiles WHERE id = $1::bigint", 1},
};

const db_statement_t *
party_repo_statements(size_t *count)
{
    *count = sizeof s_statements / sizeof s_statements[0];
    return s_statements;
}

int
party_repo_by_user(db_t *db, const char *user_id, party_t *party, err_t *err)
{
    const char *params[] = {user_id};
    PGresult *res = db_exec(db, "party_by_user", params, 1, err);
    if (!res)
        return -1;
    *party = (party_t){0};
    if (PQntuples(res) == 1) {
        party->profile_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        party->suspended = PQgetvalue(res, 0, 1)[0] == 't';
        party->consent = PQgetvalue(res, 0, 2)[0] == 't';
    }
    PQclear(res);
    return 0;
}

int
party_repo_exists(db_t *db, int64_t profile_id, err_t *err)
{
    char id[24];
    snprintf(id, sizeof id, "%" PRId64, profile_id);
    const char *params[] = {id};
    PGresult *res = db_exec(db, "party_exists", params, 1, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    PQclear(res);
    return found;
}
