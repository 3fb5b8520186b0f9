/*  route_table.h - the gateway's REST routes as one table (method, path
    pattern, what serves it, auth level) and the pure lookups on it: which
    route a method and path name, the path's parameters, whether the path
    is known under another method (405 rather than 404), which methods
    carry a body, the MIME type of a web file. No lws, no sockets: the
    request side lives in http_routes.c. */
#ifndef P2P_ROUTE_TABLE_H
#define P2P_ROUTE_TABLE_H

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

#include "msg_type.h"

/*  What serves a route. */
typedef enum {
    ROUTE_HEALTH,
    ROUTE_READY,
    ROUTE_WORKER,
    ROUTE_WEB,
    ROUTE_DEV_TOKEN,
    ROUTE_METRICS,
    ROUTE_WS /* the WebSocket path asked without an upgrade: 401, else 426 */
} route_kind_t;

/*  Who may call a route: anyone, a valid token, a token with role "admin". */
typedef enum { ROUTE_AUTH_NONE, ROUTE_AUTH_USER, ROUTE_AUTH_ADMIN } route_auth_t;

typedef struct {
    const char *method;
    const char *path; /* "{name}" matches one non-empty segment and becomes params["name"] */
    route_kind_t kind;
    msg_type_t type; /* ROUTE_WORKER: what the worker is asked; MSG_UNKNOWN otherwise */
    route_auth_t auth;
} route_t;

/*  The route for method and path (the path without its query string, as
    lws gives it), or NULL. path_known is set true when some route matches
    the path whatever its method (NULL then means 405, not 404). On a
    match, *params becomes the path's parameters as a new JSON object
    (caller decrefs), or NULL when the pattern has none; without a match
    *params is left unchanged. The route is the table's (do not free). */
const route_t *route_table_find(const char *method, const char *path, bool *path_known, json_t **params);

/*  The number of routes, and route i (0 <= i < count; do not free), in
    table order: the first matching route wins. */
size_t route_table_count(void);
const route_t *route_table_at(size_t i);

/*  Does a request with this method carry a body (POST and PUT, which may
    send a JSON object; an empty body reads as {})? */
bool route_table_has_body(const char *method);

/*  The Content-Type for a web file, by its last extension (case matters);
    "application/octet-stream" when unknown. A static string (do not free). */
const char *route_table_mime_type(const char *file);

/*  The REST routes as a JSON array of {"method","path","auth"} with auth
    "none", "user" or "admin" (new reference, caller decrefs), for
    `p2p-gateway --routes` and the API-description tests. */
json_t *route_table_describe(void);

#endif
