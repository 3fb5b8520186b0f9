/*  test_admin_api.c - admin-svc/admin_api.h without a database: requests
    refused before any SQL runs (malformed, unknown action, bad fields), a
    database that is down (503), and who is recorded as acting when a
    request comes over the socket (the socket itself: test_operator_api.c). */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <string.h>

#include "admin_api.h"
#include "admin_repo.h"
#include "curve.h"
#include "log.h"

#include <sys/stat.h>

static P2p__AdminReply *
s_call(admin_app_t *app, const P2p__AdminRequest *req)
{
    size_t len = p2p__admin_request__get_packed_size(req);
    uint8_t *buf = malloc(len + 1);
    p2p__admin_request__pack(req, buf);
    size_t reply_len;
    operator_api_peer_t peer = {0};
    uint8_t *out = admin_api_handle(app, NULL, &peer, buf, len, &reply_len);
    free(buf);
    cr_assert_not_null(out);
    P2p__AdminReply *reply = p2p__admin_reply__unpack(NULL, reply_len, out);
    free(out);
    cr_assert_not_null(reply);
    return reply;
}

/*  An app whose database cannot be reached (nothing listens on port 1). */
static admin_app_t
s_app(void)
{
    size_t n;
    const db_statement_t *st = admin_repo_statements(&n);
    admin_app_t app = {.db = db_new("postgresql://nobody@127.0.0.1:1/none?connect_timeout=1", st, n)};
    return app;
}

Test(admin_api, malformed_request_is_400)
{
    admin_app_t app = s_app();
    size_t len;
    uint8_t junk[] = {0xff, 0xff, 0xff, 0xff};
    uint8_t *out = admin_api_handle(&app, NULL, NULL, junk, sizeof junk, &len);
    P2p__AdminReply *reply = p2p__admin_reply__unpack(NULL, len, out);
    cr_assert_eq(reply->status, 400);
    cr_assert_str_eq(reply->code, "INVALID_REQUEST");
    p2p__admin_reply__free_unpacked(reply, NULL);
    free(out);
    db_destroy(&app.db);
}

Test(admin_api, refusals_before_sql_name_the_field)
{
    admin_app_t app = s_app();
    static const struct {
        P2p__AdminAction action;
        int has_action;
        const char *op;
        int64_t profile_id;
        const char *reason;
        const char *until;
        int has_flag;
        int32_t limit;
        const char *name;
    } cases[] = {
        {0, 0, "a", 1, NULL, NULL, 0, 0, "action"},
        {P2P__ADMIN_ACTION__SUSPEND, 1, "a", 1, NULL, NULL, 0, 0, "reason"},
        {P2P__ADMIN_ACTION__SUSPEND, 1, NULL, 1, "spam", NULL, 0, 0, "operator"},
        {P2P__ADMIN_ACTION__SUSPEND, 1, "a", 0, "spam", NULL, 0, 0, "id"},
        {P2P__ADMIN_ACTION__SUSPEND, 1, "a", 1, "spam", "2001-01-01T00:00:00Z", 0, 0, "until"},
        {P2P__ADMIN_ACTION__VERIFY, 1, "a", 1, NULL, NULL, 0, 0, "flag"},
        {P2P__ADMIN_ACTION__GET, 1, NULL, 0, NULL, NULL, 0, 0, "id"},
        {P2P__ADMIN_ACTION__LIST, 1, NULL, 0, NULL, NULL, 0, 101, "limit"},
        {P2P__ADMIN_ACTION__AUDIT, 1, NULL, 0, NULL, NULL, 0, -1, "limit"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        P2p__AdminRequest req = P2P__ADMIN_REQUEST__INIT;
        req.has_action = cases[i].has_action;
        req.action = cases[i].action;
        req.operator_ = (char *) cases[i].op;
        req.has_profile_id = 1;
        req.profile_id = cases[i].profile_id;
        req.reason = (char *) cases[i].reason;
        req.until = (char *) cases[i].until;
        req.has_flag = cases[i].has_flag;
        req.has_limit = cases[i].limit != 0;
        req.limit = cases[i].limit;
        P2p__AdminReply *reply = s_call(&app, &req);
        cr_assert_eq(reply->status, 400, "case %zu: status %d (%s)", i, reply->status,
                     reply->error ? reply->error : "");
        cr_assert(strstr(reply->error, cases[i].name), "case %zu: '%s' does not name %s", i, reply->error,
                  cases[i].name);
        p2p__admin_reply__free_unpacked(reply, NULL);
    }
    db_destroy(&app.db);
}

Test(admin_api, database_down_is_503)
{
    admin_app_t app = s_app();
    P2p__AdminRequest req = P2P__ADMIN_REQUEST__INIT;
    req.has_action = 1;
    req.action = P2P__ADMIN_ACTION__SUSPEND;
    req.operator_ = "a";
    req.has_profile_id = 1;
    req.profile_id = 1;
    req.reason = "spam";
    P2p__AdminReply *reply = s_call(&app, &req);
    cr_assert_eq(reply->status, 503, "status %d", reply->status);
    cr_assert_str_eq(reply->code, "DATABASE_UNAVAILABLE");
    p2p__admin_reply__free_unpacked(reply, NULL);
    db_destroy(&app.db);
}

/*  admin-svc's API on a free loopback port. */
static operator_api_t *
s_api_new(const char *secret_file, const char *clients_dir, err_t *err)
{
    operator_api_config_t config = {
        .name = "admin_api",
        .endpoint = "tcp://127.0.0.1:*",
        .curve_secret_file = secret_file,
        .curve_clients_dir = clients_dir,
        .domain = "p2p-admin",
        .bind_key = "P2P_ADMIN_API_BIND",
        .secret_key = "P2P_ADMIN_CURVE_SECRET_FILE",
        .clients_key = "P2P_ADMIN_CURVE_CLIENTS_DIR",
    };
    return operator_api_new(&config, err);
}

/*  Send one VERIFY request claiming "admin1" over a socket to the API and
    serve it; returns the reply's status. stderr (the log) is redirected. */
static int
s_verify_over_socket(operator_api_t *api, zsock_t *client)
{
    P2p__AdminRequest req = P2P__ADMIN_REQUEST__INIT;
    req.has_action = 1;
    req.action = P2P__ADMIN_ACTION__VERIFY;
    req.operator_ = "admin1";
    req.has_profile_id = 1;
    req.profile_id = 1;
    req.has_flag = 1;
    req.flag = 1;
    size_t len = p2p__admin_request__get_packed_size(&req);
    uint8_t *buf = malloc(len);
    p2p__admin_request__pack(&req, buf);
    zframe_t *frame = zframe_new(buf, len);
    free(buf);
    cr_assert_eq(zframe_send(&frame, client, 0), 0);
    zpoller_t *poller = zpoller_new(operator_api_socket(api), NULL);
    cr_assert_eq(zpoller_wait(poller, 5000), operator_api_socket(api), "the request never arrived");
    zpoller_destroy(&poller);
    admin_app_t app = s_app();
    admin_api_on_readable(&app, NULL, operator_api_socket(api));
    db_destroy(&app.db);
    zsock_set_rcvtimeo(client, 5000);
    zframe_t *answer = zframe_recv(client);
    cr_assert_not_null(answer);
    P2p__AdminReply *reply = p2p__admin_reply__unpack(NULL, zframe_size(answer), zframe_data(answer));
    zframe_destroy(&answer);
    int status = reply->status;
    p2p__admin_reply__free_unpacked(reply, NULL);
    return status;
}

static bool
s_stderr_has(const char *text)
{
    fflush(stderr);
    FILE *f = cr_get_redirected_stderr();
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    return strstr(buf, text) != NULL;
}

Test(admin_api, a_curve_client_acts_as_its_certificate_name, .init = cr_redirect_stderr)
{
    log_init("test", "info");
    char dir[] = "/tmp/p2p-admin-actor-XXXXXX", path[400], clients[64];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(clients, sizeof clients, "%s/clients", dir);
    cr_assert_eq(mkdir(clients, 0700), 0);
    err_t err;
    snprintf(path, sizeof path, "%s/server.cert", dir);
    cr_assert_eq(curve_keygen(path, NULL, &err), 0, "%s", err.msg);
    const char *meta[] = {CURVE_META_NAME, "alice", NULL};
    snprintf(path, sizeof path, "%s/alice.cert", clients);
    cr_assert_eq(curve_keygen(path, meta, &err), 0, "%s", err.msg);
    /* the allow-list holds the public half only */
    snprintf(path, sizeof path, "%s/alice.cert_secret", clients);
    char moved[400];
    snprintf(moved, sizeof moved, "%s/alice.cert_secret", dir);
    cr_assert_eq(rename(path, moved), 0);

    snprintf(path, sizeof path, "%s/server.cert_secret", dir);
    operator_api_t *api = s_api_new(path, clients, &err);
    cr_assert_not_null(api, "%s", err.msg);
    char *endpoint = zsock_last_endpoint(operator_api_socket(api)); /* a copy, ours to free */
    zsock_t *client = zsock_new(ZMQ_DEALER);
    snprintf(path, sizeof path, "%s/server.cert", dir);
    cr_assert_eq(curve_client_apply(client, moved, path, "cert", "server", &err), 0, "%s", err.msg);
    cr_assert_eq(zsock_connect(client, "%s", endpoint), 0);
    free(endpoint);

    cr_assert_eq(s_verify_over_socket(api, client), 503); /* no database here; the actor is logged first */
    cr_assert(s_stderr_has("\"operator\":\"curve:alice\""), "the claimed admin1 must not be recorded");
    cr_assert_not(s_stderr_has("admin1"));
    zsock_destroy(&client);
    operator_api_destroy(&api);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    cr_assert_eq(system(cmd), 0);
}

Test(admin_api, a_loopback_client_is_recorded_as_cli, .init = cr_redirect_stderr)
{
    log_init("test", "info");
    err_t err;
    operator_api_t *api = s_api_new(NULL, NULL, &err);
    cr_assert_not_null(api, "%s", err.msg);
    zsock_t *client = zsock_new(ZMQ_DEALER);
    char *endpoint = zsock_last_endpoint(operator_api_socket(api));
    cr_assert_eq(zsock_connect(client, "%s", endpoint), 0);
    free(endpoint);
    cr_assert_eq(s_verify_over_socket(api, client), 503);
    cr_assert(s_stderr_has("\"operator\":\"cli:admin1\""));
    zsock_destroy(&client);
    operator_api_destroy(&api);
}
