/*  reply.h - the JSON bodies clients receive, in the seed's envelope:
      {"success":true,"data":{...},"message":"..."}
      {"success":false,"error":"<human text>","code":"<WIRE_CODE>"}
    Workers send these bodies as they are (REST); the gateway splices "type"
    and "request_id" in front of them for WebSocket clients. */
#ifndef P2P_REPLY_H
#define P2P_REPLY_H

#include <jansson.h>

#include "err.h"

/*  How reply JSON is printed: compact, and reals with 15 significant digits
    so 4.8 prints as 4.8, not 4.7999999999999998. */
#define REPLY_JSON_FLAGS (JSON_COMPACT | JSON_REAL_PRECISION(15))

/*  Success body. data is stolen (NULL: no "data" key); message may be NULL.
    Returns a new string (caller frees) or NULL when out of memory. */
char *reply_ok_body(json_t *data, const char *message);

/*  Failure body from err. Returns a new string (caller frees). */
char *reply_error_body(const err_t *err);

/*  Failure body with an explicit error text and code. */
char *reply_error_text(err_code_t code, const char *text);

/*  Failure body for errors of the plumbing rather than of the request (auth,
    limits, timeouts, unavailable workers): {"success":false,"error":"<WIRE_CODE>",
    "message":text,"code":"<WIRE_CODE>"}, the seed's connection_error style.
    ERR_INVALID keeps the reason in "error", as every 400 names its field. */
char *reply_gateway_error(err_code_t code, const char *text);

#endif
