/*  fuzz_ws_frame.c - gateway/ws_frame.h on arbitrary client text frames.

    Every frame either parses or is refused with a message; a parsed frame's
    type and request id must always be usable to compose the reply the gateway
    sends back (an unusable one means the client never hears an answer), and
    compose must stay memory-safe on any body bytes a worker could return. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ws_frame.h"

#define S_HEADROOM 16 /* stands in for LWS_PRE */

static void
s_check_composed(unsigned char *buf, size_t len, const char *type, const char *request_id)
{
    if (!buf)
        abort();
    json_error_t jerr;
    json_t *root = json_loadb((const char *) buf + S_HEADROOM, len, JSON_ALLOW_NUL, &jerr);
    if (!json_is_object(root))
        abort();
    /* the body below carries neither key, so these are the spliced ones */
    if (strcmp(json_string_value(json_object_get(root, "type")), type) != 0)
        abort();
    json_t *rid = json_object_get(root, "request_id");
    if (request_id && *request_id ? !rid || strcmp(json_string_value(rid), request_id) != 0 : rid != NULL)
        abort();
    json_decref(root);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    ws_frame_t frame;
    err_t err = {0};
    int rc = ws_frame_parse((const char *) data, size, &frame, &err);
    if (rc != 0) {
        if (err.code != ERR_INVALID || !err.msg[0] || strnlen(err.msg, sizeof err.msg) == sizeof err.msg)
            abort();
    }
    else {
        if (strnlen(frame.type_name, sizeof frame.type_name) == sizeof frame.type_name
            || strnlen(frame.request_id, sizeof frame.request_id) == sizeof frame.request_id)
            abort();
        if (frame.type != MSG_UNKNOWN && strcmp(msg_type_name(frame.type), frame.type_name) != 0)
            abort();
        /* the reply the gateway sends for this frame, as ws_session builds it */
        json_t *reply = json_pack("{s:b, s:s}", "success", 0, "error", "fuzz");
        size_t len = 0;
        unsigned char *buf = ws_frame_compose_json(
            S_HEADROOM, frame.type_name, frame.has_request_id ? frame.request_id : NULL, reply, &len);
        json_decref(reply);
        s_check_composed(buf, len, frame.type_name, frame.has_request_id ? frame.request_id : NULL);
        free(buf);
        const char body[] = " {\"success\":true,\"data\":{}} ";
        buf = ws_frame_compose(S_HEADROOM, frame.type_name, frame.request_id, body, sizeof body - 1, &len);
        s_check_composed(buf, len, frame.type_name, frame.request_id);
        free(buf);
    }
    /* compose over the raw bytes as a worker reply body: any bytes, no overreads */
    size_t len = 0;
    unsigned char *buf =
        ws_frame_compose(S_HEADROOM, "profile.get", "rid-1", (const char *) data, size, &len);
    if (buf && strlen((const char *) buf + S_HEADROOM) > len)
        abort();
    free(buf);
    return 0;
}
