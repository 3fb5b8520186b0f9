/*  operator_api.c - the operator APIs' ROUTER socket, its CURVE/zauth guard,
    the framing and the actor (see operator_api.h). */
#include "operator_api.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "curve.h"
#include "json_text.h"
#include "log.h"
#include "utf8.h"

/*  Requests answered per wake-up before the gateways get their turn. */
#define S_MAX_BATCH 16

struct operator_api {
    zsock_t *socket;
    curve_server_t *curve; /* the allow-list; NULL without CURVE */
};

/* ------------------------------------------------------------------ who acts */

int
operator_api_actor(const operator_api_peer_t *peer, const char *claimed, char *out, size_t size, err_t *err)
{
    if (peer && peer->curve_key) {
        /* the server's copy of the certificate says who holds the key */
        const char *who = peer->curve_name && *peer->curve_name ? peer->curve_name : peer->curve_key;
        snprintf(out, size, "%s%s", OPERATOR_API_ACTOR_CURVE, who);
    }
    else {
        if (!claimed || !*claimed)
            return err_set(err, ERR_INVALID, "'operator' is required (who is acting)");
        snprintf(out, size, "%s%s", OPERATOR_API_ACTOR_CLI, claimed);
    }
    /* the name lands in the audit log and in log lines: text, and short */
    if (!json_text_utf8_valid(out))
        return err_set(err, ERR_INVALID, "'operator' must be UTF-8 text");
    if (utf8_length(out) > OPERATOR_API_ACTOR_MAX || strlen(out) + 1 >= size)
        return err_set(err, ERR_INVALID, "'operator' must be at most %d characters with its prefix",
                       OPERATOR_API_ACTOR_MAX);
    for (const char *p = out; *p; p++)
        if ((unsigned char) *p < 0x20 || *p == 0x7f)
            return err_set(err, ERR_INVALID, "'operator' must not contain control characters");
    return 0;
}

bool
operator_api_is_operator_actor(const char *user_id)
{
    return user_id
           && (strncmp(user_id, OPERATOR_API_ACTOR_CLI, strlen(OPERATOR_API_ACTOR_CLI)) == 0
               || strncmp(user_id, OPERATOR_API_ACTOR_CURVE, strlen(OPERATOR_API_ACTOR_CURVE)) == 0);
}

int
operator_api_refuse_rest_actor(err_t *err)
{
    return err_set(err, ERR_FORBIDDEN,
                   "user ids beginning with '" OPERATOR_API_ACTOR_CLI "' or '" OPERATOR_API_ACTOR_CURVE
                   "' are reserved for the operator API");
}

/* ------------------------------------------------------------------ socket */

operator_api_t *
operator_api_new(const operator_api_config_t *config, err_t *err)
{
    if (curve_both_or_neither(config->curve_secret_file, config->curve_clients_dir, config->secret_key,
                              config->clients_key, err)
        != 0)
        return NULL;
    bool has_secret = config->curve_secret_file && *config->curve_secret_file;
    operator_api_t *self = calloc(1, sizeof *self);
    if (!self || !(self->socket = zsock_new(ZMQ_ROUTER))) {
        free(self);
        err_set(err, ERR_INVALID, "cannot create the %s socket", config->bind_key);
        return NULL;
    }
    zsock_set_router_mandatory(self->socket, 1); /* a vanished client is an error, not silence */
    zsock_set_maxmsgsize(self->socket, OPERATOR_API_MAX_MESSAGE);
    zsock_set_rcvtimeo(self->socket, 0);
    zsock_set_sndtimeo(self->socket, 0);
    zsock_set_linger(self->socket, 200);
    if (has_secret
        && !(self->curve =
                 curve_server_new(self->socket, config->curve_secret_file, config->curve_clients_dir,
                                  config->domain, config->secret_key, config->clients_key, err))) {
        operator_api_destroy(&self);
        return NULL;
    }
    if (zmq_bind(zsock_resolve(self->socket), config->endpoint) != 0) {
        int e = errno;
        err_set(err, e == EADDRINUSE ? ERR_UNAVAILABLE : ERR_INVALID, "%s=%s: %s", config->bind_key,
                config->endpoint, zmq_strerror(e));
        operator_api_destroy(&self);
        if (e == EADDRINUSE) {
            /* another copy of the service on this host serves the API */
            char event[96];
            snprintf(event, sizeof event, "%s.not_listening", config->name);
            log_warn(event, NULL, json_pack("{s:s}", "reason", err ? err->msg : "address in use"));
        }
        return NULL;
    }
    char event[96];
    snprintf(event, sizeof event, "%s.listening", config->name);
    log_info(event, NULL, json_pack("{s:s,s:b}", "endpoint", config->endpoint, "curve", self->curve != NULL));
    return self;
}

void
operator_api_destroy(operator_api_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    operator_api_t *self = *self_p;
    zsock_destroy(&self->socket);
    curve_server_destroy(&self->curve);
    free(self);
    *self_p = NULL;
}

zsock_t *
operator_api_socket(operator_api_t *self)
{
    return self->socket;
}

bool
operator_api_is_curve(const operator_api_t *self)
{
    return self->curve != NULL;
}

/* ------------------------------------------------------------------ requests */

void
operator_api_serve(zsock_t *socket, operator_api_handle_fn *handle, void *app, worker_t *worker)
{
    for (int i = 0; i < S_MAX_BATCH; i++) {
        zmsg_t *msg = zmsg_recv(socket);
        if (!msg)
            return; /* nothing more waiting (receive timeout 0) */
        /* [identity][payload] from a DEALER, [identity][][payload] from a REQ */
        size_t frames = zmsg_size(msg);
        zframe_t *identity = zmsg_pop(msg);
        zframe_t *delimiter = frames == 3 ? zmsg_pop(msg) : NULL;
        zframe_t *payload = zmsg_pop(msg);
        zmsg_destroy(&msg);
        if (!identity || !payload || frames < 2 || frames > 3 || (delimiter && zframe_size(delimiter) != 0)) {
            log_warn("operator_api.malformed", NULL, json_pack("{s:i}", "frames", (int) frames));
            zframe_destroy(&identity);
            zframe_destroy(&delimiter);
            zframe_destroy(&payload);
            continue;
        }
        /* under CURVE the allow-list vouches for the key and its name */
        operator_api_peer_t peer = {0};
        if (zsock_mechanism(socket) == ZMQ_CURVE) {
            peer.curve_key = curve_peer_property(payload, "User-Id");
            peer.curve_name = curve_peer_property(payload, CURVE_META_NAME);
        }
        size_t reply_len = 0;
        uint8_t *reply = handle(app, worker, &peer, zframe_data(payload), zframe_size(payload), &reply_len);
        zframe_destroy(&payload);
        zmsg_t *out = zmsg_new();
        zmsg_append(out, &identity);
        if (delimiter)
            zmsg_append(out, &delimiter);
        bool built = reply != NULL;
        if (built)
            zmsg_addmem(out, reply, reply_len);
        free(reply);
        if (!built || zmsg_send(&out, socket) != 0) {
            log_warn("operator_api.reply_not_sent", NULL,
                     json_pack("{s:s}", "reason", built ? zmq_strerror(errno) : "out of memory"));
            zmsg_destroy(&out);
        }
    }
}
