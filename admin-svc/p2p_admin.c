/*  p2p_admin.c - p2p-admin, the operator's command-line tool: the admin
    operations over the operator API (proto/admin.proto over ZeroMQ, straight
    to p2p-admin-svc), aligned tables for people, --json for scripts.

    Usage: p2p-admin [OPTIONS] COMMAND [ARGS]   (p2p-admin --help)
    Exit: 0 success, 1 the operation failed (the error is printed), 2 usage,
          3 no reply (admin-svc not reachable, or CURVE keys refused). */
#include <czmq.h>
#include <errno.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.pb-c.h"
#include "admin_api.h"
#include "admin_api_json.h"
#include "admin_validate.h"
#include "int_text.h"
#include "utf8.h"
#include "cli.h"
#include "curve.h"

#define S_EXIT_OK 0
#define S_EXIT_FAILED 1
#define S_EXIT_USAGE 2
#define S_EXIT_NO_REPLY 3

#define S_DEFAULT_TIMEOUT_MS 5000
#define S_CELL_MAX 48 /* characters of one table cell before it is cut */

static const char s_usage[] =
    "usage: p2p-admin [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Commands:\n"
    "  list [--search S] [--suspended|--not-suspended] [--verified|--not-verified]\n"
    "       [--merchant|--not-merchant] [--limit N] [--offset N]\n"
    "                                   profiles, newest first (search: username part or user id)\n"
    "  get ID                           one profile, every field\n"
    "  suspend ID --reason R [--until RFC3339]\n"
    "                                   suspend; live sessions are told and closed\n"
    "  unsuspend ID [--reason R]        lift a suspension\n"
    "  verify ID on|off [--reason R]    set or clear the verified flag\n"
    "  merchant ID on|off [--reason R]  set or clear merchant status\n"
    "  audit [--profile ID] [--limit N] [--offset N]\n"
    "                                   the audit log, newest first\n"
    "  keygen FILE [--name NAME] [--kind KIND]\n"
    "                                   write a CURVE certificate: FILE (public), FILE_secret;\n"
    "                                   NAME: who holds it (the operator API records\n"
    "                                   curve:NAME); KIND: the only worker kind it may\n"
    "                                   register as on a gateway (profile, admin)\n"
    "\n"
    "Options:\n"
    "  --endpoint EP        admin-svc's operator API (env P2P_ADMIN_ENDPOINT,\n"
    "                       default " ADMIN_API_DEFAULT_BIND ")\n"
    "  --json               print one JSON document (the REST API's envelope)\n"
    "  --operator NAME      who is acting (env P2P_ADMIN_OPERATOR, else $USER); the server\n"
    "                       records cli:NAME, or under CURVE curve:<name in your certificate>\n"
    "  --timeout MS         wait this long for a reply (default 5000)\n"
    "  --curve-server-key FILE   the server's public certificate (enables CURVE)\n"
    "  --curve-client-cert FILE  this operator's certificate (its FILE_secret is read)\n"
    "  -h, --help           this text\n"
    "  -V, --version        the version\n"
    "\n"
    "Exit status: 0 success, 1 the operation failed, 2 usage error, 3 no reply.\n";

typedef struct {
    const char *endpoint;
    bool json;
    const char *operator_name;
    int timeout_ms;
    const char *curve_server_key;
    const char *curve_client_cert;
} s_options_t;

static int
s_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "p2p-admin: ");
    fprintf(stderr, fmt, arg ? arg : "");
    fprintf(stderr, "\nTry 'p2p-admin --help'.\n");
    return S_EXIT_USAGE;
}

/*  A strict integer argument within [min, max]. */
static int
s_int_arg(const char *text, const char *what, int64_t min, int64_t max, int64_t *value)
{
    if (int_text_parse_range(text, min, max, value) != 0) {
        fprintf(stderr, "p2p-admin: %s must be an integer between %lld and %lld, not '%s'\n", what,
                (long long) min, (long long) max, text);
        return -1;
    }
    return 0;
}

static int
s_on_off(const char *text, protobuf_c_boolean *value)
{
    if (text && (strcmp(text, "on") == 0 || strcmp(text, "true") == 0 || strcmp(text, "yes") == 0))
        *value = 1;
    else if (text && (strcmp(text, "off") == 0 || strcmp(text, "false") == 0 || strcmp(text, "no") == 0))
        *value = 0;
    else
        return -1;
    return 0;
}

/* ------------------------------------------------------------------ command line */

/*  The options every command takes, before or after the command word. */
enum { G_ENDPOINT = 1, G_JSON, G_OPERATOR, G_TIMEOUT, G_SERVER_KEY, G_CLIENT_CERT };
#define S_GLOBAL_OPTIONS                                                                                    \
    {"endpoint", required_argument, NULL, G_ENDPOINT}, {"json", no_argument, NULL, G_JSON},                 \
        {"operator", required_argument, NULL, G_OPERATOR}, {"timeout", required_argument, NULL, G_TIMEOUT}, \
        {"curve-server-key", required_argument, NULL, G_SERVER_KEY},                                        \
        {"curve-client-cert", required_argument, NULL, G_CLIENT_CERT},                                      \
    {                                                                                                       \
        "help", no_argument, NULL, 'h'                                                                      \
    }

/*  Apply a global option. Returns 1 when opt was one, 0 when not, or
    S_EXIT_USAGE + 100 after printing why its value is bad. */
static int
s_global_option(int opt, const char *arg, s_options_t *opts)
{
    int64_t n;
    switch (opt) {
    case G_ENDPOINT:
        opts->endpoint = arg;
        return 1;
    case G_JSON:
        opts->json = true;
        return 1;
    case G_OPERATOR:
        opts->operator_name = arg;
        return 1;
    case G_TIMEOUT:
        if (s_int_arg(arg, "--timeout", 1, 3600000, &n) != 0)
            return S_EXIT_USAGE + 100;
        opts->timeout_ms = (int) n;
        return 1;
    case G_SERVER_KEY:
        opts->curve_server_key = arg;
        return 1;
    case G_CLIENT_CERT:
        opts->curve_client_cert = arg;
        return 1;
    default:
        return 0;
    }
}

enum {
    O_SEARCH = 1000,
    O_SUSPENDED,
    O_NOT_SUSPENDED,
    O_VERIFIED,
    O_NOT_VERIFIED,
    O_MERCHANT,
    O_NOT_MERCHANT,
    O_LIMIT,
    O_OFFSET,
    O_REASON,
    O_UNTIL,
    O_PROFILE,
};

/*  Parse a command's arguments (argv[0] is the command) into req.
    Returns 0, or S_EXIT_USAGE after printing why. */
static int
s_parse_command(int argc, char **argv, P2p__AdminRequest *req, s_options_t *opts)
{
    static const struct {
        const char *name;
        P2p__AdminAction action;
        int positionals; /* ID, then on|off */
    } commands[] = {
        {"list", P2P__ADMIN_ACTION__LIST, 0},       {"get", P2P__ADMIN_ACTION__GET, 1},
        {"suspend", P2P__ADMIN_ACTION__SUSPEND, 1}, {"unsuspend", P2P__ADMIN_ACTION__UNSUSPEND, 1},
        {"verify", P2P__ADMIN_ACTION__VERIFY, 2},   {"merchant", P2P__ADMIN_ACTION__MERCHANT, 2},
        {"audit", P2P__ADMIN_ACTION__AUDIT, 0},
    };
    static const struct option options[] = {
        {"search", required_argument, NULL, O_SEARCH},
        {"suspended", no_argument, NULL, O_SUSPENDED},
        {"not-suspended", no_argument, NULL, O_NOT_SUSPENDED},
        {"verified", no_argument, NULL, O_VERIFIED},
        {"not-verified", no_argument, NULL, O_NOT_VERIFIED},
        {"merchant", no_argument, NULL, O_MERCHANT},
        {"not-merchant", no_argument, NULL, O_NOT_MERCHANT},
        {"limit", required_argument, NULL, O_LIMIT},
        {"offset", required_argument, NULL, O_OFFSET},
        {"reason", required_argument, NULL, O_REASON},
        {"until", required_argument, NULL, O_UNTIL},
        {"profile", required_argument, NULL, O_PROFILE},
        S_GLOBAL_OPTIONS,
        {NULL, 0, NULL, 0},
    };
    /* which options each command takes */
    static const struct {
        P2p__AdminAction action;
        const int allowed[12];
    } allowed[] = {
        {P2P__ADMIN_ACTION__LIST,
         {O_SEARCH, O_SUSPENDED, O_NOT_SUSPENDED, O_VERIFIED, O_NOT_VERIFIED, O_MERCHANT, O_NOT_MERCHANT,
          O_LIMIT, O_OFFSET}},
        {P2P__ADMIN_ACTION__GET, {0}},
        {P2P__ADMIN_ACTION__SUSPEND, {O_REASON, O_UNTIL}},
        {P2P__ADMIN_ACTION__UNSUSPEND, {O_REASON}},
        {P2P__ADMIN_ACTION__VERIFY, {O_REASON}},
        {P2P__ADMIN_ACTION__MERCHANT, {O_REASON}},
        {P2P__ADMIN_ACTION__AUDIT, {O_PROFILE, O_LIMIT, O_OFFSET}},
    };
    int positionals = -1;
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        if (strcmp(argv[0], commands[i].name) == 0) {
            req->has_action = 1;
            req->action = commands[i].action;
            positionals = commands[i].positionals;
        }
    if (positionals < 0)
        return s_usage_error("unknown command '%s'", argv[0]);

    optind = 0; /* GNU: restart, and let options follow positionals */
    opterr = 0;
    int opt;
    int64_t n;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (opt == 'h') {
            fputs(s_usage, stdout);
            exit(S_EXIT_OK);
        }
        int global = s_global_option(opt, optarg, opts);
        if (global > 1)
            return S_EXIT_USAGE;
        if (global == 1)
            continue;
        bool ok = false;
        for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
            if (allowed[i].action == req->action)
                for (int k = 0; k < 12 && allowed[i].allowed[k]; k++)
                    ok = ok || allowed[i].allowed[k] == opt;
        if (opt == '?' || opt == ':' || !ok)
            return s_usage_error("option '%s' is not valid here", argv[optind - 1]);
        switch (opt) {
        case O_SEARCH:
            req->search = optarg;
            break;
        case O_SUSPENDED:
        case O_NOT_SUSPENDED:
            req->has_is_suspended = 1;
            req->is_suspended = opt == O_SUSPENDED;
            break;
        case O_VERIFIED:
        case O_NOT_VERIFIED:
            req->has_is_verified = 1;
            req->is_verified = opt == O_VERIFIED;
            break;
        case O_MERCHANT:
        case O_NOT_MERCHANT:
            req->has_is_merchant = 1;
            req->is_merchant = opt == O_MERCHANT;
            break;
        case O_LIMIT:
            if (s_int_arg(optarg, "--limit", 1, ADMIN_MAX_LIMIT, &n) != 0)
                return S_EXIT_USAGE;
            req->has_limit = 1;
            req->limit = (int32_t) n;
            break;
        case O_OFFSET:
            if (s_int_arg(optarg, "--offset", 0, ADMIN_MAX_OFFSET, &n) != 0)
                return S_EXIT_USAGE;
            req->has_offset = 1;
            req->offset = n;
            break;
        case O_REASON:
            req->reason = optarg;
            break;
        case O_UNTIL:
            req->until = optarg;
            break;
        case O_PROFILE:
            if (s_int_arg(optarg, "--profile", 1, INT64_MAX, &n) != 0)
                return S_EXIT_USAGE;
            req->has_profile_id = 1;
            req->profile_id = n;
            break;
        }
    }
    int left = argc - optind;
    if (left != positionals)
        return s_usage_error(positionals == 0   ? "'%s' takes no arguments besides options"
                             : positionals == 1 ? "'%s' needs a profile ID"
                                                : "'%s' needs a profile ID and on|off",
                             argv[0]);
    if (positionals >= 1) {
        if (s_int_arg(argv[optind], "profile ID", 1, INT64_MAX, &n) != 0)
            return S_EXIT_USAGE;
        req->has_profile_id = 1;
        req->profile_id = n;
    }
    if (positionals == 2) {
        req->has_flag = 1;
        if (s_on_off(argv[optind + 1], &req->flag) != 0)
            return s_usage_error("expected on or off, not '%s'", argv[optind + 1]);
    }
    if (req->action == P2P__ADMIN_ACTION__SUSPEND && !req->reason)
        return s_usage_error("suspend needs --reason%s", NULL);
    return 0;
}

/* ------------------------------------------------------------------ output */

/*  A JSON value as table text (do not free the result: it lives in buf). */
static const char *
s_cell(const json_t *value, char *buf, size_t size)
{
    if (!value || json_is_null(value))
        snprintf(buf, size, "-");
    else if (json_is_boolean(value))
        snprintf(buf, size, "%s", json_is_true(value) ? "yes" : "no");
    else if (json_is_integer(value))
        snprintf(buf, size, "%lld", (long long) json_integer_value(value));
    else if (json_is_real(value))
        snprintf(buf, size, "%.2f", json_real_value(value));
    else if (json_is_string(value))
        snprintf(buf, size, "%s", json_string_value(value));
    else {
        char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
        snprintf(buf, size, "%s", text ? text : "?");
        free(text);
    }
    /* one line per row: control characters become spaces */
    for (char *p = buf; *p; p++)
        if ((unsigned char) *p < 0x20)
            *p = ' ';
    return buf;
}

/*  Cut text to at most max characters (UTF-8), marking the cut with "...". */
static void
s_cut(char *text, size_t max)
{
    size_t chars = 0;
    for (char *p = text; *p; p++) {
        if (((unsigned char) *p & 0xC0) != 0x80 && ++chars > max - 3) {
            if (utf8_length(p) > 3)
                strcpy(p, "...");
            return;
        }
    }
}

/*  Display width of UTF-8 text (code points; good enough for a terminal table). */
static int
s_width(const char *text)
{
    return (int) utf8_length(text);
}

/*  Print rows (an array of objects) as a table with these columns. */
static void
s_table(const json_t *rows, const char *const *keys, const char *const *headers, int ncols)
{
    size_t nrows = json_array_size(rows);
    char ***cells = calloc(nrows ? nrows : 1, sizeof *cells);
    int widths[16] = {0};
    for (int c = 0; c < ncols; c++)
        widths[c] = s_width(headers[c]);
    for (size_t r = 0; r < nrows; r++) {
        cells[r] = calloc((size_t) ncols, sizeof **cells);
        const json_t *row = json_array_get(rows, r);
        for (int c = 0; c < ncols; c++) {
            char buf[1024];
            const json_t *value = json_object_get(row, keys[c]);
            if (strcmp(keys[c], "change") == 0) { /* audit: before -> after */
                char before[480], after[480];
                s_cell(json_object_get(row, "before"), before, sizeof before);
                s_cell(json_object_get(row, "after"), after, sizeof after);
                snprintf(buf, sizeof buf, "%s -> %s", before, after);
            }
            else {
                s_cell(value, buf, sizeof buf);
            }
            if (strcmp(keys[c], "change") != 0)
                s_cut(buf, S_CELL_MAX);
            cells[r][c] = strdup(buf);
            if (s_width(buf) > widths[c])
                widths[c] = s_width(buf);
        }
    }
    for (int c = 0; c < ncols; c++)
        printf("%s%-*s", c ? "  " : "", c == ncols - 1 ? 0 : widths[c], headers[c]);
    printf("\n");
    for (size_t r = 0; r < nrows; r++) {
        for (int c = 0; c < ncols; c++) {
            /* printf pads by bytes; pad by characters so UTF-8 stays aligned */
            int pad = c == ncols - 1 ? 0 : widths[c] - s_width(cells[r][c]);
            printf("%s%s%*s", c ? "  " : "", cells[r][c], pad, "");
            free(cells[r][c]);
        }
        printf("\n");
        free(cells[r]);
    }
    free(cells);
}

/*  Every field of one profile, one per line. */
static void
s_record(const json_t *profile)
{
    const char *key;
    const json_t *value;
    int width = 0;
    json_object_foreach((json_t *) profile, key, value) if (s_width(key) > width) width = s_width(key);
    json_object_foreach((json_t *) profile, key, value)
    {
        char buf[2048];
        printf("%-*s  %s\n", width, key, s_cell(value, buf, sizeof buf));
    }
}

static void
s_print_page(const char *what, size_t shown, int64_t offset, int64_t total)
{
    if (shown == 0)
        printf("(no %s; %lld in total)\n", what, (long long) total);
    else
        printf("(%s %lld-%lld of %lld)\n", what, (long long) offset + 1,
               (long long) offset + (long long) shown, (long long) total);
}

/*  The reply as the REST envelope: {"success":true,"data":{...},"message":..}. */
static json_t *
s_envelope(const P2p__AdminReply *reply, P2p__AdminAction action)
{
    if (reply->status != 200) {
        return json_pack("{s:b,s:s,s:s,s:i}", "success", 0, "error", reply->error ? reply->error : "", "code",
                         reply->code ? reply->code : "", "status", reply->status);
    }
    json_t *data = json_object();
    if (action == P2P__ADMIN_ACTION__AUDIT) {
        json_t *entries = json_array();
        for (size_t i = 0; i < reply->n_entries; i++)
            json_array_append_new(entries, admin_api_json_from_message(&reply->entries[i]->base));
        json_object_set_new(data, "entries", entries);
        json_object_set_new(data, "total", json_integer(reply->total));
    }
    else if (action == P2P__ADMIN_ACTION__LIST) {
        json_t *profiles = json_array();
        for (size_t i = 0; i < reply->n_profiles; i++)
            json_array_append_new(profiles, admin_api_json_from_message(&reply->profiles[i]->base));
        json_object_set_new(data, "profiles", profiles);
        json_object_set_new(data, "total", json_integer(reply->total));
    }
    else if (reply->n_profiles == 1) {
        json_object_set_new(data, "profile", admin_api_json_from_message(&reply->profiles[0]->base));
    }
    json_t *out = json_pack("{s:b,s:o}", "success", 1, "data", data);
    if (reply->message)
        json_object_set_new(out, "message", json_string(reply->message));
    return out;
}

static int
s_print(const P2p__AdminReply *reply, const P2p__AdminRequest *req, bool as_json)
{
    json_t *doc = s_envelope(reply, req->action);
    int rc = reply->status == 200 ? S_EXIT_OK : S_EXIT_FAILED;
    if (as_json) {
        char *text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
        printf("%s\n", text ? text : "{}");
        free(text);
    }
    else if (rc != S_EXIT_OK) {
        fprintf(stderr, "p2p-admin: error: %s (%s, status %d)\n", reply->error ? reply->error : "failed",
                reply->code ? reply->code : "?", reply->status);
    }
    else {
        const json_t *data = json_object_get(doc, "data");
        if (reply->message)
            printf("%s\n\n", reply->message);
        if (req->action == P2P__ADMIN_ACTION__LIST) {
            static const char *const keys[] = {
                "id",           "user_id",         "username",     "is_verified", "is_merchant",
                "is_suspended", "suspended_until", "total_trades", "avg_rating"};
            static const char *const headers[] = {"ID",        "USER_ID", "USERNAME", "VERIFIED", "MERCHANT",
                                                  "SUSPENDED", "UNTIL",   "TRADES",   "RATING"};
            const json_t *rows = json_object_get(data, "profiles");
            s_table(rows, keys, headers, 9);
            s_print_page("profiles", json_array_size(rows), req->has_offset ? req->offset : 0, reply->total);
        }
        else if (req->action == P2P__ADMIN_ACTION__AUDIT) {
            static const char *const keys[] = {"id",         "created_at", "admin_user_id", "action",
                                               "profile_id", "reason",     "change"};
            static const char *const headers[] = {
                "ID", "TIME", "ADMIN", "ACTION", "PROFILE", "REASON", "CHANGE (BEFORE -> AFTER)"};
            const json_t *rows = json_object_get(data, "entries");
            s_table(rows, keys, headers, 7);
            s_print_page("entries", json_array_size(rows), req->has_offset ? req->offset : 0, reply->total);
        }
        else {
            s_record(json_object_get(data, "profile"));
        }
    }
    json_decref(doc);
    return rc;
}

/* ------------------------------------------------------------------ transport */

/*  keygen FILE [--name NAME] [--kind KIND] (argv[0] is "keygen"). */
static int
s_keygen(int argc, char **argv)
{
    enum { K_NAME = 1, K_KIND };
    static const struct option options[] = {
        {"name", required_argument, NULL, K_NAME},
        {"kind", required_argument, NULL, K_KIND},
        {NULL, 0, NULL, 0},
    };
    const char *meta[5] = {NULL};
    size_t n = 0;
    optind = 0;
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if (opt == K_NAME || opt == K_KIND) {
            meta[n++] = opt == K_NAME ? CURVE_META_NAME : CURVE_META_KIND;
            meta[n++] = optarg;
        }
        else
            return s_usage_error("option '%s' is not valid for keygen", argv[optind - 1]);
        if (n > 4)
            return s_usage_error("keygen takes --name and --kind once each%s", NULL);
    }
    if (argc - optind != 1)
        return s_usage_error("keygen needs FILE%s", NULL);
    const char *file = argv[optind];
    err_t err;
    if (curve_keygen(file, meta, &err) != 0) {
        fprintf(stderr, "p2p-admin: %s\n", err.msg);
        return S_EXIT_FAILED;
    }
    printf("wrote %s (public: give it to the other side) and %s_secret (keep it private)\n", file, file);
    return S_EXIT_OK;
}

/*  A DEALER connected to the endpoint, CURVE client when both files are
    given. NULL (after printing why) on failure. */
static zsock_t *
s_connect(const s_options_t *opts)
{
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    if (!sock) {
        fprintf(stderr, "p2p-admin: cannot create a socket\n");
        return NULL;
    }
    zsock_set_linger(sock, 0);
    err_t err;
    if (curve_both_or_neither(opts->curve_server_key, opts->curve_client_cert, "--curve-server-key",
                              "--curve-client-cert", &err)
            != 0
        || (opts->curve_server_key
            && curve_client_apply(sock, opts->curve_client_cert, opts->curve_server_key,
                                  "--curve-client-cert", "--curve-server-key", &err)
                   != 0)) {
        fprintf(stderr, "p2p-admin: %s\n", err.msg);
        zsock_destroy(&sock);
        return NULL;
    }
    if (zsock_connect(sock, "%s", opts->endpoint) != 0) {
        fprintf(stderr, "p2p-admin: bad endpoint '%s'\n", opts->endpoint);
        zsock_destroy(&sock);
        return NULL;
    }
    return sock;
}

/*  Send req, wait for the reply. Returns the reply (caller frees with
    p2p__admin_reply__free_unpacked) or NULL with *rc set. */
static P2p__AdminReply *
s_call(const s_options_t *opts, const P2p__AdminRequest *req, int *rc)
{
    *rc = S_EXIT_FAILED;
    zsock_t *sock = s_connect(opts);
    if (!sock)
        return NULL;
    size_t len = p2p__admin_request__get_packed_size(req);
    uint8_t *buf = malloc(len ? len : 1);
    p2p__admin_request__pack(req, buf);
    zframe_t *frame = zframe_new(buf, len);
    free(buf);
    P2p__AdminReply *reply = NULL;
    if (zframe_send(&frame, sock, 0) != 0) {
        fprintf(stderr, "p2p-admin: cannot send to %s: %s\n", opts->endpoint, zmq_strerror(errno));
        zframe_destroy(&frame);
    }
    else {
        zmq_pollitem_t item = {.socket = zsock_resolve(sock), .events = ZMQ_POLLIN};
        int ready = zmq_poll(&item, 1, opts->timeout_ms);
        zframe_t *answer = ready > 0 ? zframe_recv(sock) : NULL;
        if (!answer) {
            fprintf(stderr, "p2p-admin: no reply from %s within %d ms (is p2p-admin-svc running there%s?)\n",
                    opts->endpoint, opts->timeout_ms,
                    opts->curve_server_key ? ", and does it accept this certificate" : "");
            *rc = S_EXIT_NO_REPLY;
        }
        else if (!(reply = p2p__admin_reply__unpack(NULL, zframe_size(answer), zframe_data(answer)))) {
            fprintf(stderr, "p2p-admin: malformed reply from %s\n", opts->endpoint);
        }
        zframe_destroy(&answer);
    }
    zsock_destroy(&sock);
    return reply;
}

int
main(int argc, char **argv)
{
    zsys_handler_set(NULL); /* a CLI: Ctrl-C simply ends it */
    const char *user = getenv("P2P_ADMIN_OPERATOR");
    if (!user || !*user)
        user = getenv("USER");
    const char *endpoint = getenv("P2P_ADMIN_ENDPOINT");
    s_options_t opts = {
        .endpoint = endpoint && *endpoint ? endpoint : ADMIN_API_DEFAULT_BIND,
        .operator_name = user && *user ? user : "unknown",
        .timeout_ms = S_DEFAULT_TIMEOUT_MS,
    };
    static const struct option options[] = {
        S_GLOBAL_OPTIONS, {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
    opterr = 0;
    int opt;
    /* "+": stop at the command word; what follows is parsed with its options */
    while ((opt = getopt_long(argc, argv, "+hV", options, NULL)) != -1) {
        if (opt == 'h') {
            fputs(s_usage, stdout);
            return S_EXIT_OK;
        }
        if (opt == 'V') {
            printf("p2p-admin %s\n", cli_version());
            return S_EXIT_OK;
        }
        int global = s_global_option(opt, optarg, &opts);
        if (global > 1)
            return S_EXIT_USAGE;
        if (global == 0)
            return s_usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
    }
    if (optind >= argc)
        return s_usage_error("a command is required%s", NULL);
    if (strcmp(argv[optind], "keygen") == 0)
        return s_keygen(argc - optind, argv + optind);

    P2p__AdminRequest req = P2P__ADMIN_REQUEST__INIT;
    int rc = s_parse_command(argc - optind, argv + optind, &req, &opts);
    if (rc != 0)
        return rc;
    /* a claim: the server decides what the audit log records */
    req.operator_ = (char *) opts.operator_name;

    P2p__AdminReply *reply = s_call(&opts, &req, &rc);
    if (!reply)
        return rc;
    rc = s_print(reply, &req, opts.json);
    p2p__admin_reply__free_unpacked(reply, NULL);
    return rc;
}
