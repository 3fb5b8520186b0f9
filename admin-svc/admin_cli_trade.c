/*  admin_cli_trade.c - the trading verbs as a table (see admin_cli_trade.h). */
#include "admin_cli_trade.h"

#include <getopt.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "int_text.h"

#define S_MAX_ARGS 3
#define S_MAX_OPTIONS 4
#define S_MAX_COLUMNS 12

/*  --option -> the call's field. */
typedef struct {
    const char *option;
    const char *field;
} s_option_t;

typedef struct {
    const char *words[2];              /* "credit"; "payment-method", "add" */
    const char *call;                  /* TradeAdminRequest's oneof member */
    const char *args[S_MAX_ARGS];      /* fields filled by the positional arguments, in order */
    const char *arg_names[S_MAX_ARGS]; /* how usage and errors name them */
    s_option_t options[S_MAX_OPTIONS]; /* what the verb's options fill */
    bool required[S_MAX_OPTIONS];      /* options[i] must be given */
    const char *fixed[2];              /* a field and its value (text) the verb itself sets */
    const char *done;                  /* said to people on success */
    const char *again; /* said instead when the reply is 200 where a first application is 201 */
    const char *columns[S_MAX_COLUMNS]; /* a list's columns for people; none: every key */
} s_verb_t;

// clang-format off
static const s_verb_t s_verbs[] = {
    {.words = {"credit"}, .call = "wallet_credit",
     .args = {"profile_id"}, .arg_names = {"PROFILE_ID"},
     .options = {{"asset", "asset"}, {"amount", "amount"}, {"reference", "reference"}},
     .required = {true, true, true},
     .done = "Credited.",
     .again = "Already applied: this reference was credited before, so nothing changed. The original entry:"},
    {.words = {"debit"}, .call = "wallet_debit",
     .args = {"profile_id"}, .arg_names = {"PROFILE_ID"},
     .options = {{"asset", "asset"}, {"amount", "amount"}, {"reference", "reference"}},
     .required = {true, true, true},
     .done = "Debited.",
     .again = "Already applied: this reference was debited before, so nothing changed. The original entry:"},
    {.words = {"ledger"}, .call = "ledger",
     .options = {{"profile", "profile_id"}, {"asset", "asset"}, {"limit", "limit"}, {"before", "before_id"}},
     .columns = {"id", "created_at", "profile_id", "asset", "kind", "amount", "available_after", "held_after",
                 "order_id", "reference", "actor"}},
    {.words = {"price"}, .call = "price_set",
     .args = {"asset", "fiat", "price"}, .arg_names = {"ASSET", "FIAT", "PRICE"},
     .done = "Price set."},
    {.words = {"payment-method", "add"}, .call = "payment_method_create",
     .args = {"code", "name", "kind"}, .arg_names = {"CODE", "NAME", "KIND"},
     .done = "Payment method added."},
    {.words = {"payment-method", "activate"}, .call = "payment_method_update",
     .args = {"id"}, .arg_names = {"ID"}, .fixed = {"active", "true"},
     .done = "Payment method active: users can choose it."},
    {.words = {"payment-method", "deactivate"}, .call = "payment_method_update",
     .args = {"id"}, .arg_names = {"ID"}, .fixed = {"active", "false"},
     .done = "Payment method inactive: no longer offered (accounts and orders that use it keep it)."},
    {.words = {"dispute", "list"}, .call = "dispute_list",
     .options = {{"status", "status"}, {"limit", "limit"}, {"offset", "offset"}},
     .columns = {"id", "created_at", "order_id", "raised_by", "reason", "status", "outcome", "resolved_by",
                 "respond_by"}},
    {.words = {"dispute", "show"}, .call = "dispute_get",
     .args = {"id"}, .arg_names = {"DISPUTE_ID"},
     .columns = {"id", "created_at", "sender", "sender_id", "text", "attachment"}},
    {.words = {"dispute", "message"}, .call = "dispute_message",
     .args = {"id", "text"}, .arg_names = {"DISPUTE_ID", "TEXT"},
     .done = "Posted into the order's chat as admin: both parties see it."},
    {.words = {"dispute", "resolve"}, .call = "dispute_resolve",
     .args = {"id", "outcome"}, .arg_names = {"DISPUTE_ID", "release|refund"},
     .options = {{"note", "note"}}, .required = {true},
     .done = "Resolved: the escrow moved, the order is closed, both parties are notified."},
    {.words = {"review", "hide"}, .call = "review_hide",
     .args = {"id"}, .arg_names = {"REVIEW_ID"},
     .options = {{"reason", "reason"}}, .required = {true},
     .done = "Review hidden: it has left the list and the average."},
    {.words = {"review", "unhide"}, .call = "review_unhide",
     .args = {"id"}, .arg_names = {"REVIEW_ID"},
     .options = {{"reason", "reason"}},
     .done = "Review shown again: it counts in the list and the average."},
    {.words = {"order", "list"}, .call = "order_list",
     .options = {{"status", "status"}, {"profile", "profile_id"}, {"limit", "limit"}, {"offset", "offset"}},
     .columns = {"id", "created_at", "reference", "status", "type", "asset", "crypto_amount", "fiat",
                 "fiat_amount", "price"}},
    {.words = {"order", "show"}, .call = "order_get",
     .args = {"id"}, .arg_names = {"ORDER_ID"},
     .columns = {"id", "created_at", "sender", "sender_id", "text", "attachment"}},
};
// clang-format on

#define S_VERB_COUNT (sizeof s_verbs / sizeof s_verbs[0])

bool
admin_cli_trade_is_verb(const char *word)
{
    for (size_t i = 0; i < S_VERB_COUNT; i++)
        if (strcmp(word, s_verbs[i].words[0]) == 0)
            return true;
    return false;
}

/*  The verb argv names (one or two words); *used: how many words. NULL
    after printing why. */
static const s_verb_t *
s_find(int argc, char **argv, int *used)
{
    bool two_words = false;
    for (size_t i = 0; i < S_VERB_COUNT; i++) {
        const s_verb_t *verb = &s_verbs[i];
        if (strcmp(argv[0], verb->words[0]) != 0)
            continue;
        if (!verb->words[1]) {
            *used = 1;
            return verb;
        }
        two_words = true;
        if (argc > 1 && strcmp(argv[1], verb->words[1]) == 0) {
            *used = 2;
            return verb;
        }
    }
    if (!two_words) {
        admin_cli_usage_error("unknown command '%s'", argv[0]);
        return NULL;
    }
    char choices[128] = "";
    for (size_t i = 0; i < S_VERB_COUNT; i++)
        if (strcmp(argv[0], s_verbs[i].words[0]) == 0 && s_verbs[i].words[1])
            snprintf(choices + strlen(choices), sizeof choices - strlen(choices), "%s%s", *choices ? "|" : "",
                     s_verbs[i].words[1]);
    char why[192];
    snprintf(why, sizeof why, "'%s' needs one of %s", argv[0], choices);
    admin_cli_usage_error("%s", why);
    return NULL;
}

/*  Append the comma-separated items of text to message's repeated string
    field (as REST's query takes "status=PAID,DISPUTED"); the option may also
    be repeated. 0, or -1 after printing why. */
static int
s_append_strings(ProtobufCMessage *message, const ProtobufCFieldDescriptor *field, const char *text,
                 const char *what)
{
    if (field->type != PROTOBUF_C_TYPE_STRING) {
        fprintf(stderr, "p2p-admin: field '%s' has a type the command line cannot fill\n", field->name);
        return -1;
    }
    size_t *count = (size_t *) ((char *) message + field->quantifier_offset);
    char ***items = (char ***) ((char *) message + field->offset);
    const char *p = text;
    do {
        size_t len = strcspn(p, ",");
        if (len == 0) {
            fprintf(stderr, "p2p-admin: %s must be one or more comma-separated values, not '%s'\n", what,
                    text);
            return -1;
        }
        char **grown = realloc(*items, (*count + 1) * sizeof **items);
        if (!grown)
            return -1;
        *items = grown;
        if (!(grown[*count] = strndup(p, len)))
            return -1;
        (*count)++;
        p += len;
    } while (*p++ == ',');
    return 0;
}

/*  Set message's field from command-line text, converted by the field's
    type; what names the argument in errors. 0, or -1 after printing why. */
static int
s_set_field(ProtobufCMessage *message, const char *name, const char *text, const char *what)
{
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(message->descriptor, name);
    if (!field) {
        fprintf(stderr, "p2p-admin: %s has no field '%s' (a bug in the verb table)\n",
                message->descriptor->name, name);
        return -1;
    }
    void *member = (char *) message + field->offset;
    if (field->label == PROTOBUF_C_LABEL_REPEATED)
        return s_append_strings(message, field, text, what);
    int64_t n;
    bool b;
    switch (field->type) {
    case PROTOBUF_C_TYPE_INT32:
        if (admin_cli_int_arg(text, what, INT32_MIN, INT32_MAX, &n) != 0)
            return -1;
        *(int32_t *) member = (int32_t) n;
        break;
    case PROTOBUF_C_TYPE_INT64:
        if (admin_cli_int_arg(text, what, INT64_MIN, INT64_MAX, &n) != 0)
            return -1;
        *(int64_t *) member = n;
        break;
    case PROTOBUF_C_TYPE_BOOL:
        if (admin_cli_on_off(text, &b) != 0) {
            fprintf(stderr, "p2p-admin: %s must be on or off, not '%s'\n", what, text);
            return -1;
        }
        *(protobuf_c_boolean *) member = b;
        break;
    case PROTOBUF_C_TYPE_STRING: {
        char *copy = strdup(text);
        if (!copy)
            return -1;
        free(*(char **) member);
        *(char **) member = copy;
        return 0; /* strings have no has_ flag */
    }
    default:
        fprintf(stderr, "p2p-admin: field '%s' has a type the command line cannot fill\n", name);
        return -1;
    }
    *(protobuf_c_boolean *) ((char *) message + field->quantifier_offset) = 1;
    return 0;
}

/*  A new request whose oneof holds a new, empty message of verb's call.
    *call_out: that message (owned by the request). NULL when out of memory. */
static P2p__TradeAdminRequest *
s_new_request(const s_verb_t *verb, ProtobufCMessage **call_out)
{
    const ProtobufCFieldDescriptor *field =
        protobuf_c_message_descriptor_get_field_by_name(&p2p__trade_admin_request__descriptor, verb->call);
    P2p__TradeAdminRequest *req = malloc(sizeof *req);
    if (!field || !req) {
        free(req);
        return NULL;
    }
    p2p__trade_admin_request__init(req);
    const ProtobufCMessageDescriptor *desc = field->descriptor;
    ProtobufCMessage *call = malloc(desc->sizeof_message);
    if (!call) {
        free(req);
        return NULL;
    }
    protobuf_c_message_init(desc, call);
    /* the oneof: its member, and its case (the member's field number) */
    *(ProtobufCMessage **) ((char *) req + field->offset) = call;
    *(uint32_t *) ((char *) req + field->quantifier_offset) = field->id;
    *call_out = call;
    return req;
}

/*  admin_cli_trade_parse, and which verb it was (*verb_out). */
static int
s_parse(int argc, char **argv, admin_cli_options_t *opts, P2p__TradeAdminRequest **req_out,
        const s_verb_t **verb_out)
{
    *req_out = NULL;
    int used;
    const s_verb_t *verb = s_find(argc, argv, &used);
    if (!verb)
        return ADMIN_CLI_EXIT_USAGE;
    *verb_out = verb;
    char name[64];
    snprintf(name, sizeof name, "%s%s%s", verb->words[0], verb->words[1] ? " " : "",
             verb->words[1] ? verb->words[1] : "");

    struct option options[S_MAX_OPTIONS + 16] = {{0}};
    static const struct option globals[] = {ADMIN_CLI_GLOBAL_OPTIONS};
    size_t n_options = 0;
    for (int i = 0; i < S_MAX_OPTIONS && verb->options[i].option; i++)
        options[n_options++] =
            (struct option){verb->options[i].option, required_argument, NULL, ADMIN_CLI_OPTION_FIRST + i};
    for (size_t i = 0; i < sizeof globals / sizeof globals[0]; i++)
        options[n_options++] = globals[i];

    ProtobufCMessage *call = NULL;
    P2p__TradeAdminRequest *req = s_new_request(verb, &call);
    if (!req) {
        fprintf(stderr, "p2p-admin: out of memory\n");
        return ADMIN_CLI_EXIT_USAGE;
    }
    bool given[S_MAX_OPTIONS] = {false};
    int rc = ADMIN_CLI_EXIT_USAGE;
    /* the verb's words are argv[0..used-1]: getopt starts after them */
    int sub_argc = argc - (used - 1);
    char **sub_argv = argv + (used - 1);
    optind = 0; /* GNU: restart, and let options follow positionals */
    opterr = 0;
    int opt;
    while ((opt = getopt_long(sub_argc, sub_argv, "h", options, NULL)) != -1) {
        if (opt == 'h') {
            admin_cli_print_usage();
            exit(ADMIN_CLI_EXIT_OK);
        }
        int global = admin_cli_global_option(opt, optarg, opts);
        if (global > 1)
            goto done;
        if (global == 1)
            continue;
        int k = opt - ADMIN_CLI_OPTION_FIRST;
        if (opt == '?' || opt == ':' || k < 0 || k >= S_MAX_OPTIONS || !verb->options[k].option) {
            admin_cli_usage_error("option '%s' is not valid here", sub_argv[optind - 1]);
            goto done;
        }
        char what[64];
        snprintf(what, sizeof what, "--%s", verb->options[k].option);
        if (s_set_field(call, verb->options[k].field, optarg, what) != 0)
            goto done;
        given[k] = true;
    }
    int expected = 0;
    while (expected < S_MAX_ARGS && verb->args[expected])
        expected++;
    if (sub_argc - optind != expected) {
        char why[160];
        snprintf(why, sizeof why, "'%s' takes %s", name, expected ? "the arguments" : "no arguments");
        for (int i = 0; i < expected; i++)
            snprintf(why + strlen(why), sizeof why - strlen(why), " %s", verb->arg_names[i]);
        admin_cli_usage_error("%s", why);
        goto done;
    }
    for (int i = 0; i < expected; i++)
        if (s_set_field(call, verb->args[i], sub_argv[optind + i], verb->arg_names[i]) != 0)
            goto done;
    for (int k = 0; k < S_MAX_OPTIONS && verb->options[k].option; k++)
        if (verb->required[k] && !given[k]) {
            char why[128];
            snprintf(why, sizeof why, "'%s' needs --%s", name, verb->options[k].option);
            admin_cli_usage_error("%s", why);
            goto done;
        }
    if (verb->fixed[0] && s_set_field(call, verb->fixed[0], verb->fixed[1], verb->fixed[0]) != 0)
        goto done;
    /* a claim: the server decides what the audit log records */
    if (!(req->operator_ = strdup(opts->operator_name)))
        goto done;
    *req_out = req;
    req = NULL;
    rc = 0;
done:
    if (req)
        p2p__trade_admin_request__free_unpacked(req, NULL);
    return rc;
}

int
admin_cli_trade_parse(int argc, char **argv, admin_cli_options_t *opts, P2p__TradeAdminRequest **req_out)
{
    const s_verb_t *verb;
    return s_parse(argc, argv, opts, req_out, &verb);
}

/* ------------------------------------------------------------------ output */

/*  A list for people: the verb's columns, else every key of its first row. */
static void
s_print_list(const s_verb_t *verb, const char *key, const json_t *rows)
{
    if (json_array_size(rows) == 0) {
        printf("(no %s)\n", key);
        return;
    }
    const char *keys[16], *headers[16];
    char upper[16][32];
    int n = 0;
    if (verb->columns[0]) {
        while (n < S_MAX_COLUMNS && verb->columns[n]) {
            keys[n] = verb->columns[n];
            n++;
        }
    }
    else {
        const char *k;
        const json_t *v;
        json_object_foreach(json_array_get(rows, 0), k, v) if (n < 16) keys[n++] = k;
    }
    for (int c = 0; c < n; c++) {
        snprintf(upper[c], sizeof upper[c], "%s", keys[c]);
        for (char *p = upper[c]; *p; p++)
            if (*p >= 'a' && *p <= 'z')
                *p = (char) (*p - 'a' + 'A');
        headers[c] = upper[c];
    }
    admin_cli_table(rows, keys, headers, n);
}

/*  The data for people: lists as tables, objects as records, the rest as
    "key  value"; has_more points at the next page. */
static void
s_print_data(const s_verb_t *verb, const json_t *data)
{
    const char *key;
    const json_t *value;
    const json_t *last_list = NULL;
    json_object_foreach((json_t *) data, key, value)
    {
        if (json_is_array(value)) {
            s_print_list(verb, key, value);
            last_list = value;
        }
        else if (json_is_object(value)) {
            printf("%s\n", key);
            admin_cli_record(value);
            printf("\n");
        }
        else if (strcmp(key, "has_more") == 0) {
            const json_t *last = json_array_get(last_list, json_array_size(last_list) - 1);
            if (json_is_true(value) && json_is_integer(json_object_get(last, "id")))
                printf("(more: --before %lld)\n",
                       (long long) json_integer_value(json_object_get(last, "id")));
        }
        else {
            char *text = json_dumps(value, JSON_ENCODE_ANY);
            printf("%s  %s\n", key, text ? text : "?");
            free(text);
        }
    }
}

/*  Print reply; returns the exit status. */
static int
s_print(const s_verb_t *verb, const P2p__TradeAdminReply *reply, bool as_json)
{
    bool ok = reply->has_status && reply->status >= 200 && reply->status < 300;
    if (!ok) {
        if (as_json) {
            json_t *doc =
                json_pack("{s:b,s:s,s:s,s:i}", "success", 0, "error", reply->error ? reply->error : "",
                          "code", reply->code ? reply->code : "", "status", reply->status);
            admin_cli_print_json(doc);
            json_decref(doc);
        }
        else {
            admin_cli_print_error(reply->error, reply->code, reply->status);
        }
        return ADMIN_CLI_EXIT_FAILED;
    }
    json_t *data = reply->data_json ? json_loads(reply->data_json, 0, NULL) : NULL;
    if (!data)
        data = json_object();
    if (as_json) {
        /* exactly the REST envelope */
        json_t *doc = json_pack("{s:b,s:O}", "success", 1, "data", data);
        if (reply->message)
            json_object_set_new(doc, "message", json_string(reply->message));
        admin_cli_print_json(doc);
        json_decref(doc);
    }
    else {
        const char *said = verb->again && reply->status == 200 ? verb->again : verb->done;
        if (reply->message)
            printf("%s\n\n", reply->message);
        else if (said)
            printf("%s\n\n", said);
        s_print_data(verb, data);
    }
    json_decref(data);
    return ADMIN_CLI_EXIT_OK;
}

int
admin_cli_trade_run(int argc, char **argv, admin_cli_options_t *opts)
{
    P2p__TradeAdminRequest *req = NULL;
    const s_verb_t *verb = NULL;
    int rc = s_parse(argc, argv, opts, &req, &verb);
    if (rc != 0)
        return rc;
    size_t len = p2p__trade_admin_request__get_packed_size(req);
    uint8_t *buf = malloc(len ? len : 1);
    uint8_t *answer = NULL;
    size_t answer_len = 0;
    rc = ADMIN_CLI_EXIT_FAILED;
    if (buf) {
        p2p__trade_admin_request__pack(req, buf);
        answer = admin_cli_call(opts, opts->trade_endpoint, "p2p-trade-svc", buf, len, &answer_len, &rc);
    }
    free(buf);
    p2p__trade_admin_request__free_unpacked(req, NULL);
    if (!answer)
        return rc;
    P2p__TradeAdminReply *reply = p2p__trade_admin_reply__unpack(NULL, answer_len, answer);
    free(answer);
    if (!reply) {
        fprintf(stderr, "p2p-admin: malformed reply from %s\n", opts->trade_endpoint);
        return ADMIN_CLI_EXIT_FAILED;
    }
    rc = s_print(verb, reply, opts->json);
    p2p__trade_admin_reply__free_unpacked(reply, NULL);
    return rc;
}
