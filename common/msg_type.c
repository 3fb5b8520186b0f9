/*  msg_type.c - lookups over the message-type table in msg_type.h. */
#include "msg_type.h"

#include <string.h>

typedef struct {
    const char *name;
    service_t service;
    unsigned flags;
    const char *placeholder;
} s_msg_info_t;

static const s_msg_info_t s_types[] = {
#define X(name, wire, service, flags, placeholder) [name] = {wire, service, flags, placeholder},
    MSG_TYPE_LIST(X)
#undef X
};

static const char *s_services[] = {
#define X(name, wire) [name] = wire,
    SERVICE_LIST(X)
#undef X
};

/*  A linear scan over ~30 short names costs less than hashing them; the
    table stays the single source of truth. */
msg_type_t
msg_type_from_name(const char *name)
{
    if (!name)
        return MSG_UNKNOWN;
    for (int i = 0; i < MSG_TYPE_COUNT; i++)
        if (strcmp(s_types[i].name, name) == 0)
            return (msg_type_t) i;
    return MSG_UNKNOWN;
}

static bool
s_valid(msg_type_t type)
{
    return type >= 0 && type < MSG_TYPE_COUNT;
}

const char *
msg_type_name(msg_type_t type)
{
    return s_valid(type) ? s_types[type].name : "?";
}

service_t
msg_type_service(msg_type_t type)
{
    return s_valid(type) ? s_types[type].service : SERVICE_NONE;
}

bool
msg_type_is_ws(msg_type_t type)
{
    return s_valid(type) && (s_types[type].flags & MSG_WS);
}

bool
msg_type_is_write(msg_type_t type)
{
    return s_valid(type) && (s_types[type].flags & MSG_WRITE);
}

bool
msg_type_is_raw(msg_type_t type)
{
    return s_valid(type) && (s_types[type].flags & MSG_RAW);
}

bool
msg_type_is_batched(msg_type_t type)
{
    return s_valid(type) && (s_types[type].flags & MSG_BATCHED);
}

bool
msg_type_is_packed(msg_type_t type)
{
    return msg_type_is_batched(type) && !(s_types[type].flags & MSG_SPREAD);
}

const char *
msg_type_placeholder(msg_type_t type)
{
    return s_valid(type) ? s_types[type].placeholder : NULL;
}

const char *
service_name(service_t service)
{
    return (unsigned) service < SERVICE_COUNT ? s_services[service] : "none";
}

service_t
service_from_name(const char *name)
{
    for (int i = 0; name && i < SERVICE_COUNT; i++)
        if (strcmp(s_services[i], name) == 0)
            return (service_t) i;
    return SERVICE_NONE;
}
