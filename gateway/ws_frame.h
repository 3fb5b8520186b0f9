/*  ws_frame.h - the client side of the WebSocket protocol as pure functions:
    parse what a client sent, compose what it receives. No sockets here, so
    the parser can be unit-tested and fuzzed on its own. */
#ifndef P2P_WS_FRAME_H
#define P2P_WS_FRAME_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"
#include "msg_type.h"

#define WS_REQUEST_ID_MAX 64                           /* characters (CONTRACT.md), not bytes */
#define WS_REQUEST_ID_SIZE (WS_REQUEST_ID_MAX * 4 + 1) /* bytes it may take, with the NUL */
#define WS_TYPE_ECHO_MAX 100

typedef struct {
    msg_type_t type;                      /* MSG_UNKNOWN when no client-visible type matches */
    char type_name[WS_TYPE_ECHO_MAX + 1]; /* as sent (truncated), for "Unknown message type" */
    char request_id[WS_REQUEST_ID_SIZE];  /* "" when absent */
    bool has_request_id;
} ws_frame_t;

/*  Parse a client text frame. Returns 0 with frame filled (type may be
    MSG_UNKNOWN: answer "Unknown message type"); -1 when the frame is not a
    valid message, with err's text the message to send. request_id is
    filled whenever it could be read, so even errors can echo it. */
int ws_frame_parse(const char *text, size_t len, ws_frame_t *frame, err_t *err);

/*  Compose a reply frame from a worker's reply body (a JSON object text) by
    putting "type" and, when not NULL/empty, "request_id" in front of its
    members. The result has `headroom` spare bytes before the text (for
    LWS_PRE). Returns a new buffer (caller frees) and sets *len to the text
    length (not counting headroom), or NULL when body is not an object. */
unsigned char *ws_frame_compose(size_t headroom, const char *type, const char *request_id, const char *body,
                                size_t body_len, size_t *len);

/*  Compose a frame from a JSON object (borrowed), adding "type" and
    "request_id" the same way. Same ownership as ws_frame_compose. */
unsigned char *ws_frame_compose_json(size_t headroom, const char *type, const char *request_id,
                                     const void *json_object, size_t *len);

#endif
