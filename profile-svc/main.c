/*  main.c - p2p-profile-svc: the profile worker. Reads the configuration,
    builds the process object (database handle, activity batcher, search
    cache and index), loads the search index, runs the
    worker loop until SIGINT/SIGTERM, destroys what it built. */
#include <stdio.h>
#include <stdlib.h>

#include "cli.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "profile_activity.h"
#include "profile_handlers.h"
#include "profile_repo.h"
#include "worker.h"

/*  Counters for the heartbeats (and so the gateway's /metrics). */
static json_t *
s_stats(void *app)
{
    db_stats_t stats;
    db_stats(((profile_app_t *) app)->db, &stats);
    answer_cache_stats_t cache;
    answer_cache_stats(((profile_app_t *) app)->search_cache, &cache);
    json_t *out =
        json_pack("{s:I, s:I, s:I, s:I, s:I, s:I}", "db_queries", (json_int_t) stats.queries, "db_failures",
                  (json_int_t) stats.failures, "db_usec", (json_int_t) stats.usec, "listing_cache_hits",
                  (json_int_t) cache.hits, "listing_cache_misses", (json_int_t) cache.misses,
                  "listing_cache_states_reused", (json_int_t) cache.states_reused);
    profile_search_sync_t *sync = ((profile_app_t *) app)->search_sync;
    if (out && sync) {
        profile_search_sync_stats_t index;
        profile_search_sync_stats(sync, &index);
        json_t *more = json_pack(
            "{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "search_index_profiles", (json_int_t) index.profiles,
            "search_index_loads", (json_int_t) index.loads, "search_index_reads", (json_int_t) index.reads,
            "search_index_change_reads", (json_int_t) index.change_reads, "search_index_rows_applied",
            (json_int_t) index.rows_applied, "search_index_answers", (json_int_t) index.answers,
            "search_index_stale_pages", (json_int_t) index.stale_pages);
        json_object_update(out, more);
        json_decref(more);
    }
    return out;
}

static int
s_print_env_example(void)
{
    config_print_example();
    return 0;
}

static const char s_usage[] = "usage: p2p-profile-svc [--help | --version | --env-example]\n"
                              "  Runs a profile worker: serves every gateway in P2P_GATEWAY_ENDPOINTS from\n"
                              "  DATABASE_URL until SIGINT/SIGTERM; SIGHUP is logged and ignored.\n"
                              "  Configured by environment variables; see .env.example.\n"
                              "  --env-example  print every setting with its default, as .env.example text\n"
                              "  --version      print the version\n";

int
main(int argc, char **argv)
{
    static const cli_action_t actions[] = {{"env-example", s_print_env_example}};
    int rc = cli_parse(argc, argv, "p2p-profile-svc", s_usage, actions, 1);
    if (rc != CLI_RUN)
        return rc;
    config_t cfg;
    err_t err;
    if (config_load(&cfg, &err) != 0) {
        fprintf(stderr, "p2p-profile-svc: %s\n", err.msg);
        return 1;
    }
    log_init("profile-svc", cfg.log_level);

    size_t statement_count;
    const db_statement_t *statements = profile_repo_statements(&statement_count);
    profile_app_t app = {
        .db = db_new(cfg.database_url, statements, statement_count),
        .activity = profile_activity_new(PROFILE_ACTIVITY_MAX_PENDING, PROFILE_ACTIVITY_QUIET_MS),
        .search_cache = answer_cache_new((size_t) cfg.listing_cache_entries, ANSWER_CACHE_MAX_BYTES,
                                         PROFILE_SEARCH_CACHE_MAX_AGE_MS),
    };
    /* a tenth of each heartbeat interval for loading the index again */
    if (cfg.search_index)
        app.search_sync = profile_search_sync_new(cfg.heartbeat_ms / 10 + 1);
    rc = 1;
    if (!app.db || !app.activity || !app.search_cache || (cfg.search_index && !app.search_sync)) {
        log_error("profile_svc.start_failed", NULL, json_pack("{s:s}", "error", "out of memory"));
        goto done;
    }
    /* Connect now so a bad DATABASE_URL shows up in the log at start; the
       worker still runs (and answers 503) until the database is reachable,
       but never on a database it refuses (not UTF-8). */
    if (db_connect(app.db, &err) != 0) {
        if (db_refusal(app.db)) {
            log_error("profile_svc.start_failed", NULL, json_pack("{s:s}", "error", db_refusal(app.db)));
            goto done;
        }
        log_warn("profile_svc.db_not_ready", NULL, json_pack("{s:s}", "error", err.msg));
    }
    /* the whole search listing before serving (else the tick loads it) */
    else if (app.search_sync)
        profile_search_sync_load(app.search_sync, app.db, &err);

    worker_spec_t spec = {
        .service = SERVICE_PROFILE,
        .app = &app,
        .tick = profile_handlers_tick,
        .stats = s_stats,
        .db = app.db,
    };
    spec.routes = profile_handlers_routes(&spec.route_count);
    rc = worker_run(&cfg, &spec);
    /* Last activity of this run, best effort (and no index load). */
    profile_search_sync_destroy(&app.search_sync);
    profile_handlers_tick(&app);

done:
    profile_search_sync_destroy(&app.search_sync);
    profile_activity_destroy(&app.activity);
    answer_cache_destroy(&app.search_cache);
    db_destroy(&app.db);
    config_free(&cfg);
    return rc;
}
