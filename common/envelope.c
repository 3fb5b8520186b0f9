/*  envelope.c - protobuf-c (de)serialisation of the envelope and its
    ZeroMQ framing: [identity] on a ROUTER, then one envelope per frame (a
    batch is several frames of one message). */
#include "envelope.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.pb-c.h"

/*  env as the protobuf-c message (pointers borrowed from env). */
static void
s_to_pb(const envelope_t *env, P2p__Envelope *pb)
{
    *pb = (P2p__Envelope) P2P__ENVELOPE__INIT;
    pb->kind = (P2p__Kind) env->kind;
    pb->request_id = env->request_id;
    /* protobuf-c treats NULL and "" alike for proto3 strings only when they
       point at the shared empty string, so map NULL to it */
    pb->service = (char *) (env->service ? env->service : "");
    pb->user_id = (char *) (env->user_id ? env->user_id : "");
    pb->role = (char *) (env->role ? env->role : "");
    pb->msg_type = (char *) (env->msg_type ? env->msg_type : "");
    pb->event = (char *) (env->event ? env->event : "");
    pb->params = (char *) (env->params ? env->params : "");
    pb->content_type = (char *) (env->content_type ? env->content_type : "");
    pb->filename = (char *) (env->filename ? env->filename : "");
    pb->deadline_ms = env->deadline_ms;
    pb->status = env->status;
    pb->channel = (P2p__Channel) env->channel;
    pb->body.data = (uint8_t *) env->body;
    pb->body.len = env->body ? env->body_len : 0;
}

uint8_t *
envelope_pack(const envelope_t *env, size_t *size)
{
    P2p__Envelope pb;
    s_to_pb(env, &pb);
    *size = p2p__envelope__get_packed_size(&pb);
    uint8_t *buf = malloc(*size ? *size : 1);
    if (buf)
        p2p__envelope__pack(&pb, buf);
    return buf;
}

int
envelope_unpack(const uint8_t *data, size_t size, envelope_t *env)
{
    memset(env, 0, sizeof *env);
    P2p__Envelope *pb = p2p__envelope__unpack(NULL, size, data);
    if (!pb)
        return -1;
    if ((int) pb->kind < ENVELOPE_HEARTBEAT || (int) pb->kind > ENVELOPE_EVENT
        || pb->body.len > ENVELOPE_MAX_BODY) {
        p2p__envelope__free_unpacked(pb, NULL);
        return -1;
    }
    env->kind = (envelope_kind_t) pb->kind;
    env->request_id = pb->request_id;
    env->service = pb->service;
    env->user_id = pb->user_id;
    env->role = pb->role;
    env->msg_type = pb->msg_type;
    env->event = pb->event;
    env->params = pb->params;
    env->content_type = pb->content_type;
    env->filename = pb->filename;
    env->deadline_ms = pb->deadline_ms;
    env->status = pb->status;
    env->channel = (envelope_channel_t) pb->channel;
    env->body = pb->body.data;
    env->body_len = pb->body.len;
    env->_decoded = pb;
    return 0;
}

void
envelope_release(envelope_t *env)
{
    if (env && env->_decoded) {
        p2p__envelope__free_unpacked((P2p__Envelope *) env->_decoded, NULL);
        memset(env, 0, sizeof *env);
    }
}

int
envelope_send(zsock_t *sock, const void *identity, size_t identity_len, const envelope_t *env)
{
    size_t size;
    uint8_t *buf = envelope_pack(env, &size);
    if (!buf) {
        errno = ENOMEM;
        return -1;
    }
    void *handle = zsock_resolve(sock);
    int rc = 0;
    if (identity && zmq_send(handle, identity, identity_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        rc = -1;
    /* libzmq takes the whole multipart message or none of it, so a failed
       first frame leaves nothing half-sent */
    if (rc == 0 && zmq_send(handle, buf, size, ZMQ_DONTWAIT) < 0)
        rc = -1;
    int saved = errno;
    free(buf);
    errno = saved;
    return rc;
}

int
envelope_batch_add(envelope_batch_t *batch, const envelope_t *env)
{
    if (batch->count == ENVELOPE_BATCH_MAX) {
        errno = ENOBUFS;
        return -1;
    }
    /* packed straight into the frame: no copy */
    P2p__Envelope pb;
    s_to_pb(env, &pb);
    zmq_msg_t *frame = &batch->frames[batch->count];
    if (zmq_msg_init_size(frame, p2p__envelope__get_packed_size(&pb)) != 0) {
        errno = ENOMEM;
        return -1;
    }
    p2p__envelope__pack(&pb, zmq_msg_data(frame));
    batch->count++;
    return 0;
}

void
envelope_batch_clear(envelope_batch_t *batch)
{
    for (size_t i = 0; i < batch->count; i++)
        zmq_msg_close(&batch->frames[i]);
    batch->count = 0;
}

int
envelope_batch_send(envelope_batch_t *batch, zsock_t *sock, const void *identity, size_t identity_len)
{
    if (batch->count == 0)
        return 0;
    void *handle = zsock_resolve(sock);
    int rc = 0;
    /* libzmq takes a multipart message whole or not at all: a refused first
       frame leaves nothing half-sent */
    if (identity && zmq_send(handle, identity, identity_len, ZMQ_SNDMORE | ZMQ_DONTWAIT) < 0)
        rc = -1;
    size_t sent = 0;
    for (; rc == 0 && sent < batch->count; sent++) {
        int more = sent + 1 < batch->count ? ZMQ_SNDMORE : 0;
        if (zmq_msg_send(&batch->frames[sent], handle, more | ZMQ_DONTWAIT) < 0)
            rc = -1;
    }
    int saved = errno;
    envelope_batch_clear(batch); /* sent frames are empty now; closing them is harmless */
    errno = saved;
    return rc;
}

int
envelope_recv_batch(zsock_t *sock, zframe_t **identity, envelope_t *envs, size_t max, size_t *count)
{
    return envelope_recv_batch_from(sock, identity, NULL, NULL, 0, envs, max, count);
}

/*  Copy property of a received part (libzmq puts the connection's metadata
    on every part of a message but not on a ROUTER's identity frame once the
    message was prefetched, e.g. by ZMQ_EVENTS) into value. */
static void
s_property(zmq_msg_t *part, const char *property, char *value, size_t size)
{
    if (!property || !size || *value)
        return;
    const char *found = zmq_msg_gets(part, property);
    snprintf(value, size, "%s", found ? found : "");
}

int
envelope_recv_batch_from(zsock_t *sock, zframe_t **identity, const char *property, char *value,
                         size_t value_size, envelope_t *envs, size_t max, size_t *count)
{
    *count = 0;
    if (value && value_size)
        *value = 0;
    void *handle = zsock_resolve(sock);
    zmq_msg_t part;
    if (identity) {
        *identity = NULL;
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, handle, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&part);
            return -1;
        }
        *identity = zframe_new(zmq_msg_data(&part), zmq_msg_size(&part));
        zmq_msg_close(&part);
    }
    else {
        /* on a DEALER the first frame is the first envelope: wait for it
           here so that EAGAIN means "nothing waiting" */
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, handle, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&part);
            return -1;
        }
        s_property(&part, property, value, value_size);
        if (max > 0 && envelope_unpack(zmq_msg_data(&part), zmq_msg_size(&part), &envs[0]) == 0)
            (*count)++;
        zmq_msg_close(&part);
    }
    int more = 1;
    size_t len = sizeof more;
    while (zmq_getsockopt(handle, ZMQ_RCVMORE, &more, &len) == 0 && more) {
        zmq_msg_init(&part);
        if (zmq_msg_recv(&part, handle, ZMQ_DONTWAIT) < 0) {
            zmq_msg_close(&part);
            break;
        }
        s_property(&part, property, value, value_size);
        if (*count < max && envelope_unpack(zmq_msg_data(&part), zmq_msg_size(&part), &envs[*count]) == 0)
            (*count)++;
        zmq_msg_close(&part);
    }
    if (*count == 0) {
        if (identity)
            zframe_destroy(identity);
        errno = EPROTO;
        return -1;
    }
    return 0;
}

int
envelope_recv(zsock_t *sock, zframe_t **identity, envelope_t *env)
{
    memset(env, 0, sizeof *env);
    size_t count;
    return envelope_recv_batch(sock, identity, env, 1, &count);
}
