/*  p2p_admin.c - p2p-admin, the operator's command-line tool: the profile
    verbs over admin-svc's operator API (proto/admin.proto over ZeroMQ,
    straight to p2p-admin-svc), the trading verbs over trade-svc's
    (admin_cli_trade.h), keygen; aligned tables for people, --json for
    scripts. What the verbs share (options, output, transport) is
    admin_cli.h.

    Usage: p2p-admin [OPTIONS] COMMAND [ARGS]   (p2p-admin --help)
    Exit: 0 success, 1 the operation failed (the error is printed), 2 usage,
          3 no reply (the service not reachable, or CURVE keys refused). */
#include <czmq.h>
#include <getopt.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "admin.pb-c.h"
#include "admin_cli.h"
#include "admin_cli_trade.h"
#include "admin_validate.h"
#include "cli.h"
#include "curve.h"
#include "proto_json.h"

/* ------------------------------------------------------------------ command line */

enum {
    O_SEARCH = ADMIN_CLI_OPTION_FIRST,
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
    Returns 0, or ADMIN_CLI_EXIT_USAGE after printing why. */
static int
s_parse_command(int argc, char **argv, P2p__AdminRequest *req, admin_cli_options_t *opts)
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
        ADMIN_CLI_GLOBAL_OPTIONS,
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
        return admin_cli_usage_error("unknown command '%s'", argv[0]);

    optind = 0; /* GNU: restart, and let options follow positionals */
    opterr = 0;
    int opt;
    int64_t n;
    while ((opt = getopt_long(argc, argv, "h", options, NULL)) != -1) {
        if (opt == 'h') {
            admin_cli_print_usage();
            exit(ADMIN_CLI_EXIT_OK);
        }
        int global = admin_cli_global_option(opt, optarg, opts);
        if (global > 1)
            return ADMIN_CLI_EXIT_USAGE;
        if (global == 1)
            continue;
        bool ok = false;
        for (size_t i = 0; i < sizeof allowed / sizeof allowed[0]; i++)
            if (allowed[i].action == req->action)
                for (int k = 0; k < 12 && allowed[i].allowed[k]; k++)
                    ok = ok || allowed[i].allowed[k] == opt;
        if (opt == '?' || opt == ':' || !ok)
            return admin_cli_usage_error("option '%s' is not valid here", argv[optind - 1]);
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
            if (admin_cli_int_arg(optarg, "--limit", 1, ADMIN_MAX_LIMIT, &n) != 0)
                return ADMIN_CLI_EXIT_USAGE;
            req->has_limit = 1;
            req->limit = (int32_t) n;
            break;
        case O_OFFSET:
            if (admin_cli_int_arg(optarg, "--offset", 0, ADMIN_MAX_OFFSET, &n) != 0)
                return ADMIN_CLI_EXIT_USAGE;
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
            if (admin_cli_int_arg(optarg, "--profile", 1, INT64_MAX, &n) != 0)
                return ADMIN_CLI_EXIT_USAGE;
            req->has_profile_id = 1;
            req->profile_id = n;
            break;
        }
    }
    int left = argc - optind;
    if (left != positionals)
        return admin_cli_usage_error(positionals == 0   ? "'%s' takes no arguments besides options"
                                     : positionals == 1 ? "'%s' needs a profile ID"
                                                        : "'%s' needs a profile ID and on|off",
                                     argv[0]);
    if (positionals >= 1) {
        if (admin_cli_int_arg(argv[optind], "profile ID", 1, INT64_MAX, &n) != 0)
            return ADMIN_CLI_EXIT_USAGE;
        req->has_profile_id = 1;
        req->profile_id = n;
    }
    if (positionals == 2) {
        bool flag;
        if (admin_cli_on_off(argv[optind + 1], &flag) != 0)
            return admin_cli_usage_error("expected on or off, not '%s'", argv[optind + 1]);
        req->has_flag = 1;
        req->flag = flag;
    }
    if (req->action == P2P__ADMIN_ACTION__SUSPEND && !req->reason)
        return admin_cli_usage_error("suspend needs --reason%s", NULL);
    return 0;
}

/* ------------------------------------------------------------------ output */

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
            json_array_append_new(entries, proto_json_from_message(&reply->entries[i]->base));
        json_object_set_new(data, "entries", entries);
        json_object_set_new(data, "total", json_integer(reply->total));
    }
    else if (action == P2P__ADMIN_ACTION__LIST) {
        json_t *profiles = json_array();
        for (size_t i = 0; i < reply->n_profiles; i++)
            json_array_append_new(profiles, proto_json_from_message(&reply->profiles[i]->base));
        json_object_set_new(data, "profiles", profiles);
        json_object_set_new(data, "total", json_integer(reply->total));
    }
    else if (reply->n_profiles == 1) {
        json_object_set_new(data, "profile", proto_json_from_message(&reply->profiles[0]->base));
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
    int rc = reply->status == 200 ? ADMIN_CLI_EXIT_OK : ADMIN_CLI_EXIT_FAILED;
    if (as_json) {
        admin_cli_print_json(doc);
    }
    else if (rc != ADMIN_CLI_EXIT_OK) {
        admin_cli_print_error(reply->error, reply->code, reply->status);
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
            admin_cli_table(rows, keys, headers, 9);
            admin_cli_page("profiles", json_array_size(rows), req->has_offset ? req->offset : 0,
                           reply->total);
        }
        else if (req->action == P2P__ADMIN_ACTION__AUDIT) {
            static const char *const keys[] = {"id",         "created_at", "admin_user_id", "action",
                                               "profile_id", "target",     "reason",        "change"};
            static const char *const headers[] = {
                "ID", "TIME", "ADMIN", "ACTION", "PROFILE", "TARGET", "REASON", "CHANGE (BEFORE -> AFTER)"};
            const json_t *rows = json_object_get(data, "entries");
            admin_cli_table(rows, keys, headers, 8);
            admin_cli_page("entries", json_array_size(rows), req->has_offset ? req->offset : 0, reply->total);
        }
        else {
            admin_cli_record(json_object_get(data, "profile"));
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
            return admin_cli_usage_error("option '%s' is not valid for keygen", argv[optind - 1]);
        if (n > 4)
            return admin_cli_usage_error("keygen takes --name and --kind once each%s", NULL);
    }
    if (argc - optind != 1)
        return admin_cli_usage_error("keygen needs FILE%s", NULL);
    const char *file = argv[optind];
    err_t err;
    if (curve_keygen(file, meta, &err) != 0) {
        fprintf(stderr, "p2p-admin: %s\n", err.msg);
        return ADMIN_CLI_EXIT_FAILED;
    }
    printf("wrote %s (public: give it to the other side) and %s_secret (keep it private)\n", file, file);
    return ADMIN_CLI_EXIT_OK;
}

/*  Send req to admin-svc, wait for the reply. Returns the reply (caller
    frees with p2p__admin_reply__free_unpacked) or NULL with *rc set. */
static P2p__AdminReply *
s_call(const admin_cli_options_t *opts, const P2p__AdminRequest *req, int *rc)
{
    size_t len = p2p__admin_request__get_packed_size(req);
    uint8_t *buf = malloc(len ? len : 1);
    if (!buf)
        return NULL;
    p2p__admin_request__pack(req, buf);
    size_t reply_len = 0;
    uint8_t *answer = admin_cli_call(opts, opts->endpoint, "p2p-admin-svc", buf, len, &reply_len, rc);
    free(buf);
    if (!answer)
        return NULL;
    P2p__AdminReply *reply = p2p__admin_reply__unpack(NULL, reply_len, answer);
    free(answer);
    if (!reply) {
        fprintf(stderr, "p2p-admin: malformed reply from %s\n", opts->endpoint);
        *rc = ADMIN_CLI_EXIT_FAILED;
    }
    return reply;
}

int
main(int argc, char **argv)
{
    zsys_handler_set(NULL); /* a CLI: Ctrl-C simply ends it */
    admin_cli_options_t opts;
    admin_cli_options_init(&opts);
    static const struct option options[] = {
        ADMIN_CLI_GLOBAL_OPTIONS, {"version", no_argument, NULL, 'V'}, {NULL, 0, NULL, 0}};
    opterr = 0;
    int opt;
    /* "+": stop at the command word; what follows is parsed with its options */
    while ((opt = getopt_long(argc, argv, "+hV", options, NULL)) != -1) {
        if (opt == 'h') {
            admin_cli_print_usage();
            return ADMIN_CLI_EXIT_OK;
        }
        if (opt == 'V') {
            printf("p2p-admin %s\n", cli_version());
            return ADMIN_CLI_EXIT_OK;
        }
        int global = admin_cli_global_option(opt, optarg, &opts);
        if (global > 1)
            return ADMIN_CLI_EXIT_USAGE;
        if (global == 0)
            return admin_cli_usage_error("unknown or incomplete option '%s'", argv[optind - 1]);
    }
    if (optind >= argc)
        return admin_cli_usage_error("a command is required%s", NULL);
    if (strcmp(argv[optind], "keygen") == 0)
        return s_keygen(argc - optind, argv + optind);
    /* the trading verbs go to trade-svc */
    if (admin_cli_trade_is_verb(argv[optind]))
        return admin_cli_trade_run(argc - optind, argv + optind, &opts);

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
