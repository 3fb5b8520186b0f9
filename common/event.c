/*  event.c - lookups in the EVENT_LIST table. */
#include "event.h"

#include <string.h>

static const struct {
    const char *wire;
    unsigned senders;
    event_action_t action;
} s_events[] = {
#define X(name, wire, senders, action) [name] = {wire, senders, action},
    EVENT_LIST(X)
#undef X
};

static bool
s_valid(event_t event)
{
    return event >= 0 && event < EVENT_COUNT;
}

event_t
event_from_name(const char *name)
{
    for (int i = 0; name && i < EVENT_COUNT; i++)
        if (strcmp(s_events[i].wire, name) == 0)
            return (event_t) i;
    return EVENT_UNKNOWN;
}

const char *
event_name(event_t event)
{
    return s_valid(event) ? s_events[event].wire : "?";
}

bool
event_may_send(event_t event, service_t from)
{
    if (!s_valid(event) || from <= SERVICE_NONE || from >= SERVICE_COUNT)
        return false;
    return (s_events[event].senders & EVENT_FROM(from)) != 0;
}

event_action_t
event_action(event_t event)
{
    return s_valid(event) ? s_events[event].action : EVENT_ACT_PUSH;
}
