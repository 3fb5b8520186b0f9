/*  fuzz_envelope.c - common/envelope.h on arbitrary ZeroMQ message bytes.

    Whatever decodes must re-encode and decode to the same envelope (what a
    gateway or worker forwards is what it read); whatever does not decode is
    refused without leaks. */
#include <stdlib.h>
#include <string.h>

#include "envelope.h"

static void
s_same_string(const char *a, const char *b)
{
    if (!a || !b || strcmp(a, b) != 0)
        abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    envelope_t env;
    if (envelope_unpack(data, size, &env) != 0) {
        if (env._decoded || env.body || env.user_id)
            abort(); /* "env is then empty" */
        return 0;
    }
    if (env.kind < ENVELOPE_HEARTBEAT || env.kind > ENVELOPE_EVENT || env.body_len > ENVELOPE_MAX_BODY)
        abort();
    if (!env.service || !env.user_id || !env.role || !env.msg_type || !env.event || !env.params)
        abort(); /* "" when unset, never NULL after decode */
    size_t packed_size = 0;
    uint8_t *packed = envelope_pack(&env, &packed_size);
    if (!packed)
        abort();
    envelope_t again;
    if (envelope_unpack(packed, packed_size, &again) != 0)
        abort();
    if (again.kind != env.kind || again.request_id != env.request_id || again.deadline_ms != env.deadline_ms
        || again.status != env.status || again.channel != env.channel || again.body_len != env.body_len
        || (env.body_len && memcmp(again.body, env.body, env.body_len) != 0))
        abort();
    s_same_string(again.service, env.service);
    s_same_string(again.user_id, env.user_id);
    s_same_string(again.role, env.role);
    s_same_string(again.msg_type, env.msg_type);
    s_same_string(again.event, env.event);
    s_same_string(again.params, env.params);
    envelope_release(&again);
    free(packed);
    envelope_release(&env);
    if (env._decoded)
        abort();
    return 0;
}
