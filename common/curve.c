/*  curve.c - CURVE servers with an allow-list, CURVE clients, certificates,
    and the loopback test of an endpoint (see curve.h). */
#include "curve.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <string.h>

struct curve_server {
    zactor_t *auth; /* zauth: answers every CURVE handshake of this process */
};

/*  A public certificate has a secret key of zeros. */
static bool
s_has_secret(zcert_t *cert)
{
    static const char zeros[] = "0000000000000000000000000000000000000000";
    return strcmp(zcert_secret_txt(cert), zeros) != 0;
}

/*  Load file as a certificate that must hold a secret key. NULL with err. */
static zcert_t *
s_load_secret(const char *file, const char *key, err_t *err)
{
    zcert_t *cert = zcert_load(file);
    if (!cert) {
        err_set(err, ERR_INVALID, "%s: cannot load certificate %s", key, file);
        return NULL;
    }
    if (!s_has_secret(cert)) {
        zcert_destroy(&cert);
        err_set(err, ERR_INVALID,
                "%s: %s holds no secret key (give the FILE_secret of `p2p-admin keygen FILE`)", key, file);
        return NULL;
    }
    return cert;
}

int
curve_both_or_neither(const char *a_value, const char *b_value, const char *a_key, const char *b_key,
                      err_t *err)
{
    bool a = a_value && *a_value, b = b_value && *b_value;
    if (a != b)
        return err_set(err, ERR_INVALID,
                       "%s and %s must be set together (CURVE without an allow-list would let anyone in)",
                       a_key, b_key);
    return 0;
}

curve_server_t *
curve_server_new(zsock_t *sock, const char *secret_file, const char *clients_dir, const char *domain,
                 const char *secret_key, const char *clients_key, err_t *err)
{
    if (!zsys_has_curve()) {
        err_set(err, ERR_INVALID, "%s: this libzmq has no CURVE support", secret_key);
        return NULL;
    }
    DIR *dir = opendir(clients_dir);
    if (!dir) {
        err_set(err, ERR_INVALID, "%s: cannot open directory %s: %s", clients_key, clients_dir,
                strerror(errno));
        return NULL;
    }
    closedir(dir);
    zcert_t *cert = s_load_secret(secret_file, secret_key, err);
    if (!cert)
        return NULL;
    curve_server_t *self = calloc(1, sizeof *self);
    /* zauth answers every CURVE handshake (ZAP): only known clients pass,
       and it hands their certificate's metadata to the server socket */
    if (!self || !(self->auth = zactor_new(zauth, NULL))) {
        free(self);
        zcert_destroy(&cert);
        err_set(err, ERR_INVALID, "%s: cannot start the authentication handler", secret_key);
        return NULL;
    }
    zstr_sendx(self->auth, "CURVE", clients_dir, NULL);
    zsock_wait(self->auth);
    zcert_apply(cert, sock);
    zcert_destroy(&cert);
    zsock_set_curve_server(sock, 1);
    zsock_set_zap_domain(sock, domain);
    return self;
}

void
curve_server_destroy(curve_server_t **self_p)
{
    if (self_p && *self_p) {
        zactor_destroy(&(*self_p)->auth);
        free(*self_p);
        *self_p = NULL;
    }
}

int
curve_client_apply(zsock_t *sock, const char *cert_file, const char *server_file, const char *cert_key,
                   const char *server_key, err_t *err)
{
    if (!zsys_has_curve())
        return err_set(err, ERR_INVALID, "%s: this libzmq has no CURVE support", cert_key);
    zcert_t *client = s_load_secret(cert_file, cert_key, err);
    if (!client)
        return -1;
    zcert_t *server = zcert_load(server_file);
    if (!server) {
        zcert_destroy(&client);
        return err_set(err, ERR_INVALID, "%s: cannot load certificate %s", server_key, server_file);
    }
    zcert_apply(client, sock);
    zsock_set_curve_serverkey(sock, zcert_public_txt(server));
    zcert_destroy(&client);
    zcert_destroy(&server);
    return 0;
}

int
curve_keygen(const char *file, const char *const *meta, err_t *err)
{
    zcert_t *cert = zcert_new();
    if (!cert)
        return err_set(err, ERR_INTERNAL, "cannot make a certificate");
    for (size_t i = 0; meta && meta[i] && meta[i + 1]; i += 2)
        zcert_set_meta(cert, meta[i], "%s", meta[i + 1]);
    int rc = zcert_save(cert, file);
    int saved = errno;
    zcert_destroy(&cert);
    if (rc != 0)
        return err_set(err, ERR_INVALID, "cannot write %s and %s_secret: %s", file, file, strerror(saved));
    return 0;
}

const char *
curve_peer_property(zframe_t *frame, const char *property)
{
    return frame ? zframe_meta(frame, property) : NULL;
}

bool
curve_endpoint_is_local(const char *endpoint)
{
    if (!endpoint)
        return false;
    if (strncmp(endpoint, "ipc://", 6) == 0 || strncmp(endpoint, "inproc://", 9) == 0)
        return true;
    if (strncmp(endpoint, "tcp://", 6) != 0)
        return false;
    const char *host = endpoint + 6, *colon = strrchr(host, ':');
    if (!colon || colon == host)
        return false;
    char text[INET6_ADDRSTRLEN + 2];
    size_t len = (size_t) (colon - host);
    if (host[0] == '[' && len >= 2 && host[len - 1] == ']') {
        host++;
        len -= 2;
    }
    if (len >= sizeof text)
        return false;
    memcpy(text, host, len);
    text[len] = 0;
    if (strcmp(text, "localhost") == 0 || strcmp(text, "::1") == 0)
        return true;
    struct in_addr v4;
    return inet_pton(AF_INET, text, &v4) == 1 && (ntohl(v4.s_addr) >> 24) == 127;
}
