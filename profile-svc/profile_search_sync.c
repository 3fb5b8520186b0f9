/*  profile_search_sync.c - the search index kept exact (see
    profile_search_sync.h). */
#include "profile_search_sync.h"

#include <stdlib.h>

#include "clock.h"
#include "log.h"
#include "profile_repo.h"

struct profile_search_sync {
    int64_t tick_budget_ms;
    /* the index searches use; NULL while there is none */
    profile_search_index_t *index;
    uint64_t mark;    /* read changes from this transaction on */
    int64_t removals; /* p2p_profile_removals when it was loaded */
    uint64_t epoch;   /* the database connection it was loaded from */
    int64_t now_us;   /* the database's clock at the last read */
    /* the search state's version at the last changed read: a state read
       that finds it unchanged needs no changed read */
    bool have_version;
    int64_t version;
    /* the last read: the request's batch and the last call it stood for */
    bool have_read;
    uint64_t read_batch, read_call;
    /* a load under way: the index it fills, its mark, the last id loaded */
    profile_search_index_t *loading;
    profile_listings_mark_t load_mark;
    int64_t load_after;
    int64_t load_started_ms;
    bool failure_logged;
    bool broken; /* a put ran out of memory during a read */
    profile_search_sync_stats_t stats;
};

profile_search_sync_t *
profile_search_sync_new(int64_t tick_budget_ms)
{
    profile_search_sync_t *self = calloc(1, sizeof *self);
    if (self)
        self->tick_budget_ms = tick_budget_ms;
    return self;
}

void
profile_search_sync_destroy(profile_search_sync_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    profile_search_index_destroy(&(*self_p)->index);
    profile_search_index_destroy(&(*self_p)->loading);
    free(*self_p);
    *self_p = NULL;
}

static int
s_put(void *arg, const profile_listing_t *listing)
{
    return profile_search_index_put(arg, listing);
}

/*  A read's rows into the index in use; remembers a failure (out of
    memory: the index is then incomplete). */
static int
s_apply(void *arg, const profile_listing_t *listing)
{
    profile_search_sync_t *self = arg;
    if (profile_search_index_put(self->index, listing) != 0) {
        self->broken = true;
        return -1;
    }
    return 0;
}

/*  Stop using the index: searches go to the database until the tick has
    loaded a new one. */
static void
s_drop(profile_search_sync_t *self, const char *why)
{
    log_info("profile_search.index_dropped", NULL,
             json_pack("{s:s, s:I}", "reason", why, "profiles",
                       (json_int_t) profile_search_index_size(self->index)));
    profile_search_index_destroy(&self->index);
    self->have_read = false;
}

/*  One chunk of a load (starting one first when none is under way).
    Returns 1 when the load is done (the index is in use), 0 when more
    follow, -1 with err. */
static int
s_load_step(profile_search_sync_t *self, db_t *db, int chunk, err_t *err)
{
    if (!self->loading) {
        profile_listings_mark_t mark;
        if (profile_repo_listings_state(db, &mark, err) != 0)
            return -1;
        self->loading = profile_search_index_new();
        if (!self->loading)
            return err_set(err, ERR_INTERNAL, "out of memory");
        self->load_mark = mark;
        self->load_after = INT64_MIN;
        self->load_started_ms = clock_mono_ms();
    }
    size_t rows = 0;
    int rc = profile_repo_listings_chunk(db, self->load_after, chunk, s_put, self->loading, &rows,
                                         &self->load_after, err);
    db_stats_t stats;
    db_stats(db, &stats);
    if (rc != 0 || stats.connects != self->load_mark.state.epoch) {
        /* start again: on another connection the mark may mean nothing */
        profile_search_index_destroy(&self->loading);
        return rc != 0 ? -1 : err_set(err, ERR_DB_UNAVAILABLE, "database connection changed during the load");
    }
    if (rows == (size_t) chunk)
        return 0;
    profile_search_index_destroy(&self->index);
    self->index = self->loading;
    self->loading = NULL;
    self->mark = self->load_mark.xmin;
    self->removals = self->load_mark.removals;
    self->epoch = self->load_mark.state.epoch;
    self->have_read = false;
    self->have_version = false;
    self->stats.loads++;
    self->failure_logged = false;
    log_info("profile_search.index_loaded", NULL,
             json_pack("{s:I, s:I, s:I}", "profiles", (json_int_t) profile_search_index_size(self->index),
                       "bytes", (json_int_t) profile_search_index_bytes(self->index), "ms",
                       (json_int_t) (clock_mono_ms() - self->load_started_ms)));
    return 1;
}

static void
s_log_failure(profile_search_sync_t *self, const err_t *err)
{
    if (self->failure_logged)
        return;
    self->failure_logged = true;
    log_warn("profile_search.index_load_failed", NULL, json_pack("{s:s}", "error", err->msg));
}

int
profile_search_sync_load(profile_search_sync_t *self, db_t *db, err_t *err)
{
    int rc;
    while ((rc = s_load_step(self, db, PROFILE_SEARCH_SYNC_START_CHUNK, err)) == 0)
        ;
    if (rc < 0)
        s_log_failure(self, err);
    return rc < 0 ? -1 : 0;
}

void
profile_search_sync_tick(profile_search_sync_t *self, db_t *db)
{
    if (self->index)
        return;
    int64_t deadline = clock_mono_ms() + self->tick_budget_ms;
    err_t err;
    int rc;
    do
        rc = s_load_step(self, db, PROFILE_SEARCH_SYNC_TICK_CHUNK, &err);
    while (rc == 0 && clock_mono_ms() < deadline);
    if (rc < 0)
        s_log_failure(self, &err);
}

/*  Whether a read's mark still fits the index: the same connection, no
    profile deleted. Drops it otherwise. */
static bool
s_still_valid(profile_search_sync_t *self, const profile_listings_mark_t *mark)
{
    if (mark->state.epoch != self->epoch)
        s_drop(self, "new database connection");
    else if (mark->removals != self->removals)
        s_drop(self, "profiles deleted");
    return self->index != NULL;
}

int
profile_search_sync_refresh(profile_search_sync_t *self, db_t *db, uint64_t batch_seq, uint64_t call_seq,
                            const profile_search_index_t **index, int64_t *now_us,
                            answer_cache_state_t *state, bool *read, err_t *err)
{
    *index = NULL;
    *read = false;
    if (!self->index)
        return 0;
    if (self->have_read && batch_seq != 0 && batch_seq == self->read_batch
        && call_seq == self->read_call + 1) {
        self->read_call = call_seq;
        *index = self->index;
        *now_us = self->now_us;
        return 0;
    }
    self->have_read = false;
    /* the state first (a prepared statement with a fixed plan); the
       changes only when the version moved since they were last read */
    profile_listings_mark_t mark;
    if (profile_repo_listings_state(db, &mark, err) != 0)
        return -1;
    self->stats.reads++;
    *read = true;
    *state = mark.state;
    if (!s_still_valid(self, &mark))
        return 0;
    if (!self->have_version || mark.state.version != self->version) {
        size_t rows = 0;
        if (profile_repo_listings_changed(db, self->mark, &mark, s_apply, self, &rows, err) != 0) {
            if (!self->broken)
                return -1;
            self->broken = false;
            s_drop(self, "out of memory");
            return 0;
        }
        self->stats.change_reads++;
        self->stats.rows_applied += rows;
        *state = mark.state;
        if (!s_still_valid(self, &mark))
            return 0;
        self->mark = mark.xmin;
        self->version = mark.state.version;
        self->have_version = true;
    }
    self->now_us = mark.now_us;
    self->have_read = true;
    self->read_batch = batch_seq;
    self->read_call = call_seq;
    *index = self->index;
    *now_us = mark.now_us;
    return 0;
}

void
profile_search_sync_answered(profile_search_sync_t *self, bool stale)
{
    if (stale)
        self->stats.stale_pages++;
    else
        self->stats.answers++;
}

void
profile_search_sync_stats(const profile_search_sync_t *self, profile_search_sync_stats_t *stats)
{
    *stats = self->stats;
    stats->profiles = self->index ? profile_search_index_size(self->index) : 0;
}
