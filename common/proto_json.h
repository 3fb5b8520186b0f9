/*  proto_json.h - the operator APIs' protobuf messages (proto/admin.proto,
    proto/trade_admin.proto) as the REST API's JSON shapes and back, driven
    by protobuf-c's field descriptors: one mapping for every message, no
    converter per field. admin-svc fills replies from the JSON of its rows;
    trade-svc turns a request message into the REST call's fields; the
    p2p-admin CLI prints replies as --json. In p2p_common so that the CLI
    links it without any server code. Pure functions: no I/O. */
#ifndef P2P_PROTO_JSON_H
#define P2P_PROTO_JSON_H

#include <jansson.h>
#include <protobuf-c/protobuf-c.h>

/*  A message as the REST JSON shape: field names as keys, absent optional
    fields as null, "x_json" string fields as the parsed JSON under "x",
    repeated messages as arrays. New reference (caller decrefs). */
json_t *proto_json_from_message(const ProtobufCMessage *message);

/*  Fill message (initialised, fields unset) from a JSON object of that shape:
    the inverse of proto_json_from_message for scalar and string fields.
    Strings are malloc'd, so protobuf_c_message_free_unpacked(message, NULL)
    frees them (and a malloc'd message). Keys absent or null stay unset.
    Returns 0, or -1 when a value has the wrong JSON type. */
int proto_json_to_message(const json_t *object, ProtobufCMessage *message);

#endif
