/*  outbox_repo.c - the SQL of deliveries (see outbox_repo.h). */
#include "outbox_repo.h"

#include <inttypes.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const db_statement_t s_statements[] = {
    /* $1 how many, $2 lease seconds, $3 email too. The webhook's URL and
       secret are the profile's now (NULL: deleted since). */
    {"outbox_claim",
     "WITH due AS (SELECT id, notification_id FROM p2p_outbox "
     "WHERE sent_at IS NULL AND failed_at IS NULL AND next_attempt_at <= now() "
     "AND (channel = 'webhook' OR $3::boolean) "
     "ORDER BY next_attempt_at, id LIMIT $1::int FOR UPDATE SKIP LOCKED) "
     "UPDATE p2p_outbox o SET attempts = o.attempts + 1, "
     "next_attempt_at = now() + make_interval(secs => $2::int) "
     "FROM due JOIN p2p_notifications n ON n.id = due.notification_id "
     "LEFT JOIN p2p_webhooks w ON w.profile_id = n.profile_id "
     "WHERE o.id = due.id "
     "RETURNING o.id, o.notification_id, o.channel, o.attempts, o.payload, w.url, w.secret",
     3},
    {"outbox_sent",
     "UPDATE p2p_outbox SET sent_at = now(), failed_at = NULL WHERE id = $1::bigint AND sent_at IS NULL", 1},
    /* $1 id, $2 the lease's attempts, $3 error, $4 delay ms, $5 permanent */
    {"outbox_failed",
     "UPDATE p2p_outbox SET last_error = $3, "
     "failed_at = CASE WHEN $5::boolean OR now() >= give_up_at THEN now() END, "
     "next_attempt_at = LEAST(now() + make_interval(secs => $4::double precision / 1000), give_up_at) "
     "WHERE id = $1::bigint AND attempts = $2::int AND sent_at IS NULL AND failed_at IS NULL "
     "RETURNING failed_at IS NOT NULL",
     5},
    {"outbox_release",
     "UPDATE p2p_outbox SET next_attempt_at = now() "
     "WHERE id = $1::bigint AND attempts = $2::int AND sent_at IS NULL AND failed_at IS NULL",
     2},
};

const db_statement_t *
outbox_repo_statements(size_t *count)
{
    *count = sizeof s_statements / sizeof s_statements[0];
    return s_statements;
}

void
outbox_repo_item_clear(outbox_item_t *item)
{
    if (!item)
        return;
    free(item->payload);
    free(item->url);
    if (item->secret) {
        /* the secret leaves memory as soon as the POST is signed */
        memset(item->secret, 0, strlen(item->secret));
        free(item->secret);
    }
    memset(item, 0, sizeof *item);
}

static char *
s_dup_or_null(PGresult *res, int row, int col)
{
    return PQgetisnull(res, row, col) ? NULL : strdup(PQgetvalue(res, row, col));
}

int
outbox_repo_claim(db_t *db, int max, bool email, int lease_s, outbox_item_t **items, size_t *count,
                  err_t *err)
{
    char smax[16], slease[16];
    snprintf(smax, sizeof smax, "%d", max);
    snprintf(slease, sizeof slease, "%d", lease_s);
    const char *params[] = {smax, slease, email ? "true" : "false"};
    *items = NULL;
    *count = 0;
    PGresult *res = db_exec(db, "outbox_claim", params, 3, err);
    if (!res)
        return -1;
    int rows = PQntuples(res);
    if (rows == 0) {
        PQclear(res);
        return 0;
    }
    outbox_item_t *out = calloc((size_t) rows, sizeof *out);
    if (!out)
        goto oom;
    for (int r = 0; r < rows; r++) {
        outbox_item_t *item = &out[r];
        item->id = strtoll(PQgetvalue(res, r, 0), NULL, 10);
        item->notification_id = strtoll(PQgetvalue(res, r, 1), NULL, 10);
        item->channel = strcmp(PQgetvalue(res, r, 2), "email") == 0 ? OUTBOX_EMAIL : OUTBOX_WEBHOOK;
        item->attempts = (int) strtol(PQgetvalue(res, r, 3), NULL, 10);
        item->payload = s_dup_or_null(res, r, 4);
        if (item->channel == OUTBOX_WEBHOOK) {
            item->url = s_dup_or_null(res, r, 5);
            item->secret = s_dup_or_null(res, r, 6);
        }
        *count = (size_t) r + 1;
        if (!item->payload || (item->channel == OUTBOX_WEBHOOK && !PQgetisnull(res, r, 5) && !item->url)
            || (item->channel == OUTBOX_WEBHOOK && !PQgetisnull(res, r, 6) && !item->secret))
            goto oom;
    }
    PQclear(res);
    *items = out;
    return 0;

oom:
    /* the rows stay leased and come due again when the lease runs out */
    for (size_t i = 0; out && i < *count; i++)
        outbox_repo_item_clear(&out[i]);
    free(out);
    *count = 0;
    PQclear(res);
    return err_set(err, ERR_INTERNAL, "out of memory");
}

#define S_ID(buf, v) snprintf(buf, sizeof buf, "%" PRId64, (int64_t) (v))

int
outbox_repo_sent(db_t *db, int64_t id, err_t *err)
{
    char sid[24];
    S_ID(sid, id);
    const char *params[] = {sid};
    PGresult *res = db_exec(db, "outbox_sent", params, 1, err);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}

int
outbox_repo_failed(db_t *db, int64_t id, int attempts, const char *error, int64_t delay_ms, bool permanent,
                   err_t *err)
{
    char sid[24], sattempts[16], sdelay[24];
    S_ID(sid, id);
    S_ID(sattempts, attempts);
    S_ID(sdelay, delay_ms);
    const char *params[] = {sid, sattempts, error, sdelay, permanent ? "true" : "false"};
    PGresult *res = db_exec(db, "outbox_failed", params, 5, err);
    if (!res)
        return -1;
    int rc = PQntuples(res) == 0 ? 2 : PQgetvalue(res, 0, 0)[0] == 't' ? 1 : 0;
    PQclear(res);
    return rc;
}

int
outbox_repo_release(db_t *db, int64_t id, int attempts, err_t *err)
{
    char sid[24], sattempts[16];
    S_ID(sid, id);
    S_ID(sattempts, attempts);
    const char *params[] = {sid, sattempts};
    PGresult *res = db_exec(db, "outbox_release", params, 2, err);
    if (!res)
        return -1;
    PQclear(res);
    return 0;
}
