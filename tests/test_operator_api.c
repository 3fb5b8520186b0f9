/*  test_operator_api.c - common/operator_api.h: the socket's configuration
    errors (CURVE half-set, a public certificate as the secret, the port
    taken), the framing (DEALER and REQ clients answered, malformed messages
    dropped without stopping the next one), the peer a handler sees under
    CURVE (and a client off the allow-list never reaching it), and the actor
    the server decides. */
#include <criterion/criterion.h>
#include <criterion/redirect.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "curve.h"
#include "log.h"
#include "operator_api.h"

static operator_api_t *
s_new(const char *endpoint, const char *secret_file, const char *clients_dir, err_t *err)
{
    operator_api_config_t config = {
        .name = "test_api",
        .endpoint = endpoint,
        .curve_secret_file = secret_file,
        .curve_clients_dir = clients_dir,
        .domain = "p2p-test",
        .bind_key = "P2P_TEST_API_BIND",
        .secret_key = "P2P_TEST_CURVE_SECRET_FILE",
        .clients_key = "P2P_TEST_CURVE_CLIENTS_DIR",
    };
    return operator_api_new(&config, err);
}

/* ------------------------------------------------------------------ configuration */

Test(operator_api, curve_needs_both_files)
{
    err_t err = {0};
    operator_api_t *api = s_new("tcp://127.0.0.1:*", "/tmp/none_secret", NULL, &err);
    cr_assert_null(api);
    cr_assert_eq(err.code, ERR_INVALID);
    cr_assert(strstr(err.msg, "P2P_TEST_CURVE_CLIENTS_DIR"), "%s", err.msg);
    api = s_new("tcp://127.0.0.1:*", "", "/tmp", &err);
    cr_assert_null(api);
    cr_assert_eq(err.code, ERR_INVALID);
    cr_assert(strstr(err.msg, "P2P_TEST_CURVE_SECRET_FILE"), "%s", err.msg);
}

Test(operator_api, curve_refuses_a_public_certificate)
{
    char dir[] = "/tmp/p2p-operator-api-XXXXXX";
    cr_assert_not_null(mkdtemp(dir));
    char path[256];
    snprintf(path, sizeof path, "%s/server", dir);
    zcert_t *cert = zcert_new();
    cr_assert_eq(zcert_save_public(cert, path), 0);
    zcert_destroy(&cert);
    err_t err = {0};
    operator_api_t *api = s_new("tcp://127.0.0.1:*", path, dir, &err);
    cr_assert_null(api);
    cr_assert(strstr(err.msg, "secret"), "%s", err.msg);
    unlink(path);
    rmdir(dir);
}

Test(operator_api, a_bad_endpoint_is_invalid_and_named)
{
    err_t err = {0};
    operator_api_t *api = s_new("nonsense://x", NULL, NULL, &err);
    cr_assert_null(api);
    cr_assert_eq(err.code, ERR_INVALID, "%d %s", err.code, err.msg);
    cr_assert(strstr(err.msg, "P2P_TEST_API_BIND"), "%s", err.msg);
}

Test(operator_api, endpoint_in_use_is_unavailable, .init = cr_redirect_stderr)
{
    log_init("test", "info");
    err_t err = {0};
    zsock_t *holder = zsock_new(ZMQ_ROUTER);
    int port = zsock_bind(holder, "tcp://127.0.0.1:*");
    cr_assert_gt(port, 0);
    char endpoint[64];
    snprintf(endpoint, sizeof endpoint, "tcp://127.0.0.1:%d", port);
    operator_api_t *api = s_new(endpoint, NULL, NULL, &err);
    cr_assert_null(api);
    cr_assert_eq(err.code, ERR_UNAVAILABLE, "%d %s", err.code, err.msg);
    zsock_destroy(&holder);
    /* libzmq releases the port asynchronously */
    for (int i = 0; i < 50 && !(api = s_new(endpoint, NULL, NULL, &err)); i++)
        zclock_sleep(20);
    cr_assert_not_null(api, "%s", err.msg);
    cr_assert_not(operator_api_is_curve(api));
    operator_api_destroy(&api);
    cr_assert_null(api);
    operator_api_destroy(&api); /* NULL-safe */
    fflush(stderr);
    char buf[4096];
    size_t n = fread(buf, 1, sizeof buf - 1, cr_get_redirected_stderr());
    buf[n] = 0;
    cr_assert(strstr(buf, "\"test_api.not_listening\""), "%s", buf);
    cr_assert(strstr(buf, "\"test_api.listening\""), "%s", buf);
}

/* ------------------------------------------------------------------ who acts */

Test(operator_api, without_curve_the_server_prefixes_the_claim)
{
    operator_api_peer_t plain = {0};
    char actor[OPERATOR_API_ACTOR_SIZE];
    err_t err;
    cr_assert_eq(operator_api_actor(&plain, "admin1", actor, sizeof actor, &err), 0);
    cr_assert_str_eq(actor, "cli:admin1", "a client cannot write a REST admin's id");
    cr_assert_eq(operator_api_actor(&plain, "cli:x", actor, sizeof actor, &err), 0);
    cr_assert_str_eq(actor, "cli:cli:x");
    cr_assert_eq(operator_api_actor(&plain, "Zoë", actor, sizeof actor, &err), 0);
    cr_assert_eq(operator_api_actor(&plain, "", actor, sizeof actor, &err), -1);
    cr_assert(strstr(err.msg, "operator"), "%s", err.msg);
    cr_assert_eq(operator_api_actor(NULL, NULL, actor, sizeof actor, &err), -1);
}

Test(operator_api, under_curve_the_certificate_decides)
{
    char actor[OPERATOR_API_ACTOR_SIZE];
    err_t err;
    operator_api_peer_t named = {.curve_key = "rq:rR]L{*<s6Gn3Sr7K.Nb^vRjaFK=ty$uV=cDu(/",
                                 .curve_name = "alice"};
    cr_assert_eq(operator_api_actor(&named, "admin1", actor, sizeof actor, &err), 0);
    cr_assert_str_eq(actor, "curve:alice", "the claim is ignored");
    operator_api_peer_t anonymous = {.curve_key = named.curve_key};
    cr_assert_eq(operator_api_actor(&anonymous, NULL, actor, sizeof actor, &err), 0);
    cr_assert_str_eq(actor, "curve:rq:rR]L{*<s6Gn3Sr7K.Nb^vRjaFK=ty$uV=cDu(/");
}

Test(operator_api, an_actor_the_audit_log_cannot_hold_is_refused_naming_operator)
{
    operator_api_peer_t plain = {0};
    char actor[OPERATOR_API_ACTOR_SIZE];
    err_t err;
    char name[OPERATOR_API_ACTOR_MAX + 1];
    /* "cli:" + 251 characters is the longest that fits */
    memset(name, 'a', sizeof name);
    name[OPERATOR_API_ACTOR_MAX - 4] = 0;
    cr_assert_eq(operator_api_actor(&plain, name, actor, sizeof actor, &err), 0, "%s", err.msg);
    cr_assert_eq(strlen(actor), OPERATOR_API_ACTOR_MAX);
    name[OPERATOR_API_ACTOR_MAX - 4] = 'a';
    name[OPERATOR_API_ACTOR_MAX - 3] = 0;
    const char *bad[] = {name, "tab\there", "line\nbreak", "\xff\xfe", "del\x7f"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_assert_eq(operator_api_actor(&plain, bad[i], actor, sizeof actor, &err), -1, "case %zu accepted",
                     i);
        cr_assert_eq(err.code, ERR_INVALID);
        cr_assert(strstr(err.msg, "'operator'"), "case %zu: %s", i, err.msg);
    }
    /* a buffer too small to hold the actor is refused, never cut */
    char small[8];
    cr_assert_eq(operator_api_actor(&plain, "abcdefgh", small, sizeof small, &err), -1);
}

Test(operator_api, operator_prefixes_are_reserved)
{
    cr_assert(operator_api_is_operator_actor("cli:bob"));
    cr_assert(operator_api_is_operator_actor("curve:alice"));
    cr_assert_not(operator_api_is_operator_actor("admin1"));
    cr_assert_not(operator_api_is_operator_actor("client:1"));
    cr_assert_not(operator_api_is_operator_actor("cli"));
    cr_assert_not(operator_api_is_operator_actor(NULL));
    err_t err;
    cr_assert_eq(operator_api_refuse_rest_actor(&err), -1);
    cr_assert_eq(err.code, ERR_FORBIDDEN);
    cr_assert(strstr(err.msg, "reserved"), "%s", err.msg);
}

/* ------------------------------------------------------------------ framing */

typedef struct {
    int calls;
    char key[64]; /* the peer the handler saw */
    char name[64];
    bool fail; /* answer NULL (out of memory) */
} s_seen_t;

/*  A handler that answers "echo:" + the request, and notes the peer. */
static uint8_t *
s_echo(void *app, worker_t *worker, const operator_api_peer_t *peer, const uint8_t *request, size_t len,
       size_t *reply_len)
{
    (void) worker;
    s_seen_t *seen = app;
    seen->calls++;
    snprintf(seen->key, sizeof seen->key, "%s", peer->curve_key ? peer->curve_key : "");
    snprintf(seen->name, sizeof seen->name, "%s", peer->curve_name ? peer->curve_name : "");
    if (seen->fail)
        return NULL;
    uint8_t *out = malloc(len + 5);
    memcpy(out, "echo:", 5);
    memcpy(out + 5, request, len);
    *reply_len = len + 5;
    return out;
}

/*  Wait for the API to have something, then serve it with s_echo. */
static void
s_serve(operator_api_t *api, s_seen_t *seen)
{
    zpoller_t *poller = zpoller_new(operator_api_socket(api), NULL);
    cr_assert_eq(zpoller_wait(poller, 5000), operator_api_socket(api), "the request never arrived");
    zpoller_destroy(&poller);
    operator_api_serve(operator_api_socket(api), s_echo, seen, NULL);
}

static zsock_t *
s_client(operator_api_t *api, int type)
{
    zsock_t *client = zsock_new(type);
    zsock_set_rcvtimeo(client, 5000);
    char *endpoint = zsock_last_endpoint(operator_api_socket(api)); /* a copy, ours to free */
    cr_assert_eq(zsock_connect(client, "%s", endpoint), 0);
    free(endpoint);
    return client;
}

Test(operator_api, a_dealer_and_a_req_client_are_answered, .init = cr_redirect_stderr)
{
    log_init("test", "info");
    err_t err;
    operator_api_t *api = s_new("tcp://127.0.0.1:*", NULL, NULL, &err);
    cr_assert_not_null(api, "%s", err.msg);
    s_seen_t seen = {0};

    zsock_t *dealer = s_client(api, ZMQ_DEALER);
    cr_assert_eq(zstr_send(dealer, "one"), 0);
    s_serve(api, &seen);
    char *answer = zstr_recv(dealer);
    cr_assert_str_eq(answer, "echo:one");
    zstr_free(&answer);
    cr_assert_str_eq(seen.key, "", "no CURVE, no key");

    /* a REQ socket adds an empty delimiter, which the reply must carry back */
    zsock_t *req = s_client(api, ZMQ_REQ);
    cr_assert_eq(zstr_send(req, "two"), 0);
    s_serve(api, &seen);
    answer = zstr_recv(req);
    cr_assert_str_eq(answer, "echo:two");
    zstr_free(&answer);
    cr_assert_eq(seen.calls, 2);
    zsock_destroy(&req);
    zsock_destroy(&dealer);
    operator_api_destroy(&api);
}

Test(operator_api, a_malformed_message_is_dropped_and_the_next_served, .init = cr_redirect_stderr)
{
    log_init("test", "info");
    err_t err;
    operator_api_t *api = s_new("tcp://127.0.0.1:*", NULL, NULL, &err);
    cr_assert_not_null(api, "%s", err.msg);
    s_seen_t seen = {0};
    zsock_t *dealer = s_client(api, ZMQ_DEALER);
    /* three payload frames: [identity][a][b][c] is no request */
    cr_assert_eq(zstr_sendx(dealer, "a", "b", "c", NULL), 0);
    /* a non-empty "delimiter": [identity][x][y] neither */
    cr_assert_eq(zstr_sendx(dealer, "x", "y", NULL), 0);
    cr_assert_eq(zstr_send(dealer, "good"), 0);
    while (seen.calls == 0)
        s_serve(api, &seen);
    char *answer = zstr_recv(dealer);
    cr_assert_str_eq(answer, "echo:good", "only the well-formed request is answered");
    zstr_free(&answer);
    cr_assert_eq(seen.calls, 1);

    /* a handler that cannot build a reply sends none; the socket goes on */
    seen.fail = true;
    cr_assert_eq(zstr_send(dealer, "lost"), 0);
    s_serve(api, &seen);
    seen.fail = false;
    cr_assert_eq(zstr_send(dealer, "after"), 0);
    s_serve(api, &seen);
    answer = zstr_recv(dealer);
    cr_assert_str_eq(answer, "echo:after");
    zstr_free(&answer);
    zsock_destroy(&dealer);
    operator_api_destroy(&api);
    fflush(stderr);
    char buf[8192];
    size_t n = fread(buf, 1, sizeof buf - 1, cr_get_redirected_stderr());
    buf[n] = 0;
    cr_assert(strstr(buf, "operator_api.malformed"), "%s", buf);
    cr_assert(strstr(buf, "operator_api.reply_not_sent"), "%s", buf);
}

Test(operator_api, under_curve_the_handler_sees_the_trusted_name_and_strangers_get_nothing,
     .init = cr_redirect_stderr)
{
    log_init("test", "info");
    char dir[] = "/tmp/p2p-operator-curve-XXXXXX", path[1024], clients[64], alice[400], mallory[400];
    cr_assert_not_null(mkdtemp(dir));
    snprintf(clients, sizeof clients, "%s/clients", dir);
    cr_assert_eq(mkdir(clients, 0700), 0);
    err_t err;
    snprintf(path, sizeof path, "%s/server.cert", dir);
    cr_assert_eq(curve_keygen(path, NULL, &err), 0, "%s", err.msg);
    /* alice is on the allow-list (public half, named there); mallory is not */
    const char *meta[] = {CURVE_META_NAME, "alice", NULL};
    snprintf(alice, sizeof alice, "%s/alice.cert", dir);
    cr_assert_eq(curve_keygen(alice, meta, &err), 0, "%s", err.msg);
    snprintf(path, sizeof path, "cp '%s' '%s/'", alice, clients);
    cr_assert_eq(system(path), 0);
    snprintf(mallory, sizeof mallory, "%s/mallory.cert", dir);
    cr_assert_eq(curve_keygen(mallory, NULL, &err), 0, "%s", err.msg);

    snprintf(path, sizeof path, "%s/server.cert_secret", dir);
    operator_api_t *api = s_new("tcp://127.0.0.1:*", path, clients, &err);
    cr_assert_not_null(api, "%s", err.msg);
    cr_assert(operator_api_is_curve(api));
    char *endpoint = zsock_last_endpoint(operator_api_socket(api));
    snprintf(path, sizeof path, "%s/server.cert", dir);

    zsock_t *stranger = zsock_new(ZMQ_DEALER);
    cr_assert_eq(curve_client_apply(stranger, mallory, path, "cert", "server", &err), 0, "%s", err.msg);
    cr_assert_eq(zsock_connect(stranger, "%s", endpoint), 0);
    cr_assert_eq(zstr_send(stranger, "let me in"), 0);

    zsock_t *client = zsock_new(ZMQ_DEALER);
    zsock_set_rcvtimeo(client, 5000);
    cr_assert_eq(curve_client_apply(client, alice, path, "cert", "server", &err), 0, "%s", err.msg);
    cr_assert_eq(zsock_connect(client, "%s", endpoint), 0);
    free(endpoint);
    cr_assert_eq(zstr_send(client, "hello"), 0);

    s_seen_t seen = {0};
    s_serve(api, &seen);
    char *answer = zstr_recv(client);
    cr_assert_str_eq(answer, "echo:hello");
    zstr_free(&answer);
    cr_assert_eq(seen.calls, 1, "the stranger's request must never reach the handler");
    cr_assert_str_eq(seen.name, "alice");
    cr_assert_eq(strlen(seen.key), 40, "the Z85 public key: %s", seen.key);
    /* and nothing more arrives: the stranger never completed the handshake */
    zpoller_t *poller = zpoller_new(operator_api_socket(api), NULL);
    cr_assert_null(zpoller_wait(poller, 300));
    zpoller_destroy(&poller);

    zsock_destroy(&stranger);
    zsock_destroy(&client);
    operator_api_destroy(&api);
    snprintf(path, sizeof path, "rm -rf '%s'", dir);
    cr_assert_eq(system(path), 0);
}
