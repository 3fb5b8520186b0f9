/*  admin_cli.h - what every p2p-admin verb shares: the global options (which
    may come before or after the command word), exit statuses, strict
    argument parsing, the output (tables for people, one record per object,
    --json), and the transport: one request, one reply, over a DEALER to an
    operator API (common/operator_api.h), CURVE when given keys.

    The verbs: p2p_admin.c (profiles, to admin-svc), admin_cli_trade.c
    (trading, to trade-svc). No I/O but stdout/stderr and the socket. */
#ifndef P2P_ADMIN_CLI_H
#define P2P_ADMIN_CLI_H

#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*  Exit statuses. */
#define ADMIN_CLI_EXIT_OK 0
#define ADMIN_CLI_EXIT_FAILED 1   /* the operation failed (the error is printed) */
#define ADMIN_CLI_EXIT_USAGE 2    /* bad command line */
#define ADMIN_CLI_EXIT_NO_REPLY 3 /* no reply within --timeout (not running there, or CURVE refused) */

#define ADMIN_CLI_DEFAULT_TIMEOUT_MS 5000

/*  The global options (strings borrowed from argv or the environment). */
typedef struct {
    const char *endpoint;       /* admin-svc's operator API */
    const char *trade_endpoint; /* trade-svc's */
    bool json;
    const char *operator_name;
    int timeout_ms;
    const char *curve_server_key;
    const char *curve_client_cert;
} admin_cli_options_t;

/*  Fill opts from the environment: P2P_ADMIN_ENDPOINT, P2P_TRADE_ENDPOINT
    (default: the servers' default binds), P2P_ADMIN_OPERATOR else $USER. */
void admin_cli_options_init(admin_cli_options_t *opts);

/*  getopt_long codes of the global options; a verb's own codes start at
    ADMIN_CLI_OPTION_FIRST. */
enum {
    ADMIN_CLI_G_ENDPOINT = 1,
    ADMIN_CLI_G_TRADE_ENDPOINT,
    ADMIN_CLI_G_JSON,
    ADMIN_CLI_G_OPERATOR,
    ADMIN_CLI_G_TIMEOUT,
    ADMIN_CLI_G_SERVER_KEY,
    ADMIN_CLI_G_CLIENT_CERT,
    ADMIN_CLI_OPTION_FIRST = 1000,
};

/*  The global options as struct option entries (a verb's table includes them). */
#define ADMIN_CLI_GLOBAL_OPTIONS                                                 \
    {"endpoint", required_argument, NULL, ADMIN_CLI_G_ENDPOINT},                 \
        {"trade-endpoint", required_argument, NULL, ADMIN_CLI_G_TRADE_ENDPOINT}, \
        {"json", no_argument, NULL, ADMIN_CLI_G_JSON},                           \
        {"operator", required_argument, NULL, ADMIN_CLI_G_OPERATOR},             \
        {"timeout", required_argument, NULL, ADMIN_CLI_G_TIMEOUT},               \
        {"curve-server-key", required_argument, NULL, ADMIN_CLI_G_SERVER_KEY},   \
        {"curve-client-cert", required_argument, NULL, ADMIN_CLI_G_CLIENT_CERT}, \
    {                                                                            \
        "help", no_argument, NULL, 'h'                                           \
    }

/*  Print the usage on stdout: every verb, the options (with the default
    endpoints), the exit statuses. */
void admin_cli_print_usage(void);

/*  Apply a global option. Returns 1 when opt was one, 0 when not, or
    ADMIN_CLI_EXIT_USAGE + 100 after printing why its value is bad. */
int admin_cli_global_option(int opt, const char *arg, admin_cli_options_t *opts);

/*  Print "p2p-admin: <fmt with arg>" and the hint to stderr. Returns
    ADMIN_CLI_EXIT_USAGE. */
int admin_cli_usage_error(const char *fmt, const char *arg);

/*  A strict integer argument within [min, max] (what names it in the
    error). 0, or -1 after printing why. */
int admin_cli_int_arg(const char *text, const char *what, int64_t min, int64_t max, int64_t *value);

/*  on/true/yes -> 1, off/false/no -> 0. 0, or -1 for anything else. */
int admin_cli_on_off(const char *text, bool *value);

/* ------------------------------------------------------------------ output */

/*  Print rows (an array of objects) as a table with these columns (keys
    and their headers; at most 16). The key "change" prints an audit row's
    before -> after. */
void admin_cli_table(const json_t *rows, const char *const *keys, const char *const *headers, int ncols);

/*  Every field of one object, one "key  value" line each. */
void admin_cli_record(const json_t *object);

/*  "(what a-b of total)" under a page of a list. */
void admin_cli_page(const char *what, size_t shown, int64_t offset, int64_t total);

/*  doc as indented JSON on stdout. */
void admin_cli_print_json(const json_t *doc);

/*  A failure on stderr: "p2p-admin: error: <error> (<code>, status <n>)". */
void admin_cli_print_error(const char *error, const char *code, int status);

/* ------------------------------------------------------------------ transport */

/*  Send request (len bytes) to endpoint and wait up to opts->timeout_ms
    for the reply, with CURVE when opts has both keys. Returns the reply
    (malloc'd, *reply_len bytes; caller frees), or NULL after printing why,
    with *rc ADMIN_CLI_EXIT_NO_REPLY (nothing came back) or
    ADMIN_CLI_EXIT_FAILED (bad keys or endpoint). what names the server in
    messages ("p2p-admin-svc"). */
uint8_t *admin_cli_call(const admin_cli_options_t *opts, const char *endpoint, const char *what,
                        const uint8_t *request, size_t len, size_t *reply_len, int *rc);

#endif
