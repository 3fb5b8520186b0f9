/*  review_repo.c - the SQL of reviews and reputation (see review_repo.h). */
#include "review_repo.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "trade_sql.h"

#define S_REVIEW_JSON                                                                                   \
    "json_build_object('id', r.id, 'order_id', r.order_id, 'reviewer', json_build_object('id', p.id, "  \
    "'username', p.username), 'reviewee_id', r.reviewee_id, 'rating', r.rating, 'comment', r.comment, " \
    "'created_at', " TRADE_SQL_TIME("r.created_at") ")"

static const db_statement_t s_statements[] = {
    {"review_lock_profile", "SELECT id FROM p2p_profiles WHERE id = $1::bigint FOR UPDATE", 1},
    {"review_insert",
     "WITH r AS (INSERT INTO p2p_reviews (order_id, reviewer_id, reviewee_id, rating, comment) "
     "VALUES ($1::bigint, $2::bigint, $3::bigint, $4::smallint, $5) RETURNING *) "
     "SELECT " S_REVIEW_JSON " FROM r JOIN p2p_profiles p ON p.id = r.reviewer_id",
     5},
    {"review_refresh",
     "UPDATE p2p_profiles SET avg_rating = coalesce((SELECT round(avg(rating), 2) FROM p2p_reviews "
     "WHERE reviewee_id = $1::bigint AND NOT hidden), 0), total_reviews = (SELECT count(*) FROM p2p_reviews "
     "WHERE reviewee_id = $1::bigint AND NOT hidden), updated_at = now() WHERE id = $1::bigint",
     1},
    {"review_list",
     "SELECT coalesce(json_agg(x.j ORDER BY x.id DESC), '[]'), "
     "(SELECT count(*) FROM p2p_reviews WHERE reviewee_id = $1::bigint AND NOT hidden), "
     "(SELECT avg_rating::text FROM p2p_profiles WHERE id = $1::bigint) FROM "
     "(SELECT " S_REVIEW_JSON " AS j, r.id FROM p2p_reviews r JOIN p2p_profiles p ON p.id = r.reviewer_id "
     "WHERE r.reviewee_id = $1::bigint AND NOT r.hidden ORDER BY r.id DESC LIMIT $2::int OFFSET $3::bigint) "
     "x",
     3},
    {"review_set_hidden",
     "WITH old AS (SELECT id, hidden FROM p2p_reviews WHERE id = $1::bigint FOR UPDATE) "
     "UPDATE p2p_reviews r SET hidden = $2::boolean, hidden_reason = CASE WHEN $2::boolean THEN $3 END, "
     "updated_at = now() FROM old WHERE r.id = old.id RETURNING r.reviewee_id, old.hidden <> $2::boolean",
     3},
    {"review_reviewee", "SELECT reviewee_id FROM p2p_reviews WHERE id = $1::bigint", 1},
    {"review_profile_exists", "SELECT count(*) FROM p2p_profiles WHERE id = $1::bigint", 1},
};

const db_statement_t *
review_repo_statements(size_t *count)
{
    *count = sizeof s_statements / sizeof s_statements[0];
    return s_statements;
}

#define S_ID(buf, v) snprintf(buf, sizeof buf, "%" PRId64, (int64_t) (v))

int
review_repo_lock_profile(db_t *db, int64_t profile_id, err_t *err)
{
    char id[24];
    S_ID(id, profile_id);
    const char *params[] = {id};
    PGresult *res = db_exec(db, "review_lock_profile", params, 1, err);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

int
review_repo_insert(db_t *db, int64_t order_id, int64_t reviewer_id, int64_t reviewee_id, int rating,
                   const char *comment, char **json, bool *duplicate, err_t *err)
{
    char order[24], reviewer[24], reviewee[24], srating[8];
    S_ID(order, order_id);
    S_ID(reviewer, reviewer_id);
    S_ID(reviewee, reviewee_id);
    snprintf(srating, sizeof srating, "%d", rating);
    const char *params[] = {order, reviewer, reviewee, srating, comment};
    *duplicate = false;
    PGresult *res = db_exec(db, "review_insert", params, 5, err);
    if (!res) {
        *duplicate = strcmp(db_last_sqlstate(db), "23505") == 0;
        return -1;
    }
    *json = strdup(PQgetvalue(res, 0, 0));
    PQclear(res);
    return *json ? 0 : err_set(err, ERR_INTERNAL, "out of memory");
}

int
review_repo_refresh(db_t *db, int64_t profile_id, err_t *err)
{
    char id[24];
    S_ID(id, profile_id);
    const char *params[] = {id};
    PGresult *res = db_exec(db, "review_refresh", params, 1, err);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

int
review_repo_list(db_t *db, int64_t profile_id, int limit, int64_t offset, char **list_json, int64_t *total,
                 char **avg, err_t *err)
{
    char id[24], slimit[16], soffset[24];
    S_ID(id, profile_id);
    snprintf(slimit, sizeof slimit, "%d", limit);
    S_ID(soffset, offset);
    const char *params[] = {id, slimit, soffset};
    PGresult *res = db_exec(db, "review_list", params, 3, err);
    if (!res)
        return -1;
    *list_json = strdup(PQgetvalue(res, 0, 0));
    *total = strtoll(PQgetvalue(res, 0, 1), NULL, 10);
    *avg = strdup(PQgetisnull(res, 0, 2) ? "0" : PQgetvalue(res, 0, 2));
    PQclear(res);
    if (!*list_json || !*avg) {
        free(*list_json);
        free(*avg);
        return err_set(err, ERR_INTERNAL, "out of memory");
    }
    return 0;
}

int
review_repo_set_hidden(db_t *db, int64_t id, bool hidden, const char *reason, int64_t *reviewee_id,
                       bool *changed, err_t *err)
{
    char sid[24];
    S_ID(sid, id);
    const char *params[] = {sid, hidden ? "true" : "false", reason};
    PGresult *res = db_exec(db, "review_set_hidden", params, 3, err);
    if (!res)
        return -1;
    int found = PQntuples(res) == 1;
    if (found) {
        *reviewee_id = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
        *changed = PQgetvalue(res, 0, 1)[0] == 't';
    }
    PQclear(res);
    return found;
}

int64_t
review_repo_reviewee(db_t *db, int64_t id, err_t *err)
{
    char sid[24];
    S_ID(sid, id);
    const char *params[] = {sid};
    PGresult *res = db_exec(db, "review_reviewee", params, 1, err);
    if (!res)
        return -1;
    int64_t reviewee = PQntuples(res) == 1 ? strtoll(PQgetvalue(res, 0, 0), NULL, 10) : 0;
    PQclear(res);
    return reviewee;
}

int
review_repo_profile_exists(db_t *db, int64_t profile_id, err_t *err)
{
    char id[24];
    S_ID(id, profile_id);
    const char *params[] = {id};
    int64_t n = 0;
    return db_exec_int64(db, "review_profile_exists", params, 1, &n, err) == 0 ? n > 0 : -1;
}
