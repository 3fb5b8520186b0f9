/*  test_admin_api.c - admin-svc/admin_api.h without a database: requests
    refused before any SQL runs (malformed, unknown action, bad fields), a database that is
    down (503), and the socket's configuration errors (CURVE half-set, port
    taken). */
#include <criterion/criterion.h>
#include <string.h>

#include "admin_api.h"
#include "admin_repo.h"

static P2p__AdminReply *
s_call(admin_app_t *app, const P2p__AdminRequest *req)
{
    size_t len = p2p__admin_request__get_packed_size(req);
    uint8_t *buf = malloc(len + 1);
    p2p__admin_request__pack(req, buf);
    size_t reply_len;
    uint8_t *out = admin_api_handle(app, NULL, buf, len, &reply_len);
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
    uint8_t *out = admin_api_handle(&app, NULL, junk, sizeof junk, &len);
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
        {0, 0, "cli:a", 1, NULL, NULL, 0, 0, "action"},
        {P2P__ADMIN_ACTION__SUSPEND, 1, "cli:a", 1, NULL, NULL, 0, 0, "reason"},
        {P2P__ADMIN_ACTION__SUSPEND, 1, NULL, 1, "spam", NULL, 0, 0, "operator"},
        {P2P__ADMIN_ACTION__SUSPEND, 1, "cli:a", 0, "spam", NULL, 0, 0, "id"},
        {P2P__ADMIN_ACTION__SUSPEND, 1, "cli:a", 1, "spam", "2001-01-01T00:00:00Z", 0, 0, "until"},
        {P2P__ADMIN_ACTION__VERIFY, 1, "cli:a", 1, NULL, NULL, 0, 0, "flag"},
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
    req.operator_ = "cli:a";
    req.has_profile_id = 1;
    req.profile_id = 1;
    req.reason = "spam";
    P2p__AdminReply *reply = s_call(&app, &req);
    cr_assert_eq(reply->status, 503, "status %d", reply->status);
    cr_assert_str_eq(reply->code, "DATABASE_UNAVAILABLE");
    p2p__admin_reply__free_unpacked(reply, NULL);
    db_destroy(&app.db);
}

Test(admin_api, curve_needs_both_files)
{
    err_t err = {0};
    admin_api_t *api = admin_api_new("tcp://127.0.0.1:*", "/tmp/none_secret", NULL, &err);
    cr_assert_null(api);
    cr_assert_eq(err.code, ERR_INVALID);
    cr_assert(strstr(err.msg, ADMIN_API_ENV_CURVE_CLIENTS_DIR), "%s", err.msg);
    api = admin_api_new("tcp://127.0.0.1:*", "", "/tmp", &err);
    cr_assert_null(api);
    cr_assert_eq(err.code, ERR_INVALID);
}

Test(admin_api, curve_refuses_a_public_certificate)
{
    char dir[] = "/tmp/p2p-admin-api-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/server", dir);
    zcert_t *cert = zcert_new();
    cr_assert_eq(zcert_save_public(cert, path), 0);
    zcert_destroy(&cert);
    err_t err = {0};
    admin_api_t *api = admin_api_new("tcp://127.0.0.1:*", path, dir, &err);
    cr_assert_null(api);
    cr_assert(strstr(err.msg, "secret"), "%s", err.msg);
    unlink(path);
    rmdir(dir);
}

Test(admin_api, endpoint_in_use_is_unavailable)
{
    err_t err = {0};
    zsock_t *holder = zsock_new(ZMQ_ROUTER);
    int port = zsock_bind(holder, "tcp://127.0.0.1:*");
    cr_assert_gt(port, 0);
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    admin_api_t *api = admin_api_new(endpoint, NULL, NULL, &err);
    cr_assert_null(api);
    cr_assert_eq(err.code, ERR_UNAVAILABLE, "%d %s", err.code, err.msg);
    zsock_destroy(&holder);
    /* libzmq releases the port asynchronously */
    for (int i = 0; i < 50 && !(api = admin_api_new(endpoint, NULL, NULL, &err)); i++)
        zclock_sleep(20);
    cr_assert_not_null(api, "%s", err.msg);
    admin_api_destroy(&api);
    cr_assert_null(api);
}
