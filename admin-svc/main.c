/*  main.c - p2p-admin-svc: the admin worker. Reads the configuration, builds
    the process object (database handle) and the operator API socket, runs
    the worker loop (gateway requests and API requests) until SIGINT/SIGTERM,
    destroys what it built.

    Environment: common/config.h's keys (DATABASE_URL, P2P_GATEWAY_ENDPOINTS,
    P2P_HEARTBEAT_MS, LOG_LEVEL, and the operator API's P2P_ADMIN_API_BIND,
    P2P_ADMIN_CURVE_SECRET_FILE, P2P_ADMIN_CURVE_CLIENTS_DIR). */
#include <stdio.h>
#include <stdlib.h>

#include "admin_api.h"
#include "admin_handlers.h"
#include "admin_ops.h"
#include "admin_repo.h"
#include "cli.h"
#include "config.h"
#include "db.h"
#include "log.h"
#include "operator_api.h"
#include "worker.h"

static int
s_print_env_example(void)
{
    config_print_example();
    return 0;
}

static const char s_usage[] = "usage: p2p-admin-svc [--help | --version | --env-example]\n"
                              "  Runs a admin worker: serves every gateway in P2P_GATEWAY_ENDPOINTS from\n"
                              "  DATABASE_URL until SIGINT/SIGTERM; SIGHUP is logged and ignored.\n"
                              "  Also serves the operator API (P2P_ADMIN_API_BIND) that p2p-admin talks to.\n"
                              "  Configured by environment variables; see .env.example.\n"
                              "  --env-example  print every setting with its default, as .env.example text\n"
                              "  --version      print the version\n";

int
main(int argc, char **argv)
{
    static const cli_action_t actions[] = {{"env-example", s_print_env_example}};
    int rc = cli_parse(argc, argv, "p2p-admin-svc", s_usage, actions, 1);
    if (rc != CLI_RUN)
        return rc;
    config_t cfg;
    err_t err;
    if (config_load(&cfg, &err) != 0) {
        fprintf(stderr, "p2p-admin-svc: %s\n", err.msg);
        return 1;
    }
    log_init("admin-svc", cfg.log_level);
    /* czmq must not install its signal handlers: worker_run installs ours */
    zsys_handler_set(NULL);

    size_t statement_count;
    const db_statement_t *statements = admin_repo_statements(&statement_count);
    admin_app_t app = {.db = db_new(cfg.database_url, statements, statement_count)};
    operator_api_t *api = NULL;
    rc = 1;
    if (!app.db) {
        log_error("admin_svc.start_failed", NULL, json_pack("{s:s}", "error", "out of memory"));
        goto done;
    }
    /* Connect now so a bad DATABASE_URL shows up in the log at start; the
       worker still runs (and answers 503) until the database is reachable,
       but never on a database it refuses (not UTF-8). */
    if (db_connect(app.db, &err) != 0) {
        if (db_refusal(app.db)) {
            log_error("admin_svc.start_failed", NULL, json_pack("{s:s}", "error", db_refusal(app.db)));
            goto done;
        }
        log_warn("admin_svc.db_not_ready", NULL, json_pack("{s:s}", "error", err.msg));
    }

    /* the first admin-svc on a host serves the API; the others (taken:
       NULL with ERR_UNAVAILABLE, logged) serve the gateways only */
    operator_api_config_t api_config = {
        .name = "admin_api",
        .endpoint = cfg.admin_api_bind,
        .curve_secret_file = cfg.admin_curve_secret_file,
        .curve_clients_dir = cfg.admin_curve_clients_dir,
        .domain = "p2p-admin",
        .bind_key = "P2P_ADMIN_API_BIND",
        .secret_key = "P2P_ADMIN_CURVE_SECRET_FILE",
        .clients_key = "P2P_ADMIN_CURVE_CLIENTS_DIR",
    };
    api = operator_api_new(&api_config, &err);
    if (!api && err.code != ERR_UNAVAILABLE) {
        log_error("admin_svc.bad_config", NULL, json_pack("{s:s}", "error", err.msg));
        fprintf(stderr, "p2p-admin-svc: %s\n", err.msg);
        goto done;
    }

    worker_spec_t spec = {
        .service = SERVICE_ADMIN,
        .db = app.db,
        .app = &app,
        .side_socket = api ? operator_api_socket(api) : NULL,
        .on_side_socket = api ? admin_api_on_readable : NULL,
    };
    spec.routes = admin_handlers_routes(&spec.route_count);
    rc = worker_run(&cfg, &spec);

done:
    operator_api_destroy(&api);
    db_destroy(&app.db);
    config_free(&cfg);
    return rc;
}
