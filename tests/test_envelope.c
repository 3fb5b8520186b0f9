/*  test_envelope.c - common/envelope.h: every field survives pack/unpack,
    malformed input is refused, and envelopes cross a real ROUTER/DEALER pair
    (inproc) with the identity framing and error codes the gateway relies on. */
#include <criterion/criterion.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

static const uint8_t s_binary_body[] = {'{', 0, 1, 2, 0xff, 0, '}', 0};

static envelope_t
s_full_envelope(void)
{
    return (envelope_t){
        .kind = ENVELOPE_REQUEST,
        .request_id = UINT64_C(0xfedcba9876543210),
        .service = "profile",
        .user_id = "user-42",
        .role = "admin",
        .msg_type = "profile.update",
        .event = "account_suspended",
        .deadline_ms = INT64_C(1700000000123),
        .status = 409,
        .channel = CHANNEL_WEBSOCKET,
        .body = s_binary_body,
        .body_len = sizeof s_binary_body,
    };
}

static void
s_assert_same(const envelope_t *a, const envelope_t *b)
{
    cr_assert_eq(a->kind, b->kind);
    cr_assert_eq(a->request_id, b->request_id);
    cr_assert_str_eq(a->service, b->service);
    cr_assert_str_eq(a->user_id, b->user_id);
    cr_assert_str_eq(a->role, b->role);
    cr_assert_str_eq(a->msg_type, b->msg_type);
    cr_assert_str_eq(a->event, b->event);
    cr_assert_eq(a->deadline_ms, b->deadline_ms);
    cr_assert_eq(a->status, b->status);
    cr_assert_eq(a->channel, b->channel);
    cr_assert_eq(a->body_len, b->body_len);
    cr_assert_eq(memcmp(a->body, b->body, a->body_len), 0, "body bytes differ");
}

/* ---- pack / unpack ---- */

Test(envelope, round_trip_keeps_every_field_and_binary_body)
{
    envelope_t in = s_full_envelope();
    size_t size = 0;
    uint8_t *buf = envelope_pack(&in, &size);
    cr_assert_not_null(buf);
    cr_assert_gt(size, sizeof s_binary_body);

    envelope_t out;
    cr_assert_eq(envelope_unpack(buf, size, &out), 0);
    s_assert_same(&in, &out);
    cr_assert_not_null(out._decoded);
    free(buf); /* the decoded envelope owns its own copy */
    cr_assert_eq(out.body[1], 0);
    cr_assert_eq(out.body[4], 0xff);
    envelope_release(&out);
    cr_assert_null(out._decoded);
}

Test(envelope, round_trip_of_every_kind_and_channel)
{
    const envelope_kind_t kinds[] = {ENVELOPE_HEARTBEAT, ENVELOPE_DISCONNECT, ENVELOPE_REQUEST,
                                     ENVELOPE_REPLY, ENVELOPE_EVENT};
    const envelope_channel_t channels[] = {CHANNEL_NONE, CHANNEL_REST, CHANNEL_WEBSOCKET};
    for (size_t k = 0; k < 5; k++)
        for (size_t c = 0; c < 3; c++) {
            envelope_t in = s_full_envelope();
            in.kind = kinds[k];
            in.channel = channels[c];
            size_t size;
            uint8_t *buf = envelope_pack(&in, &size);
            envelope_t out;
            cr_assert_eq(envelope_unpack(buf, size, &out), 0, "kind %d channel %d", kinds[k], channels[c]);
            s_assert_same(&in, &out);
            envelope_release(&out);
            free(buf);
        }
}

Test(envelope, extreme_values_survive)
{
    envelope_t in = {
        .kind = ENVELOPE_REPLY, .request_id = UINT64_MAX, .deadline_ms = INT64_MIN, .status = -1};
    size_t size;
    uint8_t *buf = envelope_pack(&in, &size);
    envelope_t out;
    cr_assert_eq(envelope_unpack(buf, size, &out), 0);
    cr_assert_eq(out.request_id, UINT64_MAX);
    cr_assert_eq(out.deadline_ms, INT64_MIN);
    cr_assert_eq(out.status, -1);
    envelope_release(&out);
    free(buf);
}

Test(envelope, unset_strings_decode_as_empty_never_null)
{
    envelope_t in = {.kind = ENVELOPE_HEARTBEAT};
    size_t size = 0;
    uint8_t *buf = envelope_pack(&in, &size);
    cr_assert_not_null(buf);
    envelope_t out;
    cr_assert_eq(envelope_unpack(buf, size, &out), 0);
    cr_assert_eq(out.kind, ENVELOPE_HEARTBEAT);
    const char *strings[] = {out.service, out.user_id, out.role, out.msg_type, out.event};
    for (int i = 0; i < 5; i++) {
        cr_assert_not_null(strings[i], "string %d is NULL", i);
        cr_assert_str_eq(strings[i], "");
    }
    cr_assert_eq(out.body_len, 0);
    cr_assert_eq(out.request_id, 0);
    cr_assert_eq(out.channel, CHANNEL_NONE);
    envelope_release(&out);
    free(buf);
}

Test(envelope, body_pointer_null_packs_as_empty_body)
{
    envelope_t in = {.kind = ENVELOPE_REQUEST, .body = NULL, .body_len = 99};
    size_t size;
    uint8_t *buf = envelope_pack(&in, &size);
    envelope_t out;
    cr_assert_eq(envelope_unpack(buf, size, &out), 0);
    cr_assert_eq(out.body_len, 0);
    envelope_release(&out);
    free(buf);
}

Test(envelope, garbage_bytes_are_refused)
{
    const uint8_t garbage[][8] = {
        {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff},
        {0x08},                 /* field 1, varint, truncated */
        {0x4a, 0x7f, 'a', 'b'}, /* body claiming 127 bytes, 2 present */
        {0x07, 0x01, 0x02},     /* wire type 7 does not exist */
    };
    const size_t sizes[] = {8, 1, 4, 3};
    for (size_t i = 0; i < 4; i++) {
        envelope_t out;
        memset(&out, 0x55, sizeof out);
        cr_assert_eq(envelope_unpack(garbage[i], sizes[i], &out), -1, "garbage %zu accepted", i);
        cr_assert_null(out._decoded, "a refused envelope needs no release");
        cr_assert_null(out.body);
        envelope_release(&out); /* and releasing it anyway is harmless */
    }
}

Test(envelope, empty_input_has_no_kind_and_is_refused)
{
    envelope_t out;
    cr_assert_eq(envelope_unpack((const uint8_t *) "", 0, &out), -1);
    cr_assert_null(out._decoded);
}

Test(envelope, kind_out_of_range_is_refused)
{
    const int kinds[] = {0, 6, 100};
    for (size_t i = 0; i < 3; i++) {
        envelope_t in = s_full_envelope();
        in.kind = (envelope_kind_t) kinds[i];
        size_t size;
        uint8_t *buf = envelope_pack(&in, &size);
        cr_assert_not_null(buf);
        envelope_t out;
        cr_assert_eq(envelope_unpack(buf, size, &out), -1, "kind %d accepted", kinds[i]);
        cr_assert_null(out._decoded);
        free(buf);
    }
}

Test(envelope, body_over_the_limit_is_refused)
{
    size_t big = ENVELOPE_MAX_BODY + 1;
    uint8_t *body = calloc(1, big);
    cr_assert_not_null(body);
    envelope_t in = {.kind = ENVELOPE_REQUEST, .body = body, .body_len = big};
    size_t size;
    uint8_t *buf = envelope_pack(&in, &size);
    envelope_t out;
    cr_assert_eq(envelope_unpack(buf, size, &out), -1);
    free(buf);

    in.body_len = ENVELOPE_MAX_BODY;
    buf = envelope_pack(&in, &size);
    cr_assert_eq(envelope_unpack(buf, size, &out), 0, "exactly the limit is fine");
    cr_assert_eq(out.body_len, ENVELOPE_MAX_BODY);
    envelope_release(&out);
    free(buf);
    free(body);
}

Test(envelope, release_is_safe_on_empty_and_twice)
{
    envelope_t env = {0};
    envelope_release(&env);
    envelope_release(NULL);
    envelope_t in = s_full_envelope();
    size_t size;
    uint8_t *buf = envelope_pack(&in, &size);
    cr_assert_eq(envelope_unpack(buf, size, &env), 0);
    envelope_release(&env);
    envelope_release(&env);
    cr_assert_null(env._decoded);
    free(buf);
}

/* ---- over ZeroMQ ---- */

static zsock_t *s_router;
static zsock_t *s_dealer;

static void
s_zmq_setup(void)
{
    zsys_handler_set(NULL);
    s_router = zsock_new(ZMQ_ROUTER);
    cr_assert_not_null(s_router);
    zsock_set_router_mandatory(s_router, 1);
    cr_assert_eq(zsock_bind(s_router, "inproc://test-envelope"), 0);
    s_dealer = zsock_new(ZMQ_DEALER);
    cr_assert_not_null(s_dealer);
    zsock_set_identity(s_dealer, "worker-1");
    cr_assert_eq(zsock_connect(s_dealer, "inproc://test-envelope"), 0);
}

static void
s_zmq_teardown(void)
{
    zsock_destroy(&s_dealer);
    zsock_destroy(&s_router);
}

/*  Wait up to a second for sock to be readable. */
static void
s_wait_readable(zsock_t *sock)
{
    zmq_pollitem_t item = {.socket = zsock_resolve(sock), .events = ZMQ_POLLIN};
    cr_assert_eq(zmq_poll(&item, 1, 1000), 1, "nothing arrived within a second");
}

Test(envelope, dealer_to_router_and_back, .init = s_zmq_setup, .fini = s_zmq_teardown)
{
    envelope_t request = s_full_envelope();
    cr_assert_eq(envelope_send(s_dealer, NULL, 0, &request), 0, "send: %s", zmq_strerror(errno));

    s_wait_readable(s_router);
    zframe_t *identity = NULL;
    envelope_t got;
    cr_assert_eq(envelope_recv(s_router, &identity, &got), 0, "recv: %s", zmq_strerror(errno));
    cr_assert_not_null(identity);
    cr_assert_eq(zframe_size(identity), strlen("worker-1"));
    cr_assert_eq(memcmp(zframe_data(identity), "worker-1", 8), 0);
    s_assert_same(&request, &got);
    envelope_release(&got);

    const char reply_body[] = "{\"success\":true}";
    envelope_t reply = {
        .kind = ENVELOPE_REPLY,
        .request_id = request.request_id,
        .status = 200,
        .body = (const uint8_t *) reply_body,
        .body_len = strlen(reply_body),
    };
    cr_assert_eq(envelope_send(s_router, zframe_data(identity), zframe_size(identity), &reply), 0, "%s",
                 zmq_strerror(errno));
    zframe_destroy(&identity);

    s_wait_readable(s_dealer);
    cr_assert_eq(envelope_recv(s_dealer, NULL, &got), 0);
    cr_assert_eq(got.kind, ENVELOPE_REPLY);
    cr_assert_eq(got.request_id, request.request_id);
    cr_assert_eq(got.status, 200);
    cr_assert_eq(got.body_len, strlen(reply_body));
    cr_assert_eq(memcmp(got.body, reply_body, got.body_len), 0);
    envelope_release(&got);
}

Test(envelope, messages_arrive_in_order_one_envelope_each, .init = s_zmq_setup, .fini = s_zmq_teardown)
{
    for (uint64_t i = 1; i <= 10; i++) {
        envelope_t env = {.kind = ENVELOPE_HEARTBEAT, .request_id = i, .service = "profile"};
        cr_assert_eq(envelope_send(s_dealer, NULL, 0, &env), 0);
    }
    for (uint64_t i = 1; i <= 10; i++) {
        s_wait_readable(s_router);
        zframe_t *identity = NULL;
        envelope_t got;
        cr_assert_eq(envelope_recv(s_router, &identity, &got), 0);
        cr_assert_eq(got.request_id, i);
        cr_assert_str_eq(got.service, "profile");
        envelope_release(&got);
        zframe_destroy(&identity);
    }
    zframe_t *identity = NULL;
    envelope_t got;
    cr_assert_eq(envelope_recv(s_router, &identity, &got), -1);
    cr_assert_eq(errno, EAGAIN);
}

Test(envelope, recv_with_nothing_waiting_is_eagain, .init = s_zmq_setup, .fini = s_zmq_teardown)
{
    zframe_t *identity = (zframe_t *) 0x1; /* must be reset, not left dangling */
    envelope_t got;
    errno = 0;
    cr_assert_eq(envelope_recv(s_router, &identity, &got), -1);
    cr_assert_eq(errno, EAGAIN);
    cr_assert_null(identity);
    cr_assert_null(got._decoded);

    errno = 0;
    cr_assert_eq(envelope_recv(s_dealer, NULL, &got), -1);
    cr_assert_eq(errno, EAGAIN);
}

Test(envelope, send_to_an_unknown_identity_is_ehostunreach, .init = s_zmq_setup, .fini = s_zmq_teardown)
{
    envelope_t env = {.kind = ENVELOPE_REPLY, .request_id = 1};
    errno = 0;
    cr_assert_eq(envelope_send(s_router, "nobody", 6, &env), -1);
    cr_assert_eq(errno, EHOSTUNREACH);

    /* nothing half-sent: the known peer still gets a clean envelope next */
    cr_assert_eq(envelope_send(s_dealer, NULL, 0, &env), 0);
    s_wait_readable(s_router);
    zframe_t *identity = NULL;
    envelope_t got;
    cr_assert_eq(envelope_recv(s_router, &identity, &got), 0);
    envelope_release(&got);
    cr_assert_eq(envelope_send(s_router, zframe_data(identity), zframe_size(identity), &env), 0);
    s_wait_readable(s_dealer);
    cr_assert_eq(envelope_recv(s_dealer, NULL, &got), 0);
    cr_assert_eq(got.kind, ENVELOPE_REPLY);
    envelope_release(&got);
    zframe_destroy(&identity);
}

Test(envelope, malformed_message_is_dropped_with_eproto, .init = s_zmq_setup, .fini = s_zmq_teardown)
{
    cr_assert_eq(zstr_send(s_dealer, "this is not protobuf \xff\xff\xff"), 0);
    envelope_t good = {.kind = ENVELOPE_HEARTBEAT, .request_id = 77};
    cr_assert_eq(envelope_send(s_dealer, NULL, 0, &good), 0);

    s_wait_readable(s_router);
    zframe_t *identity = NULL;
    envelope_t got;
    errno = 0;
    cr_assert_eq(envelope_recv(s_router, &identity, &got), -1);
    cr_assert_eq(errno, EPROTO);
    cr_assert_null(identity, "no identity is handed out for a dropped message");
    cr_assert_null(got._decoded);

    /* the stream is still in step: the next envelope reads cleanly */
    s_wait_readable(s_router);
    cr_assert_eq(envelope_recv(s_router, &identity, &got), 0);
    cr_assert_eq(got.request_id, 77);
    envelope_release(&got);
    zframe_destroy(&identity);
}

Test(envelope, extra_frames_are_drained, .init = s_zmq_setup, .fini = s_zmq_teardown)
{
    envelope_t env = {.kind = ENVELOPE_EVENT, .event = "account_suspended", .user_id = "u1"};
    size_t size;
    uint8_t *buf = envelope_pack(&env, &size);
    void *dealer = zsock_resolve(s_dealer);
    cr_assert_eq(zmq_send(dealer, buf, size, ZMQ_SNDMORE), (int) size);
    cr_assert_eq(zmq_send(dealer, "extra", 5, ZMQ_SNDMORE), 5);
    cr_assert_eq(zmq_send(dealer, "more", 4, 0), 4);
    free(buf);

    s_wait_readable(s_router);
    zframe_t *identity = NULL;
    envelope_t got;
    cr_assert_eq(envelope_recv(s_router, &identity, &got), 0);
    cr_assert_str_eq(got.event, "account_suspended");
    cr_assert_str_eq(got.user_id, "u1");
    envelope_release(&got);
    zframe_destroy(&identity);

    /* the trailing frames were not left to be read as the next message */
    errno = 0;
    cr_assert_eq(envelope_recv(s_router, &identity, &got), -1);
    cr_assert_eq(errno, EAGAIN);
}

/* ---- batches: several envelopes in one message ---- */

Test(envelope, a_batch_arrives_as_one_message_in_order, .init = s_zmq_setup, .fini = s_zmq_teardown)
{
    envelope_batch_t batch = {.count = 0};
    for (uint64_t i = 1; i <= 3; i++) {
        envelope_t env = {.kind = ENVELOPE_REQUEST, .request_id = i, .msg_type = "profile.get"};
        cr_assert_eq(envelope_batch_add(&batch, &env), 0);
    }
    cr_assert_eq(envelope_batch_send(&batch, s_dealer, NULL, 0), 0, "%s", zmq_strerror(errno));
    cr_assert_eq(batch.count, 0, "a sent batch is empty");

    s_wait_readable(s_router);
    zframe_t *identity = NULL;
    envelope_t got[ENVELOPE_BATCH_MAX];
    size_t count = 0;
    cr_assert_eq(envelope_recv_batch(s_router, &identity, got, ENVELOPE_BATCH_MAX, &count), 0);
    cr_assert_eq(count, 3);
    for (size_t i = 0; i < count; i++) {
        cr_assert_eq(got[i].request_id, i + 1);
        cr_assert_str_eq(got[i].msg_type, "profile.get");
        envelope_release(&got[i]);
    }

    /* and back through the ROUTER to the same peer */
    envelope_t reply = {.kind = ENVELOPE_REPLY, .request_id = 9, .status = 200};
    cr_assert_eq(envelope_batch_add(&batch, &reply), 0);
    cr_assert_eq(envelope_batch_add(&batch, &reply), 0);
    cr_assert_eq(envelope_batch_send(&batch, s_router, zframe_data(identity), zframe_size(identity)), 0);
    s_wait_readable(s_dealer);
    cr_assert_eq(envelope_recv_batch(s_dealer, NULL, got, ENVELOPE_BATCH_MAX, &count), 0);
    cr_assert_eq(count, 2);
    cr_assert_eq(got[1].status, 200);
    envelope_release(&got[0]);
    envelope_release(&got[1]);
    zframe_destroy(&identity);
    errno = 0;
    cr_assert_eq(envelope_recv_batch(s_dealer, NULL, got, ENVELOPE_BATCH_MAX, &count), -1);
    cr_assert_eq(errno, EAGAIN);
}

Test(envelope, a_full_batch_refuses_more, .init = s_zmq_setup, .fini = s_zmq_teardown)
{
    envelope_batch_t batch = {.count = 0};
    envelope_t env = {.kind = ENVELOPE_REQUEST, .request_id = 1};
    for (int i = 0; i < ENVELOPE_BATCH_MAX; i++)
        cr_assert_eq(envelope_batch_add(&batch, &env), 0);
    errno = 0;
    cr_assert_eq(envelope_batch_add(&batch, &env), -1);
    cr_assert_eq(errno, ENOBUFS);
    envelope_batch_clear(&batch);
    cr_assert_eq(batch.count, 0);
    cr_assert_eq(envelope_batch_send(&batch, s_dealer, NULL, 0), 0, "an empty batch sends nothing");
    errno = 0;
    envelope_t got;
    zframe_t *identity = NULL;
    cr_assert_eq(envelope_recv(s_router, &identity, &got), -1);
    cr_assert_eq(errno, EAGAIN);
}

Test(envelope, a_batch_to_an_unknown_peer_is_refused_whole, .init = s_zmq_setup, .fini = s_zmq_teardown)
{
    envelope_batch_t batch = {.count = 0};
    envelope_t env = {.kind = ENVELOPE_REPLY, .request_id = 5};
    cr_assert_eq(envelope_batch_add(&batch, &env), 0);
    cr_assert_eq(envelope_batch_add(&batch, &env), 0);
    errno = 0;
    cr_assert_eq(envelope_batch_send(&batch, s_router, "nobody", 6), -1);
    cr_assert_eq(errno, EHOSTUNREACH);
    cr_assert_eq(batch.count, 0, "the frames are dropped, not kept half-sent");
}

Test(envelope, a_batch_past_max_and_its_bad_frames_are_dropped, .init = s_zmq_setup, .fini = s_zmq_teardown)
{
    void *dealer = zsock_resolve(s_dealer);
    for (uint64_t i = 1; i <= 4; i++) {
        envelope_t env = {.kind = ENVELOPE_REQUEST, .request_id = i};
        size_t size;
        uint8_t *buf = envelope_pack(&env, &size);
        if (i == 2) /* a malformed frame between good ones */
            cr_assert_eq(zmq_send(dealer, "\xff\xff\xff", 3, ZMQ_SNDMORE), 3);
        cr_assert_eq(zmq_send(dealer, buf, size, i < 4 ? ZMQ_SNDMORE : 0), (int) size);
        free(buf);
    }
    s_wait_readable(s_router);
    zframe_t *identity = NULL;
    envelope_t got[2];
    size_t count = 0;
    cr_assert_eq(envelope_recv_batch(s_router, &identity, got, 2, &count), 0);
    cr_assert_eq(count, 2);
    cr_assert_eq(got[0].request_id, 1);
    cr_assert_eq(got[1].request_id, 2, "the malformed frame was skipped");
    envelope_release(&got[0]);
    envelope_release(&got[1]);
    zframe_destroy(&identity);
    /* the frames past max did not become a message of their own */
    errno = 0;
    cr_assert_eq(envelope_recv_batch(s_router, &identity, got, 2, &count), -1);
    cr_assert_eq(errno, EAGAIN);
}
