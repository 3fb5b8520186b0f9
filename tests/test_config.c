/*  test_config.c - common/config.h: defaults when the environment says
    nothing, overrides when it does, and a named error for bad integers.
    Criterion forks per test, so setenv here never leaks into other tests. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config.h"

static const char *const s_keys[] = {
#define X(field, env, type, def, min, max, desc) env,
    CONFIG_LIST(X)
#undef X
};

static void
s_clear_env(void)
{
    for (size_t i = 0; i < sizeof s_keys / sizeof s_keys[0]; i++)
        cr_assert_eq(unsetenv(s_keys[i]), 0);
}

TestSuite(config, .init = s_clear_env);

/*  Load with one variable set, expecting failure that names it. */
static void
s_assert_rejected(const char *name, const char *value)
{
    cr_assert_eq(setenv(name, value, 1), 0);
    config_t cfg;
    err_t err = {0};
    cr_assert_eq(config_load(&cfg, &err), -1, "%s=%s accepted", name, value);
    cr_assert_eq(err.code, ERR_INVALID);
    cr_assert_not_null(strstr(err.msg, name), "error does not name %s: %s", name, err.msg);
    /* nothing is left allocated or half-filled */
    cr_assert_null(cfg.database_url);
    cr_assert_null(cfg.jwt_secret);
    cr_assert_null(cfg.log_level);
    cr_assert_eq(unsetenv(name), 0);
}

Test(config, defaults_with_the_environment_cleared)
{
    config_t cfg;
    err_t err = {0};
    cr_assert_eq(config_load(&cfg, &err), 0, "%s", err.msg);
    cr_assert_str_eq(cfg.jwt_secret, "");
    cr_assert_str_eq(cfg.database_url, "postgresql://p2p:p2p@127.0.0.1:5432/pxyz_fx_p2p");
    cr_assert_eq(cfg.http_port, 8030);
    cr_assert_eq(cfg.ws_ping_interval_s, 54);
    cr_assert_eq(cfg.ws_idle_timeout_s, 60);
    cr_assert_eq(cfg.rate_limit_per_min, 100);
    cr_assert_str_eq(cfg.log_level, "info");
    cr_assert_str_eq(cfg.worker_bind, "tcp://127.0.0.1:5555");
    cr_assert_str_eq(cfg.gateway_endpoints, "tcp://127.0.0.1:5555");
    cr_assert_eq(cfg.request_timeout_ms, 5000);
    cr_assert_eq(cfg.heartbeat_ms, 1000);
    cr_assert_str_eq(cfg.ws_allowed_origins, "");
    config_free(&cfg);
}

Test(config, environment_overrides_every_key)
{
    setenv("JWT_SECRET", "s3cret-s3cret-s3cret-s3cret-s3cret", 1);
    setenv("DATABASE_URL", "postgresql://u:p@db:6432/x", 1);
    setenv("P2P_HTTP_PORT", "9090", 1);
    setenv("P2P_WS_PING_INTERVAL_S", "5", 1);
    setenv("P2P_WS_IDLE_TIMEOUT_S", "7", 1);
    setenv("P2P_RATE_LIMIT_PER_MIN", "3", 1);
    setenv("LOG_LEVEL", "debug", 1);
    setenv("P2P_WORKER_BIND", "ipc:///tmp/gw", 1);
    setenv("P2P_GATEWAY_ENDPOINTS", "tcp://a:1,tcp://b:2", 1);
    setenv("P2P_REQUEST_TIMEOUT_MS", "250", 1);
    setenv("P2P_HEARTBEAT_MS", "100", 1);
    setenv("P2P_WS_ALLOWED_ORIGINS", "https://app.example", 1);
    config_t cfg;
    err_t err = {0};
    cr_assert_eq(config_load(&cfg, &err), 0, "%s", err.msg);
    cr_assert_str_eq(cfg.jwt_secret, "s3cret-s3cret-s3cret-s3cret-s3cret");
    cr_assert_str_eq(cfg.database_url, "postgresql://u:p@db:6432/x");
    cr_assert_eq(cfg.http_port, 9090);
    cr_assert_eq(cfg.ws_ping_interval_s, 5);
    cr_assert_eq(cfg.ws_idle_timeout_s, 7);
    cr_assert_eq(cfg.rate_limit_per_min, 3);
    cr_assert_str_eq(cfg.log_level, "debug");
    cr_assert_str_eq(cfg.worker_bind, "ipc:///tmp/gw");
    cr_assert_str_eq(cfg.gateway_endpoints, "tcp://a:1,tcp://b:2");
    cr_assert_eq(cfg.request_timeout_ms, 250);
    cr_assert_eq(cfg.heartbeat_ms, 100);
    cr_assert_str_eq(cfg.ws_allowed_origins, "https://app.example");
    config_free(&cfg);
}

Test(config, strings_are_copies)
{
    setenv("LOG_LEVEL", "warn", 1);
    config_t cfg;
    cr_assert_eq(config_load(&cfg, NULL), 0);
    setenv("LOG_LEVEL", "error", 1);
    cr_assert_str_eq(cfg.log_level, "warn");
    config_free(&cfg);
}

Test(config, empty_value_means_the_default)
{
    setenv("P2P_HTTP_PORT", "", 1);
    setenv("LOG_LEVEL", "", 1);
    config_t cfg;
    err_t err = {0};
    cr_assert_eq(config_load(&cfg, &err), 0, "%s", err.msg);
    cr_assert_eq(cfg.http_port, 8030);
    cr_assert_str_eq(cfg.log_level, "info");
    config_free(&cfg);
}

Test(config, integer_bounds_are_inclusive)
{
    setenv("P2P_HTTP_PORT", "65535", 1);
    setenv("P2P_RATE_LIMIT_PER_MIN", "0", 1);
    setenv("P2P_HEARTBEAT_MS", "50", 1);
    setenv("P2P_REQUEST_TIMEOUT_MS", "600000", 1);
    config_t cfg;
    err_t err = {0};
    cr_assert_eq(config_load(&cfg, &err), 0, "%s", err.msg);
    cr_assert_eq(cfg.http_port, 65535);
    cr_assert_eq(cfg.rate_limit_per_min, 0, "0 turns rate limiting off and is allowed");
    cr_assert_eq(cfg.heartbeat_ms, 50);
    cr_assert_eq(cfg.request_timeout_ms, 600000);
    config_free(&cfg);
}

Test(config, out_of_range_integers_are_rejected_by_name)
{
    s_assert_rejected("P2P_HTTP_PORT", "0");
    s_assert_rejected("P2P_HTTP_PORT", "65536");
    s_assert_rejected("P2P_HTTP_PORT", "-80");
    s_assert_rejected("P2P_WS_PING_INTERVAL_S", "0");
    s_assert_rejected("P2P_WS_IDLE_TIMEOUT_S", "3601");
    s_assert_rejected("P2P_RATE_LIMIT_PER_MIN", "-1");
    s_assert_rejected("P2P_RATE_LIMIT_PER_MIN", "1000001");
    s_assert_rejected("P2P_REQUEST_TIMEOUT_MS", "49");
    s_assert_rejected("P2P_HEARTBEAT_MS", "60001");
}

Test(config, non_numeric_integers_are_rejected_by_name)
{
    s_assert_rejected("P2P_HTTP_PORT", "http");
    s_assert_rejected("P2P_HTTP_PORT", "80x");
    s_assert_rejected("P2P_HTTP_PORT", "80 ");
    s_assert_rejected("P2P_HTTP_PORT", "8.5");
    s_assert_rejected("P2P_HTTP_PORT", "0x50");
    s_assert_rejected("P2P_RATE_LIMIT_PER_MIN", "lots");
    s_assert_rejected("P2P_WS_IDLE_TIMEOUT_S", "99999999999999999999999");
}

Test(config, error_gives_the_allowed_range)
{
    setenv("P2P_HTTP_PORT", "70000", 1);
    config_t cfg;
    err_t err = {0};
    cr_assert_eq(config_load(&cfg, &err), -1);
    cr_assert_str_eq(err.msg, "P2P_HTTP_PORT must be an integer from 1 to 65535");
}

Test(config, err_may_be_null)
{
    setenv("P2P_HTTP_PORT", "nope", 1);
    config_t cfg;
    cr_assert_eq(config_load(&cfg, NULL), -1);
}

Test(config, free_twice_is_safe)
{
    config_t cfg;
    cr_assert_eq(config_load(&cfg, NULL), 0);
    config_free(&cfg);
    cr_assert_null(cfg.database_url);
    config_free(&cfg);
}

Test(config, example_lists_every_key_with_its_default, .init = cr_redirect_stdout)
{
    config_print_example();
    fflush(stdout);
    FILE *out = cr_get_redirected_stdout();
    char text[8192] = {0};
    size_t n = fread(text, 1, sizeof text - 1, out);
    cr_assert_gt(n, 0);
#define X(field, env, type, def, min, max, desc)                                                 \
    cr_assert_not_null(strstr(text, "\n" env "=" def "\n"), "%s missing from the example", env); \
    cr_assert_not_null(strstr(text, "# " desc "\n"), "description of %s missing", env);
    CONFIG_LIST(X)
#undef X
}

Test(config, default_of_a_key_is_the_tables)
{
    /* p2p-admin's default endpoints are the servers' default binds */
    cr_assert_str_eq(config_default("P2P_TRADE_API_BIND"), "tcp://127.0.0.1:5571");
    cr_assert_str_eq(config_default("P2P_ADMIN_API_BIND"), "tcp://127.0.0.1:5570");
    cr_assert_str_eq(config_default("P2P_HTTP_PORT"), "8030");
    cr_assert_null(config_default("P2P_NO_SUCH_KEY"));
    config_t cfg;
    cr_assert_eq(config_load(&cfg, NULL), 0);
    cr_assert_str_eq(cfg.trade_api_bind, config_default("P2P_TRADE_API_BIND"));
    cr_assert_str_eq(cfg.trade_curve_secret_file, "");
    config_free(&cfg);
}
