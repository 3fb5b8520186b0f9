/*  curve.h - who may speak on our ZeroMQ sockets: CURVE servers that admit
    only the client certificates in a directory (czmq zauth), CURVE clients
    that know their server's public key, certificates (czmq zcert files: FILE
    holds the public key, FILE_secret both), what a server learns about the
    peer of a message, and whether an endpoint can be reached from other
    hosts at all.

    Used by the gateway's worker socket (server) and the workers' links to it
    (clients), and by admin-svc's operator API (server) and p2p-admin
    (client). CURVE without the allow-list would encrypt but let anyone in, so
    a server is never set up without one. */
#ifndef P2P_CURVE_H
#define P2P_CURVE_H

#include <czmq.h>
#include <stdbool.h>

#include "err.h"

/*  The certificate metadata the servers read (set with `p2p-admin keygen
    FILE --name NAME --kind KIND`, in the copy the server trusts). */
#define CURVE_META_NAME "name" /* who holds the key: the operator API records it as the actor */
#define CURVE_META_KIND "kind" /* which worker kind the key may register as */

typedef struct curve_server curve_server_t;

/*  Make sock (created, not yet bound) a CURVE server with the certificate in
    secret_file (its secret key is required), admitting only clients whose
    public certificates are in clients_dir. secret_key and clients_key are
    the configuration keys, named in errors. A process runs at most one
    (ZeroMQ has one authentication handler per context). Returns the guard,
    to be destroyed after the socket, or NULL with err ERR_INVALID. */
curve_server_t *curve_server_new(zsock_t *sock, const char *secret_file, const char *clients_dir,
                                 const char *domain, const char *secret_key, const char *clients_key,
                                 err_t *err);

/*  Stop the authentication handler; NULL-safe, NULLs *self_p. */
void curve_server_destroy(curve_server_t **self_p);

/*  Make sock a CURVE client: its certificate from cert_file (FILE or
    FILE_secret; the secret key is required) and the server's public key from
    server_file. cert_key and server_key are the configuration keys, named in
    errors. Call before connecting. Returns 0, or -1 with err ERR_INVALID. */
int curve_client_apply(zsock_t *sock, const char *cert_file, const char *server_file, const char *cert_key,
                       const char *server_key, err_t *err);

/*  Write a new certificate: file (public: give it to the other side) and
    file_secret (keep it). meta: name/value pairs ending with NULL (values
    may not be NULL), or NULL. Returns 0, or -1 with err. */
int curve_keygen(const char *file, const char *const *meta, err_t *err);

/*  What the server's allow-list said about the client that sent frame (any
    frame of a message received on a CURVE server): the client's public key
    (Z85, 40 characters) for "User-Id", or a metadata value of its trusted
    certificate (CURVE_META_NAME, CURVE_META_KIND). NULL when absent or
    without CURVE. Borrowed from the frame. */
const char *curve_peer_property(zframe_t *frame, const char *property);

/*  True when endpoint can only be reached from this host: ipc://, inproc://,
    or tcp:// on 127.0.0.0/8, [::1] or localhost. Anything else (0.0.0.0, *,
    an interface, a routable address) reaches other hosts. */
bool curve_endpoint_is_local(const char *endpoint);

/*  Both or neither of two settings: 0, or -1 with err naming them. */
int curve_both_or_neither(const char *a_value, const char *b_value, const char *a_key, const char *b_key,
                          err_t *err);

#endif
