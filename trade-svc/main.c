/*  main.c - p2p-trade-svc: the trading worker. Reads the configuration,
    builds the process object (database handle, catalog, the delivery
    thread) and the operator API socket (P2P_TRADE_API_BIND: the first
    trade-svc on a host takes it), runs the worker loop (gateway requests and
    API requests) until SIGINT/SIGTERM, destroys what it built. */
#include <stdio.h>
#include <stdlib.h>

#include "catalog.h"
#include "cli.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "operator_api.h"
#include "trade_api.h"
#include "outbox_ops.h"
#include "trade_app.h"
#include "trade_routes.h"
#include "worker.h"

/*  Counters for the heartbeats (and so the gateway's /metrics): the
    worker's database, and the deliveries (outbox_ops.h). */
static json_t *
s_stats(void *app)
{
    trade_app_t *t = app;
    db_stats_t stats;
    db_stats(t->db, &stats);
    outbox_ops_counters_t outbox = {0};
    if (t->outbox)
        outbox_ops_counters(t->outbox, &outbox);
    answer_cache_stats_t cache = {0};
    if (t->list_cache)
        answer_cache_stats(t->list_cache, &cache);
    return json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "db_queries", (json_int_t) stats.queries,
                     "db_failures", (json_int_t) stats.failures, "db_usec", (json_int_t) stats.usec,
                     "outbox_sent", (json_int_t) outbox.sent, "outbox_failed", (json_int_t) outbox.failed,
                     "outbox_retried", (json_int_t) outbox.retried, "listing_cache_hits", (json_int_t) cache.hits,
                     "listing_cache_misses", (json_int_t) cache.misses, "listing_cache_states_reused",
                     (json_int_t) cache.states_reused);
}

static int
s_print_env_example(void)
{
    config_print_example();
    return 0;
}

static const char s_usage[] = "usage: p2p-trade-svc [--help | --version | --env-example]\n"
                              "  Runs a trading worker (wallets, payment methods, prices, ads, orders and\n"
                              "  their timers; notification mails and webhooks): serves every gateway in\n"
                              "  P2P_GATEWAY_ENDPOINTS from DATABASE_URL until SIGINT/SIGTERM; SIGHUP is\n"
                              "  logged and ignored. Also serves the operator API (P2P_TRADE_API_BIND)\n"
                              "  that p2p-admin's trading verbs talk to.\n"
                              "  Configured by environment variables; see .env.example.\n"
                              "  --env-example  print every setting with its default, as .env.example text\n"
                              "  --version      print the version\n";

int
main(int argc, char **argv)
{
    static const cli_action_t actions[] = {{"env-example", s_print_env_example}};
    int rc = cli_parse(argc, argv, "p2p-trade-svc", s_usage, actions, 1);
    if (rc != CLI_RUN)
        return rc;
    config_t cfg;
    err_t err;
    if (config_load(&cfg, &err) != 0) {
        fprintf(stderr, "p2p-trade-svc: %s\n", err.msg);
        return 1;
    }
    log_init("trade-svc", cfg.log_level);
    /* czmq must not install its signal handlers (the API socket is made
       before worker_run installs ours) */
    zsys_handler_set(NULL);
    if (cfg.trade_time_scale != 1)
        log_warn(
            "trade_svc.time_scaled", NULL,
            json_pack("{s:i, s:s}", "scale", cfg.trade_time_scale, "reason",
                      "P2P_TRADE_TIME_SCALE divides every trading duration: for tests, never production"));

    size_t statement_count = 0;
    const db_statement_t *statements = trade_routes_statements(&statement_count);
    trade_app_t app = {
        .db = statements ? db_new(cfg.database_url, statements, statement_count) : NULL,
        .catalog = catalog_new(),
        .cfg = &cfg,
        .list_cache = answer_cache_new((size_t) cfg.listing_cache_entries, ANSWER_CACHE_MAX_BYTES,
                                       TRADE_LIST_CACHE_MAX_AGE_MS),
    };
    operator_api_t *api = NULL;
    rc = 1;
    if (!app.db || !app.catalog || !app.list_cache) {
        log_error("trade_svc.start_failed", NULL, json_pack("{s:s}", "error", "out of memory"));
        goto done;
    }
    /* Connect now so a bad DATABASE_URL shows up in the log at start; the
       worker still runs (and answers 503) until the database is reachable,
       but never on a database it refuses (not UTF-8). */
    if (db_connect(app.db, &err) != 0) {
        if (db_refusal(app.db)) {
            log_error("trade_svc.start_failed", NULL, json_pack("{s:s}", "error", db_refusal(app.db)));
            goto done;
        }
        log_warn("trade_svc.db_not_ready", NULL, json_pack("{s:s}", "error", err.msg));
    }
    /* mails and webhooks go out from a thread of their own (outbox_ops.h) */
    if (!(app.outbox = outbox_ops_new(&cfg, &err))) {
        log_error("trade_svc.start_failed", NULL, json_pack("{s:s}", "error", err.msg));
        goto done;
    }

    /* the first trade-svc on a host serves the API; the others (taken:
       NULL with ERR_UNAVAILABLE, logged) serve the gateways only */
    operator_api_config_t api_config = {
        .name = "trade_api",
        .endpoint = cfg.trade_api_bind,
        .curve_secret_file = cfg.trade_curve_secret_file,
        .curve_clients_dir = cfg.trade_curve_clients_dir,
        .domain = "p2p-trade",
        .bind_key = "P2P_TRADE_API_BIND",
        .secret_key = "P2P_TRADE_CURVE_SECRET_FILE",
        .clients_key = "P2P_TRADE_CURVE_CLIENTS_DIR",
    };
    api = operator_api_new(&api_config, &err);
    if (!api && err.code != ERR_UNAVAILABLE) {
        log_error("trade_svc.bad_config", NULL, json_pack("{s:s}", "error", err.msg));
        fprintf(stderr, "p2p-trade-svc: %s\n", err.msg);
        goto done;
    }

    worker_spec_t spec = {
        .service = SERVICE_TRADE,
        .app = &app,
        .tick = trade_routes_tick,
        .started = trade_routes_started,
        .stats = s_stats,
        .db = app.db,
        .side_socket = api ? operator_api_socket(api) : NULL,
        .on_side_socket = api ? trade_api_on_readable : NULL,
    };
    spec.routes = trade_routes(&spec.route_count);
    rc = worker_run(&cfg, &spec);

done:
    operator_api_destroy(&api);
    outbox_ops_destroy(&app.outbox);
    catalog_destroy(&app.catalog);
    answer_cache_destroy(&app.list_cache);
    db_destroy(&app.db);
    config_free(&cfg);
    return rc;
}
