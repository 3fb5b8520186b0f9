/*  conn.c - per-connection state in lws's opaque user pointer (see conn.h). */
#include "conn.h"

#include <stdlib.h>

typedef struct {
    client_addr_t peer;
    auth_identity_t *identity; /* owned; set between upgrade and open */
} s_conn_t;

static s_conn_t *
s_conn(struct lws *wsi)
{
    s_conn_t *self = lws_get_opaque_user_data(wsi);
    if (self)
        return self;
    self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    client_addr_of_fd(lws_get_socket_fd(wsi), &self->peer);
    lws_set_opaque_user_data(wsi, self);
    return self;
}

const client_addr_t *
conn_peer(struct lws *wsi, client_addr_t *scratch)
{
    s_conn_t *self = s_conn(wsi);
    if (self)
        return &self->peer;
    client_addr_of_fd(lws_get_socket_fd(wsi), scratch);
    return scratch;
}

int
conn_keep_identity(struct lws *wsi, auth_identity_t *identity)
{
    s_conn_t *self = s_conn(wsi);
    if (!self) {
        free(identity);
        return -1;
    }
    free(self->identity);
    self->identity = identity;
    return 0;
}

auth_identity_t *
conn_take_identity(struct lws *wsi)
{
    s_conn_t *self = lws_get_opaque_user_data(wsi);
    if (!self)
        return NULL;
    auth_identity_t *identity = self->identity;
    self->identity = NULL;
    return identity;
}

void
conn_destroy(struct lws *wsi)
{
    s_conn_t *self = lws_get_opaque_user_data(wsi);
    if (!self)
        return;
    lws_set_opaque_user_data(wsi, NULL);
    free(self->identity);
    free(self);
}
