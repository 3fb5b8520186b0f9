/*  profile_handlers.c - one handler per profile message type (see
    profile_handlers.h). Each one: validate the body, one repository call
    (two on rare paths), build the reply. How a reply differs between REST
    and WebSocket (a profile is data.profile on REST, data itself on the
    WebSocket) is common/reply_shape.h's table, not the handlers' concern. */
#include "profile_handlers.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "log.h"
#include "profile_json.h"
#include "profile_repo.h"
#include "profile_validate.h"
#include "reply.h"
#include "reply_shape.h"
#include "tristate.h"

#define S_MSG_NOT_JOINED_CHECK "You have not joined P2P trading yet."
#define S_MSG_NOT_JOINED "You have not joined P2P trading yet. Please create a P2P profile first."
#define S_MSG_CONSENT "You must accept the P2P trading terms and conditions before connecting."
#define S_MSG_CREATED "P2P profile created successfully. You can now connect to the P2P trading platform."
#define S_MSG_UPDATED "Profile updated successfully"
#define S_MSG_OWN_NOT_FOUND "P2P profile not found"
#define S_MSG_NOT_FOUND "Profile not found"
#define S_MSG_SUSPENDED "Your account is suspended"

static const worker_route_t s_routes[] = {
    {MSG_PROFILE_GET, .batch = profile_handlers_get},
    {MSG_PROFILE_UPDATE, .handler = profile_handlers_update},
    {MSG_PROFILE_STATS, .batch = profile_handlers_stats},
    {MSG_PROFILE_SEARCH, .batch = profile_handlers_search},
    {MSG_PROFILE_CHECK, .handler = profile_handlers_check},
    {MSG_PROFILE_CREATE, .handler = profile_handlers_create},
    {MSG_PROFILE_ME, .batch = profile_handlers_me},
    {MSG_PROFILE_PUT, .handler = profile_handlers_put},
    {MSG_SESSION_OPEN, .handler = profile_handlers_session_open},
};

const worker_route_t *
profile_handlers_routes(size_t *count)
{
    *count = sizeof s_routes / sizeof s_routes[0];
    return s_routes;
}

/*  Every request counts as activity; the tick writes it in batches. */
static void
s_seen(profile_app_t *app, const worker_request_t *req)
{
    profile_activity_seen(app->activity, req->user_id, clock_mono_ms());
}

static void
s_reply_error(const worker_request_t *req, worker_reply_t *reply, err_code_t code, const char *text)
{
    err_t err;
    err_set(&err, code, "%s", text);
    reply_shape_error(reply, req, &err);
}

/*  The first row of rows (rows has at least one). */
static profile_row_t
s_first(const db_rows_t *rows)
{
    profile_row_t row;
    profile_row_get(rows, 0, &row);
    return row;
}

/*  The caller's own profile (one row; caller destroys). Replies 404 (or the
    database error) and returns NULL when there is none. */
static db_rows_t *
s_own_profile(profile_app_t *app, const worker_request_t *req, worker_reply_t *reply)
{
    err_t err;
    db_rows_t *rows = profile_repo_by_user(app->db, req->user_id, &err);
    if (!rows) {
        reply_shape_error(reply, req, &err);
        return NULL;
    }
    if (db_rows_count(rows) == 0) {
        db_rows_destroy(&rows);
        s_reply_error(req, reply, ERR_NOT_FOUND, S_MSG_OWN_NOT_FOUND);
    }
    return rows;
}

/*  The row in rows for a lookup: the caller's own when profile_id is 0. */
static bool
s_find(const db_rows_t *rows, int64_t profile_id, const char *user_id, profile_row_t *row)
{
    for (size_t r = 0; r < db_rows_count(rows); r++) {
        const char *key = db_rows_value(rows, r, profile_id ? PROFILE_COL_ID : PROFILE_COL_USER_ID);
        bool match = key && (profile_id ? strtoll(key, NULL, 10) == profile_id : strcmp(key, user_id) == 0);
        if (match) {
            profile_row_get(rows, r, row);
            return true;
        }
    }
    return false;
}

/*  Builds the reply for one request from the profile it asked about. */
typedef void(s_render_fn)(const worker_request_t *req, const profile_row_t *row, worker_reply_t *reply);

/*  profile.get, profile.stats and GET /api/p2p/profile for a batch: the
    profile each request is about (data.profile_id, else the caller's own;
    always the own with own_only), found with at most two statements for the
    whole batch (by user ids, by profile ids). Replies 400 / 404 / the
    database error per request, render otherwise. */
static void
s_lookup_batch(profile_app_t *app, const worker_request_t *const *reqs, worker_reply_t *const *replies,
               size_t count, bool own_only, s_render_fn *render)
{
    int64_t wanted[WORKER_BATCH_MAX]; /* per request: profile id, 0 for own, -1 answered */
    const char *user_ids[WORKER_BATCH_MAX];
    int64_t ids[WORKER_BATCH_MAX];
    size_t user_count = 0, id_count = 0;
    for (size_t i = 0; i < count; i++) {
        s_seen(app, reqs[i]);
        err_t err;
        wanted[i] = 0;
        if (!own_only && profile_validate_profile_id(reqs[i]->data, &wanted[i], &err) != 0) {
            reply_shape_error(replies[i], reqs[i], &err);
            wanted[i] = -1;
        }
        else if (wanted[i] == 0)
            user_ids[user_count++] = reqs[i]->user_id;
        else
            ids[id_count++] = wanted[i];
    }
    err_t user_err = {0}, id_err = {0};
    db_rows_t *by_user = user_count ? profile_repo_by_users(app->db, user_ids, user_count, &user_err) : NULL;
    db_rows_t *by_id = id_count ? profile_repo_by_ids(app->db, ids, id_count, &id_err) : NULL;
    for (size_t i = 0; i < count; i++) {
        if (wanted[i] < 0)
            continue;
        db_rows_t *rows = wanted[i] ? by_id : by_user;
        profile_row_t row;
        if (!rows)
            reply_shape_error(replies[i], reqs[i], wanted[i] ? &id_err : &user_err);
        else if (!s_find(rows, wanted[i], reqs[i]->user_id, &row))
            s_reply_error(reqs[i], replies[i], ERR_NOT_FOUND,
                          wanted[i] ? S_MSG_NOT_FOUND : S_MSG_OWN_NOT_FOUND);
        else
            render(reqs[i], &row, replies[i]);
    }
    db_rows_destroy(&by_user);
    db_rows_destroy(&by_id);
}

/*  Reply with a profile written straight from the row's text (the hot
    path), shaped for the request's channel. */
static void
s_reply_profile(const worker_request_t *req, worker_reply_t *reply, const profile_row_t *row, unsigned show)
{
    json_text_t out = JSON_TEXT_INIT;
    reply_shape_open(&out, req);
    profile_row_write(&out, row, show);
    reply_shape_ok_written(reply, req, 200, &out);
}

static void
s_render_get(const worker_request_t *req, const profile_row_t *row, worker_reply_t *reply)
{
    const char *owner = row->values[PROFILE_COL_USER_ID];
    bool own = owner && strcmp(owner, req->user_id) == 0;
    s_reply_profile(req, reply, row, own ? 0 : PROFILE_SHOW_PUBLIC);
}

static void
s_render_me(const worker_request_t *req, const profile_row_t *row, worker_reply_t *reply)
{
    s_reply_profile(req, reply, row, 0);
}

static void
s_render_stats(const worker_request_t *req, const profile_row_t *row, worker_reply_t *reply)
{
    reply_shape_ok(reply, req, 200, profile_json_stats(row), NULL);
}

void
profile_handlers_get(void *app, const worker_request_t *const *reqs, worker_reply_t *const *replies,
                     size_t count)
{
    s_lookup_batch(app, reqs, replies, count, false, s_render_get);
}

void
profile_handlers_stats(void *app, const worker_request_t *const *reqs, worker_reply_t *const *replies,
                       size_t count)
{
    s_lookup_batch(app, reqs, replies, count, false, s_render_stats);
}

/*  Why an update changed no row: no profile (404) or suspended (403). */
static void
s_reply_not_updated(profile_app_t *app, const worker_request_t *req, worker_reply_t *reply)
{
    db_rows_t *rows = s_own_profile(app, req, reply);
    if (!rows)
        return;
    profile_row_t row = s_first(rows);
    if (profile_row_bool(&row, PROFILE_COL_IS_SUSPENDED))
        s_reply_error(req, reply, ERR_SUSPENDED, S_MSG_SUSPENDED);
    else /* the suspension ended between the two statements */
        s_reply_error(req, reply, ERR_UNAVAILABLE, "Profile changed during the update, try again");
    db_rows_destroy(&rows);
}

/*  profile.update (WebSocket) and PUT /api/p2p/profile (REST). */
static void
s_update(profile_app_t *app, const worker_request_t *req, worker_reply_t *reply)
{
    s_seen(app, req);
    err_t err;
    profile_changes_t changes;
    if (profile_validate_update(req->data, &changes, &err) != 0) {
        reply_shape_error(reply, req, &err);
        return;
    }
    /* Nothing to change: answer with the current profile and write nothing. */
    bool writing = changes.set != 0;
    db_rows_t *rows = writing ? profile_repo_update(app->db, req->user_id, &changes, &err)
                              : profile_repo_by_user(app->db, req->user_id, &err);
    profile_changes_reset(&changes);
    if (!rows) {
        reply_shape_error(reply, req, &err);
        return;
    }
    if (db_rows_count(rows) == 0) {
        db_rows_destroy(&rows);
        if (writing)
            s_reply_not_updated(app, req, reply);
        else
            s_reply_error(req, reply, ERR_NOT_FOUND, S_MSG_OWN_NOT_FOUND);
        return;
    }
    profile_row_t row = s_first(rows);
    reply_shape_ok(reply, req, 200, profile_row_json(&row, 0), S_MSG_UPDATED);
    db_rows_destroy(&rows);
}

void
profile_handlers_update(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    s_update(app, req, reply);
}

void
profile_handlers_put(void *app, const worker_request_t *req, worker_reply_t *reply)
{
    s_update(app, req, reply);
}

/*  The end of a search answer: the total and whether it is a lower bound. */
static char *
s_search_answer_finish(json_text_t *out, int64_t total, bool capped, err_t *err)
{
    char tail[96];
    int n = snprintf(tail, sizeof tail, "],\"total\":%lld,\"total_is_lower_bound\":%s}", (long long) total,
                     capped ? "true" : "false");
    json_text_raw(out, tail, (size_t) n);
    char *text = json_text_finish(out);
    if (!text)
        err_set(err, ERR_INTERNAL, "out of memory");
    return text;
}

/*  A search's answer (the reply's data) as JSON text, from the database.
    NULL with err. Caller frees. */
static char *
s_search_answer(profile_app_t *app, const profile_search_t *search, err_t *err)
{
    db_rows_t *rows;
    int64_t total;
    bool capped;
    if (profile_repo_search(app->db, search, &rows, &total, &capped, err) != 0)
        return NULL;
    json_text_t out = JSON_TEXT_INIT;
    json_text_raw(&out, "{\"profiles\":[", 13);
    for (size_t i = 0; i < db_rows_count(rows); i++) {
        profile_row_t row;
        profile_row_get(rows, i, &row);
        if (i)
            json_text_raw(&out, ",", 1);
        profile_row_write(&out, &row, PROFILE_SHOW_PUBLIC);
    }
    db_rows_destroy(&rows);
    return s_search_answer_finish(&out, total, capped, err);
}

/*  A page's rows, found by id: the rows of one profile_by_listings for a
    whole batch, sorted. */
typedef struct {
    int64_t id;
    size_t row;
} s_row_ref_t;

static int
s_row_ref_cmp(const void *a, const void *b)
{
    int64_t x = ((const s_row_ref_t *) a)->id, y = ((const s_row_ref_t *) b)->id;
    return (x > y) - (x < y);
}

/*  The row of rows whose id is id (refs: count of them, sorted by id). */
static bool
s_row_with_id(const db_rows_t *rows, const s_row_ref_t *refs, size_t count, int64_t id, profile_row_t *row)
{
    s_row_ref_t key = {.id = id};
    const s_row_ref_t *ref = bsearch(&key, refs, count, sizeof *refs, s_row_ref_cmp);
    if (!ref)
        return false;
    profile_row_get(rows, ref->row, row);
    return true;
}

/*  A page the index answered, as the reply's data, when every one of its
    profiles came back (else NULL: one was written since the index was read,
    and the database answers). */
static char *
s_page_answer(const profile_search_page_t *page, const db_rows_t *rows, const s_row_ref_t *refs,
              size_t ref_count, err_t *err)
{
    json_text_t out = JSON_TEXT_INIT;
    json_text_raw(&out, "{\"profiles\":[", 13);
    for (size_t i = 0; i < page->count; i++) {
        profile_row_t row;
        if (!s_row_with_id(rows, refs, ref_count, page->ids[i], &row)) {
            json_text_discard(&out);
            return NULL;
        }
        if (i)
            json_text_raw(&out, ",", 1);
        profile_row_write(&out, &row, PROFILE_SHOW_PUBLIC);
    }
    return s_search_answer_finish(&out, page->total, page->capped, err);
}

/*  A search's key in the answer cache: every filter, the fixed-width ones
    first and the free text last, so no two searches share a key. False when
    it does not fit (never for a valid search: 100 characters of text). */
static bool
s_search_key(const profile_search_t *search, char key[ANSWER_CACHE_KEY_MAX])
{
    return answer_cache_key(key, "%s|%s|%.6f|%d|%d|%s", tristate_sql_array(search->is_verified),
                            tristate_sql_array(search->is_merchant), search->min_rating, search->limit,
                            search->offset, search->search ? search->search : "");
}

/*  One search of a batch, on its way to an answer. */
typedef struct {
    profile_search_t search;
    enum { S_ANSWERED, S_FROM_INDEX, S_FROM_DATABASE } how;
    bool keyed;
    char key[ANSWER_CACHE_KEY_MAX];
    profile_search_page_t page; /* S_FROM_INDEX */
} s_search_job_t;

/*  Reply with a search answer (borrowed) and keep it when it was built. */
static void
s_reply_answer(profile_app_t *app, const worker_request_t *req, worker_reply_t *reply, s_search_job_t *job,
               const char *answer, bool built)
{
    if (built && job->keyed)
        answer_cache_put(app->search_cache, job->key, answer, clock_mono_ms());
    json_text_t out = JSON_TEXT_INIT;
    reply_shape_open(&out, req);
    json_text_raw(&out, answer, strlen(answer));
    reply_shape_ok_written(reply, req, 200, &out);
    job->how = S_ANSWERED;
}

/*  The state for the whole batch, read once: its requests were all waiting
    when it is read, so every write their clients could know of had
    committed (the rule of answer_cache_state_covers and of profile.get's
    batches). The search index's read is that read when the batch has a
    search the index may answer (text of 3 or more characters); *index is
    then the index up to date for all of them (NULL when there is none).
    0, or -1 with err. */
static int
s_search_state(profile_app_t *app, const worker_request_t *req, bool any_text,
               const profile_search_index_t **index, int64_t *now_us, err_t *err)
{
    *index = NULL;
    answer_cache_t *cache =
        app->search_cache && answer_cache_enabled(app->search_cache) ? app->search_cache : NULL;
    answer_cache_state_t state;
    bool read = false;
    if (any_text && app->search_sync
        && profile_search_sync_refresh(app->search_sync, app->db, req->batch_seq, req->call_seq, index,
                                       now_us, &state, &read, err)
               != 0)
        return -1;
    if (!cache)
        return 0;
    if (read)
        answer_cache_observe(cache, &state, req->batch_seq, req->call_seq);
    else if (!answer_cache_state_covers(cache, req->batch_seq, req->call_seq)) {
        if (profile_repo_search_state(app->db, &state, err) != 0)
            return -1;
        answer_cache_observe(cache, &state, req->batch_seq, req->call_seq);
    }
    return 0;
}

/*  The index's pages of a batch, their rows in one statement (only rows
    still as the index saw them), each answered when all its rows came;
    the others are left to the database. 0, or -1 with err. */
static int
s_answer_index_pages(profile_app_t *app, const worker_request_t *const *reqs, worker_reply_t *const *replies,
                     s_search_job_t *jobs, size_t count, err_t *err)
{
    size_t wanted = 0;
    for (size_t i = 0; i < count; i++)
        if (jobs[i].how == S_FROM_INDEX)
            wanted += jobs[i].page.count;
    int64_t *ids = malloc((wanted + 1) * sizeof *ids);
    uint64_t *xids = malloc((wanted + 1) * sizeof *xids);
    s_row_ref_t *refs = malloc((wanted + 1) * sizeof *refs);
    db_rows_t *rows = NULL;
    int rc = -1;
    if (!ids || !xids || !refs) {
        err_set(err, ERR_INTERNAL, "out of memory");
        goto done;
    }
    size_t n = 0;
    for (size_t i = 0; i < count; i++)
        for (size_t p = 0; jobs[i].how == S_FROM_INDEX && p < jobs[i].page.count; p++) {
            ids[n] = jobs[i].page.ids[p];
            xids[n++] = jobs[i].page.xids[p];
        }
    if (n && !(rows = profile_repo_by_listings(app->db, ids, xids, n, err)))
        goto done;
    size_t ref_count = rows ? db_rows_count(rows) : 0;
    for (size_t r = 0; r < ref_count; r++) {
        const char *id = db_rows_value(rows, r, PROFILE_COL_ID);
        refs[r] = (s_row_ref_t){.id = id ? strtoll(id, NULL, 10) : 0, .row = r};
    }
    qsort(refs, ref_count, sizeof *refs, s_row_ref_cmp);
    for (size_t i = 0; i < count; i++) {
        if (jobs[i].how != S_FROM_INDEX)
            continue;
        char *answer = s_page_answer(&jobs[i].page, rows, refs, ref_count, err);
        if (!answer) {
            profile_search_sync_answered(app->search_sync, true);
            jobs[i].how = S_FROM_DATABASE;
            continue;
        }
        profile_search_sync_answered(app->search_sync, false);
        s_reply_answer(app, reqs[i], replies[i], &jobs[i], answer, true);
        free(answer);
    }
    rc = 0;
done:
    db_rows_destroy(&rows);
    free(ids);
    free(xids);
    free(refs);
    return rc;
}

/*  profile.search, a batch of them (the searches a worker found waiting):
    - one state read for the batch (s_search_state);
    - answers kept in the worker's answer cache while they still hold
      (common/answer_cache.h);
    - else from the search index when it can answer
      (profile_search_sync.h), the rows of every index page of the batch
      in one statement;
    - else from the database, one search at a time;
    each answer built is kept. */
void
profile_handlers_search(void *app_, const worker_request_t *const *reqs, worker_reply_t *const *replies,
                        size_t count)
{
    profile_app_t *app = app_;
    s_search_job_t *jobs = malloc(count * sizeof *jobs);
    err_t err;
    if (!jobs) {
        err_set(&err, ERR_INTERNAL, "out of memory");
        for (size_t i = 0; i < count; i++)
            reply_shape_error(replies[i], reqs[i], &err);
        return;
    }
    bool any_text = false, any_left = false;
    for (size_t i = 0; i < count; i++) {
        s_seen(app, reqs[i]);
        jobs[i].how = S_FROM_DATABASE;
        if (profile_validate_search(reqs[i]->data, &jobs[i].search, &err) != 0) {
            reply_shape_error(replies[i], reqs[i], &err);
            jobs[i].how = S_ANSWERED;
            continue;
        }
        any_left = true;
        any_text = any_text || (jobs[i].search.search && strlen(jobs[i].search.search) >= 3);
    }
    const profile_search_index_t *index = NULL;
    int64_t now_us = 0;
    if (any_left && s_search_state(app, reqs[0], any_text, &index, &now_us, &err) != 0) {
        for (size_t i = 0; i < count; i++)
            if (jobs[i].how != S_ANSWERED)
                reply_shape_error(replies[i], reqs[i], &err);
        free(jobs);
        return;
    }
    bool cache_on = app->search_cache && answer_cache_enabled(app->search_cache);
    bool any_page = false;
    for (size_t i = 0; i < count; i++) {
        s_search_job_t *job = &jobs[i];
        if (job->how == S_ANSWERED)
            continue;
        job->keyed = cache_on && s_search_key(&job->search, job->key);
        const char *cached =
            job->keyed ? answer_cache_get(app->search_cache, job->key, clock_mono_ms()) : NULL;
        if (cached)
            s_reply_answer(app, reqs[i], replies[i], job, cached, false);
        else if (index && job->search.search
                 && profile_search_index_find(index, &job->search, now_us, &job->page)
                        == PROFILE_SEARCH_INDEX_ANSWERED) {
            job->how = S_FROM_INDEX;
            any_page = true;
        }
    }
    if (any_page && s_answer_index_pages(app, reqs, replies, jobs, count, &err) != 0)
        for (size_t i = 0; i < count; i++)
            if (jobs[i].how == S_FROM_INDEX) {
                reply_shape_error(replies[i], reqs[i], &err);
                jobs[i].how = S_ANSWERED;
            }
    for (size_t i = 0; i < count; i++) {
        if (jobs[i].how != S_FROM_DATABASE)
            continue;
        char *answer = s_search_answer(app, &jobs[i].search, &err);
        if (answer)
            s_reply_answer(app, reqs[i], replies[i], &jobs[i], answer, true);
        else
            reply_shape_error(replies[i], reqs[i], &err);
        free(answer);
    }
    free(jobs);
}

void
profile_handlers_check(void *app_, const worker_request_t *req, worker_reply_t *reply)
{
    profile_app_t *app = app_;
    s_seen(app, req);
    err_t err;
    db_rows_t *rows = profile_repo_by_user(app->db, req->user_id, &err);
    if (!rows) {
        reply_shape_error(reply, req, &err);
        return;
    }
    json_t *data;
    if (db_rows_count(rows) == 0) {
        data = json_pack("{s:b,s:b,s:b,s:s}", "exists", 0, "has_consent", 0, "can_connect", 0, "message",
                         S_MSG_NOT_JOINED_CHECK);
    }
    else {
        profile_row_t row = s_first(rows);
        bool consent = profile_row_bool(&row, PROFILE_COL_HAS_CONSENT);
        bool suspended = profile_row_bool(&row, PROFILE_COL_IS_SUSPENDED);
        data = json_pack("{s:b,s:I,s:b,s:b,s:b,s:o}", "exists", 1, "profile_id",
                         (json_int_t) profile_row_int(&row, PROFILE_COL_ID), "has_consent", consent,
                         "is_suspended", suspended, "can_connect", consent && !suspended, "profile",
                         profile_row_json(&row, PROFILE_SHOW_SUMMARY));
    }
    db_rows_destroy(&rows);
    reply_shape_ok(reply, req, 200, data, NULL);
}

void
profile_handlers_create(void *app_, const worker_request_t *req, worker_reply_t *reply)
{
    profile_app_t *app = app_;
    err_t err;
    profile_changes_t changes;
    if (profile_validate_create(req->data, &changes, &err) != 0) {
        reply_shape_error(reply, req, &err);
        return;
    }
    /* The INSERT sets last_active_at itself: no s_seen. */
    db_rows_t *rows = profile_repo_create(app->db, req->user_id, &changes, &err);
    profile_changes_reset(&changes);
    if (!rows) {
        reply_shape_error(reply, req, &err);
        return;
    }
    profile_row_t row = s_first(rows);
    log_info("profile.created", req->request_id,
             json_pack("{s:I}", "profile_id", (json_int_t) profile_row_int(&row, PROFILE_COL_ID)));
    reply_shape_ok(reply, req, 201, profile_row_json(&row, 0), S_MSG_CREATED);
    db_rows_destroy(&rows);
}

void
profile_handlers_me(void *app, const worker_request_t *const *reqs, worker_reply_t *const *replies,
                    size_t count)
{
    s_lookup_batch(app, reqs, replies, count, true, s_render_me);
}

/*  The suspended connect reply: the usual failure body plus suspended_until,
    which the gateway copies into its connection_error message. */
static void
s_reply_suspended(const worker_request_t *req, worker_reply_t *reply, const profile_row_t *row)
{
    const char *reason = row->values[PROFILE_COL_SUSPENSION_REASON];
    const char *until = row->values[PROFILE_COL_SUSPENDED_UNTIL];
    json_t *text = reason && *reason ? json_sprintf("Your P2P account is suspended: %s", reason)
                                     : json_string("Your P2P account is suspended");
    json_t *body =
        json_pack("{s:b,s:o,s:s}", "success", 0, "error", text, "code", err_wire_code(ERR_SUSPENDED));
    if (until)
        json_object_set_new(body, "suspended_until", json_string(until));
    reply->status = err_http_status(ERR_SUSPENDED);
    reply->body = json_dumps(body, REPLY_JSON_FLAGS);
    json_decref(body);
    if (!reply->body)
        s_reply_error(req, reply, ERR_SUSPENDED, "Your P2P account is suspended");
}

void
profile_handlers_session_open(void *app_, const worker_request_t *req, worker_reply_t *reply)
{
    profile_app_t *app = app_;
    err_t err;
    /* Sets last_active_at in the same statement: no s_seen. */
    db_rows_t *rows = profile_repo_session_open(app->db, req->user_id, &err);
    if (!rows) {
        reply_shape_error(reply, req, &err);
        return;
    }
    if (db_rows_count(rows) == 0) {
        s_reply_error(req, reply, ERR_NOT_JOINED, S_MSG_NOT_JOINED);
        db_rows_destroy(&rows);
        return;
    }
    profile_row_t row = s_first(rows);
    if (!profile_row_bool(&row, PROFILE_COL_HAS_CONSENT))
        s_reply_error(req, reply, ERR_CONSENT_REQUIRED, S_MSG_CONSENT);
    else if (profile_row_bool(&row, PROFILE_COL_IS_SUSPENDED))
        s_reply_suspended(req, reply, &row);
    else
        reply_shape_ok(
            reply, req, 200,
            json_pack("{s:I,s:s,s:o}", "profile_id", (json_int_t) profile_row_int(&row, PROFILE_COL_ID),
                      "user_id", req->user_id, "username",
                      row.values[PROFILE_COL_USERNAME] ? json_string(row.values[PROFILE_COL_USERNAME])
                                                       : json_null()),
            NULL);
    db_rows_destroy(&rows);
}

void
profile_handlers_tick(void *app_)
{
    profile_app_t *app = app_;
    if (app->search_sync)
        profile_search_sync_tick(app->search_sync, app->db);
    if (profile_activity_pending(app->activity) == 0)
        return;
    size_t count;
    char **batch = profile_activity_take(app->activity, &count);
    err_t err;
    if (profile_repo_touch(app->db, (const char *const *) batch, count, &err) == 0)
        profile_activity_flushed(app->activity, batch, count, clock_mono_ms());
    else /* idempotent (last_active_at = now()), so trying again later is safe */
        profile_activity_requeue(app->activity, batch, count);
    profile_activity_batch_free(batch, count);
}
