/*  test_curve.c - common/curve.h: which endpoints stay on this host, the
    both-or-neither rule, certificates, and a CURVE server that admits the
    clients in its directory (with their certificate's metadata) and nobody
    else. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "curve.h"

Test(curve, local_endpoints)
{
    const char *local[] = {"tcp://127.0.0.1:5555", "tcp://127.1.2.3:1", "tcp://localhost:5555",
                           "tcp://[::1]:5555",     "ipc:///tmp/x",      "inproc://gw"};
    for (size_t i = 0; i < sizeof local / sizeof local[0]; i++)
        cr_assert(curve_endpoint_is_local(local[i]), "%s", local[i]);
    const char *remote[] = {"tcp://0.0.0.0:5555",
                            "tcp://*:5555",
                            "tcp://10.0.0.5:5555",
                            "tcp://eth0:5555",
                            "tcp://[::]:5555",
                            "tcp://gateway:5555",
                            "tcp://128.0.0.1:1",
                            "tcp://127.0.0.1",
                            "udp://127.0.0.1:1",
                            "",
                            NULL};
    for (size_t i = 0; i < sizeof remote / sizeof remote[0]; i++)
        cr_assert_not(curve_endpoint_is_local(remote[i]), "%s", remote[i] ? remote[i] : "NULL");
}

Test(curve, both_or_neither)
{
    err_t err;
    cr_assert_eq(curve_both_or_neither(NULL, "", "A", "B", &err), 0);
    cr_assert_eq(curve_both_or_neither("x", "y", "A", "B", &err), 0);
    cr_assert_eq(curve_both_or_neither("x", NULL, "KEY_A", "KEY_B", &err), -1);
    cr_assert(strstr(err.msg, "KEY_A") && strstr(err.msg, "KEY_B"), "%s", err.msg);
    cr_assert_eq(curve_both_or_neither("", "y", "A", "B", &err), -1);
}

static char s_dir[] = "/tmp/p2p-curve-XXXXXX";

static void
s_setup(void)
{
    strcpy(s_dir, "/tmp/p2p-curve-XXXXXX");
    cr_assert_not_null(mkdtemp(s_dir));
    zsys_handler_set(NULL);
}

static void
s_teardown(void)
{
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", s_dir);
    cr_assert_eq(system(cmd), 0);
}

static const char *
s_path(const char *name)
{
    static char paths[8][256];
    static int next;
    char *p = paths[next++ % 8];
    snprintf(p, 256, "%s/%s", s_dir, name);
    return p;
}

Test(curve, client_needs_a_secret_key_and_the_server_file, .init = s_setup, .fini = s_teardown)
{
    err_t err;
    cr_assert_eq(curve_keygen(s_path("server.cert"), NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(curve_keygen(s_path("w.cert"), NULL, &err), 0, "%s", err.msg);
    zsock_t *sock = zsock_new(ZMQ_DEALER);
    /* the public half has no secret key */
    unlink(s_path("w.cert_secret"));
    cr_assert_eq(curve_client_apply(sock, s_path("w.cert"), s_path("server.cert"), "CERT", "SERVER", &err),
                 -1);
    cr_assert(strstr(err.msg, "CERT") && strstr(err.msg, "secret"), "%s", err.msg);
    cr_assert_eq(curve_client_apply(sock, s_path("server.cert"), s_path("none"), "CERT", "SERVER", &err), -1);
    cr_assert(strstr(err.msg, "SERVER"), "%s", err.msg);
    zsock_destroy(&sock);
}

Test(curve, server_refuses_a_public_certificate_or_a_missing_directory, .init = s_setup, .fini = s_teardown)
{
    err_t err;
    cr_assert_eq(curve_keygen(s_path("server.cert"), NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(unlink(s_path("server.cert_secret")), 0); /* the public half only is left */
    zsock_t *sock = zsock_new(ZMQ_ROUTER);
    cr_assert_null(curve_server_new(sock, s_path("server.cert"), s_dir, "d", "SECRET", "CLIENTS", &err));
    cr_assert(strstr(err.msg, "SECRET") && strstr(err.msg, "secret key"), "%s", err.msg);
    cr_assert_eq(curve_keygen(s_path("server.cert"), NULL, &err), 0, "%s", err.msg);
    cr_assert_null(curve_server_new(sock, s_path("server.cert_secret"), s_path("nodir"), "d", "SECRET",
                                    "CLIENTS", &err));
    cr_assert(strstr(err.msg, "CLIENTS"), "%s", err.msg);
    zsock_destroy(&sock);
}

/*  A client with cert_name's certificate says hello; the frame the server
    got (caller destroys), or NULL when the server heard nothing. */
static zframe_t *
s_hello(zsock_t *server, const char *endpoint, const char *cert_name)
{
    err_t err;
    zsock_t *client = zsock_new(ZMQ_DEALER);
    zsock_set_linger(client, 0);
    cr_assert_eq(curve_client_apply(client, s_path(cert_name), s_path("server.cert"), "C", "S", &err), 0,
                 "%s", err.msg);
    cr_assert_eq(zsock_connect(client, "%s", endpoint), 0);
    zstr_send(client, "hello");
    zsock_set_rcvtimeo(server, 700);
    zframe_t *identity = zframe_recv(server);
    if (identity) {
        zframe_t *body = zframe_recv(server);
        zframe_destroy(&body);
    }
    zsock_destroy(&client);
    return identity;
}

Test(curve, server_admits_only_its_clients_and_tells_their_metadata, .init = s_setup, .fini = s_teardown)
{
    err_t err;
    char clients[300];
    snprintf(clients, sizeof clients, "%s/clients", s_dir);
    cr_assert_eq(mkdir(clients, 0700), 0);
    const char *meta[] = {CURVE_META_NAME, "alice", CURVE_META_KIND, "profile", NULL};
    cr_assert_eq(curve_keygen(s_path("server.cert"), NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(curve_keygen(s_path("alice.cert"), meta, &err), 0, "%s", err.msg);
    cr_assert_eq(curve_keygen(s_path("mallory.cert"), meta, &err), 0, "%s", err.msg);
    char allowed[400];
    snprintf(allowed, sizeof allowed, "%s/alice.cert", clients);
    cr_assert_eq(rename(s_path("alice.cert"), allowed), 0);

    zsock_t *server = zsock_new(ZMQ_ROUTER);
    curve_server_t *guard =
        curve_server_new(server, s_path("server.cert_secret"), clients, "test", "SECRET", "CLIENTS", &err);
    cr_assert_not_null(guard, "%s", err.msg);
    cr_assert_eq(zsock_bind(server, "tcp://127.0.0.1:*") > 0, 1);
    char *endpoint = zsock_last_endpoint(server); /* czmq 4.2: a copy, ours to free */

    zframe_t *from_alice = s_hello(server, endpoint, "alice.cert_secret");
    cr_assert_not_null(from_alice, "a client in the directory is admitted");
    const char *key = curve_peer_property(from_alice, "User-Id");
    cr_assert(key && strlen(key) == 40, "%s", key ? key : "NULL");
    cr_assert_str_eq(curve_peer_property(from_alice, CURVE_META_NAME), "alice");
    cr_assert_str_eq(curve_peer_property(from_alice, CURVE_META_KIND), "profile");
    zframe_destroy(&from_alice);

    /* the same metadata in a certificate the server does not hold: refused */
    zframe_t *from_mallory = s_hello(server, endpoint, "mallory.cert");
    cr_assert_null(from_mallory, "a client outside the directory never gets a message through");

    free(endpoint);
    zsock_destroy(&server);
    curve_server_destroy(&guard);
    cr_assert_null(guard);
}
