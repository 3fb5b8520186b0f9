/*  admin_cli.c - p2p-admin's shared parts: options, output, transport (see
    admin_cli.h). */
#include "admin_cli.h"

#include <czmq.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "config.h"
#include "curve.h"
#include "err.h"
#include "int_text.h"
#include "utf8.h"

#define S_CELL_MAX 48 /* characters of one table cell before it is cut */
#define S_MAX_COLUMNS 16

static const char s_usage[] =
    "usage: p2p-admin [OPTIONS] COMMAND [ARGS]\n"
    "\n"
    "Profiles (admin-svc's operator API, --endpoint):\n"
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
    "\n"
    "Trading (trade-svc's operator API, --trade-endpoint):\n"
    "  credit PROFILE_ID --asset A --amount N --reference REF\n"
    "                                   deposit into a wallet (custody stands outside the service);\n"
    "                                   a reference applies once: repeating it changes nothing\n"
    "  debit PROFILE_ID --asset A --amount N --reference REF\n"
    "                                   withdraw from a wallet's available balance, once per reference\n"
    "  ledger [--profile ID] [--asset A] [--limit N] [--before ENTRY_ID]\n"
    "                                   every wallet's journal entries, newest first\n"
    "  price ASSET FIAT PRICE           set the index price (FIAT per one ASSET)\n"
    "  payment-method add CODE NAME KIND\n"
    "                                   add a payment method (KIND: bank_transfer, mobile_money,\n"
    "                                   e_wallet, cash, other)\n"
    "  payment-method activate|deactivate ID\n"
    "                                   offer a payment method to users, or stop offering it\n"
    "  dispute list [--status open|resolved] [--limit N] [--offset N]\n"
    "                                   the moderators' queue, open first, oldest first\n"
    "  dispute show DISPUTE_ID          the case file: the dispute and its evidence, the order and\n"
    "                                   its events, the whole chat, both parties (private fields,\n"
    "                                   stats, recent orders)\n"
    "  dispute message DISPUTE_ID TEXT  write into the order's chat as admin\n"
    "  dispute resolve DISPUTE_ID release|refund --note NOTE\n"
    "                                   rule: release the escrow to the buyer, or refund it to the\n"
    "                                   seller; the note is shown to both (a second ruling is 409)\n"
    "  review hide REVIEW_ID --reason R hide a review: it leaves the list and the average\n"
    "  review unhide REVIEW_ID [--reason R]\n"
    "                                   show a hidden review again\n"
    "  order list [--status S[,S]] [--profile ID] [--limit N] [--offset N]\n"
    "                                   every order, newest first (S: PENDING_PAYMENT, PAID, ...)\n"
    "  order show ORDER_ID              one order with its events and chat\n"
    "\n"
    "Keys:\n"
    "  keygen FILE [--name NAME] [--kind KIND]\n"
    "                                   write a CURVE certificate: FILE (public), FILE_secret;\n"
    "                                   NAME: who holds it (the operator APIs record\n"
    "                                   curve:NAME); KIND: the only worker kind it may\n"
    "                                   register as on a gateway (profile, admin, trade)\n"
    "\n"
    "Options:\n"
    "  --endpoint EP        admin-svc's operator API (env P2P_ADMIN_ENDPOINT,\n"
    "                       default %s)\n"
    "  --trade-endpoint EP  trade-svc's operator API (env P2P_TRADE_ENDPOINT,\n"
    "                       default %s)\n"
    "  --json               print one JSON document (the REST API's envelope)\n"
    "  --operator NAME      who is acting (env P2P_ADMIN_OPERATOR, else $USER); the server\n"
    "                       records cli:NAME, or under CURVE curve:<name in your certificate>\n"
    "  --timeout MS         wait this long for a reply (default 5000)\n"
    "  --curve-server-key FILE   the public certificate of the server the command goes to\n"
    "                            (enables CURVE)\n"
    "  --curve-client-cert FILE  this operator's certificate (its FILE_secret is read)\n"
    "  -h, --help           this text\n"
    "  -V, --version        the version\n"
    "\n"
    "Exit status: 0 success, 1 the operation failed, 2 usage error, 3 no reply.\n";

void
admin_cli_options_init(admin_cli_options_t *opts)
{
    const char *user = getenv("P2P_ADMIN_OPERATOR");
    if (!user || !*user)
        user = getenv("USER");
    const char *endpoint = getenv("P2P_ADMIN_ENDPOINT");
    const char *trade = getenv("P2P_TRADE_ENDPOINT");
    *opts = (admin_cli_options_t){
        /* where the servers listen unless told otherwise */
        .endpoint = endpoint && *endpoint ? endpoint : config_default("P2P_ADMIN_API_BIND"),
        .trade_endpoint = trade && *trade ? trade : config_default("P2P_TRADE_API_BIND"),
        .operator_name = user && *user ? user : "unknown",
        .timeout_ms = ADMIN_CLI_DEFAULT_TIMEOUT_MS,
    };
}

void
admin_cli_print_usage(void)
{
    printf(s_usage, config_default("P2P_ADMIN_API_BIND"), config_default("P2P_TRADE_API_BIND"));
}

int
admin_cli_usage_error(const char *fmt, const char *arg)
{
    fprintf(stderr, "p2p-admin: ");
    fprintf(stderr, fmt, arg ? arg : "");
    fprintf(stderr, "\nTry 'p2p-admin --help'.\n");
    return ADMIN_CLI_EXIT_USAGE;
}

int
admin_cli_int_arg(const char *text, const char *what, int64_t min, int64_t max, int64_t *value)
{
    if (int_text_parse_range(text, min, max, value) != 0) {
        fprintf(stderr, "p2p-admin: %s must be an integer between %lld and %lld, not '%s'\n", what,
                (long long) min, (long long) max, text);
        return -1;
    }
    return 0;
}

int
admin_cli_on_off(const char *text, bool *value)
{
    if (text && (strcmp(text, "on") == 0 || strcmp(text, "true") == 0 || strcmp(text, "yes") == 0))
        *value = true;
    else if (text && (strcmp(text, "off") == 0 || strcmp(text, "false") == 0 || strcmp(text, "no") == 0))
        *value = false;
    else
        return -1;
    return 0;
}

int
admin_cli_global_option(int opt, const char *arg, admin_cli_options_t *opts)
{
    int64_t n;
    switch (opt) {
    case ADMIN_CLI_G_ENDPOINT:
        opts->endpoint = arg;
        return 1;
    case ADMIN_CLI_G_TRADE_ENDPOINT:
        opts->trade_endpoint = arg;
        return 1;
    case ADMIN_CLI_G_JSON:
        opts->json = true;
        return 1;
    case ADMIN_CLI_G_OPERATOR:
        opts->operator_name = arg;
        return 1;
    case ADMIN_CLI_G_TIMEOUT:
        if (admin_cli_int_arg(arg, "--timeout", 1, 3600000, &n) != 0)
            return ADMIN_CLI_EXIT_USAGE + 100;
        opts->timeout_ms = (int) n;
        return 1;
    case ADMIN_CLI_G_SERVER_KEY:
        opts->curve_server_key = arg;
        return 1;
    case ADMIN_CLI_G_CLIENT_CERT:
        opts->curve_client_cert = arg;
        return 1;
    default:
        return 0;
    }
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

void
admin_cli_table(const json_t *rows, const char *const *keys, const char *const *headers, int ncols)
{
    if (ncols > S_MAX_COLUMNS)
        ncols = S_MAX_COLUMNS;
    size_t nrows = json_array_size(rows);
    char ***cells = calloc(nrows ? nrows : 1, sizeof *cells);
    if (!cells)
        return;
    int widths[S_MAX_COLUMNS] = {0};
    for (int c = 0; c < ncols; c++)
        widths[c] = s_width(headers[c]);
    for (size_t r = 0; r < nrows; r++) {
        cells[r] = calloc((size_t) ncols, sizeof **cells);
        const json_t *row = json_array_get(rows, r);
        for (int c = 0; c < ncols && cells[r]; c++) {
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
                s_cut(buf, S_CELL_MAX);
            }
            cells[r][c] = strdup(buf);
            if (cells[r][c] && s_width(buf) > widths[c])
                widths[c] = s_width(buf);
        }
    }
    for (int c = 0; c < ncols; c++)
        printf("%s%-*s", c ? "  " : "", c == ncols - 1 ? 0 : widths[c], headers[c]);
    printf("\n");
    for (size_t r = 0; r < nrows; r++) {
        for (int c = 0; c < ncols && cells[r]; c++) {
            const char *cell = cells[r][c] ? cells[r][c] : "?";
            /* printf pads by bytes; pad by characters so UTF-8 stays aligned */
            int pad = c == ncols - 1 ? 0 : widths[c] - s_width(cell);
            printf("%s%s%*s", c ? "  " : "", cell, pad, "");
            free(cells[r][c]);
        }
        printf("\n");
        free(cells[r]);
    }
    free(cells);
}

void
admin_cli_record(const json_t *object)
{
    const char *key;
    const json_t *value;
    int width = 0;
    json_object_foreach((json_t *) object, key, value) if (s_width(key) > width) width = s_width(key);
    json_object_foreach((json_t *) object, key, value)
    {
        char buf[2048];
        printf("%-*s  %s\n", width, key, s_cell(value, buf, sizeof buf));
    }
}

void
admin_cli_page(const char *what, size_t shown, int64_t offset, int64_t total)
{
    if (shown == 0)
        printf("(no %s; %lld in total)\n", what, (long long) total);
    else
        printf("(%s %lld-%lld of %lld)\n", what, (long long) offset + 1,
               (long long) offset + (long long) shown, (long long) total);
}

void
admin_cli_print_json(const json_t *doc)
{
    char *text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(15));
    printf("%s\n", text ? text : "{}");
    free(text);
}

void
admin_cli_print_error(const char *error, const char *code, int status)
{
    fprintf(stderr, "p2p-admin: error: %s (%s, status %d)\n", error ? error : "failed", code ? code : "?",
            status);
}

/* ------------------------------------------------------------------ transport */

/*  A DEALER connected to endpoint, CURVE client when both files are given.
    NULL (after printing why) on failure. */
static zsock_t *
s_connect(const admin_cli_options_t *opts, const char *endpoint)
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
    if (zsock_connect(sock, "%s", endpoint) != 0) {
        fprintf(stderr, "p2p-admin: bad endpoint '%s'\n", endpoint);
        zsock_destroy(&sock);
        return NULL;
    }
    return sock;
}

uint8_t *
admin_cli_call(const admin_cli_options_t *opts, const char *endpoint, const char *what,
               const uint8_t *request, size_t len, size_t *reply_len, int *rc)
{
    *rc = ADMIN_CLI_EXIT_FAILED;
    zsock_t *sock = s_connect(opts, endpoint);
    if (!sock)
        return NULL;
    uint8_t *reply = NULL;
    int64_t deadline = clock_mono_ms() + opts->timeout_ms;
    /* --timeout bounds the send too: once a refused handshake (a plain
       client at a CURVE server) has dropped the connection, a DEALER has
       nowhere to queue and a blocking send would wait for ever */
    zsock_set_sndtimeo(sock, opts->timeout_ms);
    zframe_t *frame = zframe_new(request, len);
    bool sent = frame && zframe_send(&frame, sock, 0) == 0;
    if (!sent && errno != EAGAIN) {
        fprintf(stderr, "p2p-admin: cannot send to %s: %s\n", endpoint, zmq_strerror(errno));
        zframe_destroy(&frame);
        goto done;
    }
    zframe_destroy(&frame);
    zmq_pollitem_t item = {.socket = zsock_resolve(sock), .events = ZMQ_POLLIN};
    int64_t left = deadline - clock_mono_ms();
    zframe_t *answer = sent && zmq_poll(&item, 1, left > 0 ? (long) left : 0) > 0 ? zframe_recv(sock) : NULL;
    if (!answer) {
        fprintf(stderr, "p2p-admin: no reply from %s within %d ms (is %s running there%s?)\n", endpoint,
                opts->timeout_ms, what,
                opts->curve_server_key ? ", and does it accept this certificate" : "");
        *rc = ADMIN_CLI_EXIT_NO_REPLY;
        goto done;
    }
    *reply_len = zframe_size(answer);
    reply = malloc(*reply_len ? *reply_len : 1);
    if (reply)
        memcpy(reply, zframe_data(answer), *reply_len);
    else
        fprintf(stderr, "p2p-admin: out of memory\n");
    zframe_destroy(&answer);
done:
    zsock_destroy(&sock);
    return reply;
}
