/*  admin_api_json.h - the operator API's protobuf messages (proto/admin.proto)
    as the REST API's JSON shapes and back, driven by protobuf-c's field
    descriptors: one mapping for every message, no converter per field.
    admin-svc fills replies from the JSON of its rows; the p2p-admin CLI
    prints replies as --json. Kept apart from admin_api.c (the server) so
    the CLI links this file alone: no database, no profile code.
    Pure functions: no I/O. */
#ifndef P2P_ADMIN_API_JSON_H
#define P2P_ADMIN_API_JSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/*  A message as the REST JSON shape: field names as keys, absent optional
    fields as null, "x_json" string fields as the parsed JSON under "x",
    repeated messages as arrays. New reference (caller decrefs). */
json_t *admin_api_json_from_message(const ProtobufCMessage *message);

/*  Fill message (initialised, fields unset) from a JSON object of that shape:
    the inverse of admin_api_json_from_message for scalar and string fields.
    Strings are malloc'd, so protobuf_c_message_free_unpacked(message, NULL)
    frees them (and a malloc'd message). Keys absent or null stay unset.
    Returns 0, or -1 when a value has the wrong JSON type. */
int admin_api_json_to_message(const json_t *object, ProtobufCMessage *message);

#endif
