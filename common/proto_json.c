/*  proto_json.c - protobuf <-> JSON for the operator APIs (see
    proto_json.h), by walking each message's field descriptors. */
#include "proto_json.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define S_JSON_SUFFIX "_json"

/*  The JSON key of a field: "before_json" -> "before" (*is_json true). */
static void
s_json_key(const ProtobufCFieldDescriptor *field, char *key, size_t size, bool *is_json)
{
    size_t len = strlen(field->name), suffix = strlen(S_JSON_SUFFIX);
    *is_json = field->type == PROTOBUF_C_TYPE_STRING && len > suffix
               && strcmp(field->name + len - suffix, S_JSON_SUFFIX) == 0;
    snprintf(key, size, "%.*s", (int) (*is_json ? len - suffix : len), field->name);
}

/*  Address of a field inside message. */
static void *
s_member(const ProtobufCMessage *message, size_t offset)
{
    return (char *) message + offset;
}

/*  True when an optional field is set. */
static bool
s_present(const ProtobufCMessage *message, const ProtobufCFieldDescriptor *field)
{
    if (field->type == PROTOBUF_C_TYPE_STRING || field->type == PROTOBUF_C_TYPE_MESSAGE)
        return *(void **) s_member(message, field->offset) != NULL;
    return *(protobuf_c_boolean *) s_member(message, field->quantifier_offset);
}

static json_t *
s_scalar_to_json(const ProtobufCFieldDescriptor *field, const void *value, bool is_json)
{
    switch (field->type) {
    case PROTOBUF_C_TYPE_INT32:
    case PROTOBUF_C_TYPE_ENUM:
        return json_integer(*(const int32_t *) value);
    case PROTOBUF_C_TYPE_INT64:
        return json_integer(*(const int64_t *) value);
    case PROTOBUF_C_TYPE_BOOL:
        return json_boolean(*(const protobuf_c_boolean *) value);
    case PROTOBUF_C_TYPE_DOUBLE:
        return json_real(*(const double *) value);
    case PROTOBUF_C_TYPE_STRING: {
        const char *text = *(char *const *) value;
        json_t *out = is_json ? json_loads(text, JSON_DECODE_ANY, NULL) : json_string(text);
        return out ? out : json_null();
    }
    case PROTOBUF_C_TYPE_MESSAGE:
        return proto_json_from_message(*(ProtobufCMessage *const *) value);
    default:
        return json_null();
    }
}

/*  Element size of a repeated field of type. */
static size_t
s_element_size(ProtobufCType type)
{
    switch (type) {
    case PROTOBUF_C_TYPE_INT64:
    case PROTOBUF_C_TYPE_DOUBLE:
        return 8;
    case PROTOBUF_C_TYPE_STRING:
    case PROTOBUF_C_TYPE_MESSAGE:
        return sizeof(void *);
    case PROTOBUF_C_TYPE_BOOL:
        return sizeof(protobuf_c_boolean);
    default:
        return 4;
    }
}

json_t *
proto_json_from_message(const ProtobufCMessage *message)
{
    json_t *obj = json_object();
    const ProtobufCMessageDescriptor *desc = message->descriptor;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &desc->fields[i];
        char key[128];
        bool is_json;
        s_json_key(field, key, sizeof key, &is_json);
        json_t *value;
        if (field->label == PROTOBUF_C_LABEL_REPEATED) {
            size_t n = *(const size_t *) s_member(message, field->quantifier_offset);
            const char *items = *(char *const *) s_member(message, field->offset);
            value = json_array();
            for (size_t k = 0; k < n; k++)
                json_array_append_new(
                    value, s_scalar_to_json(field, items + k * s_element_size(field->type), is_json));
        }
        else if (field->label == PROTOBUF_C_LABEL_OPTIONAL && !s_present(message, field)) {
            value = json_null();
        }
        else {
            value = s_scalar_to_json(field, s_member(message, field->offset), is_json);
        }
        json_object_set_new(obj, key, value);
    }
    return obj;
}

int
proto_json_to_message(const json_t *object, ProtobufCMessage *message)
{
    const ProtobufCMessageDescriptor *desc = message->descriptor;
    for (unsigned i = 0; i < desc->n_fields; i++) {
        const ProtobufCFieldDescriptor *field = &desc->fields[i];
        if (field->label == PROTOBUF_C_LABEL_REPEATED || field->type == PROTOBUF_C_TYPE_MESSAGE)
            continue;
        char key[128];
        bool is_json;
        s_json_key(field, key, sizeof key, &is_json);
        const json_t *value = json_object_get(object, key);
        if (!value || json_is_null(value))
            continue;
        void *member = s_member(message, field->offset);
        switch (field->type) {
        case PROTOBUF_C_TYPE_INT32:
            if (!json_is_integer(value))
                return -1;
            *(int32_t *) member = (int32_t) json_integer_value(value);
            break;
        case PROTOBUF_C_TYPE_INT64:
            if (!json_is_integer(value))
                return -1;
            *(int64_t *) member = json_integer_value(value);
            break;
        case PROTOBUF_C_TYPE_BOOL:
            if (!json_is_boolean(value))
                return -1;
            *(protobuf_c_boolean *) member = json_is_true(value);
            break;
        case PROTOBUF_C_TYPE_DOUBLE:
            if (!json_is_number(value))
                return -1;
            *(double *) member = json_number_value(value);
            break;
        case PROTOBUF_C_TYPE_STRING: {
            char *text = is_json                 ? json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY)
                         : json_is_string(value) ? strdup(json_string_value(value))
                                                 : NULL;
            if (!text)
                return -1;
            free(*(char **) member);
            *(char **) member = text;
            continue; /* strings have no has_ flag */
        }
        default:
            continue;
        }
        if (field->label == PROTOBUF_C_LABEL_OPTIONAL)
            *(protobuf_c_boolean *) s_member(message, field->quantifier_offset) = 1;
    }
    return 0;
}
