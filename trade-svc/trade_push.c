/*  trade_push.c - pushes held until the commit (see trade_push.h). */
#include "trade_push.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"

void
trade_push_add(trade_push_t *self, const char *user_id, const char *type, const char *data_json)
{
    if (!user_id || !*user_id || !data_json)
        return;
    if (self->count == TRADE_PUSH_MAX) {
        log_warn("push.dropped", NULL, json_pack("{s:s}", "type", type));
        return;
    }
    char *frame = NULL;
    if (asprintf(&frame, "{\"type\":\"%s\",\"success\":true,\"data\":%s}", type, data_json) < 0)
        return;
    char *user = strdup(user_id);
    if (!user) {
        free(frame);
        return;
    }
    self->user_ids[self->count] = user;
    self->frames[self->count++] = frame;
}

void
trade_push_publish(trade_app_t *app, trade_push_t *self)
{
    for (size_t i = 0; i < self->count && app->worker; i++)
        worker_publish(app->worker, "user.push", self->user_ids[i], self->frames[i]);
    trade_push_clear(self);
}

void
trade_push_clear(trade_push_t *self)
{
    for (size_t i = 0; i < self->count; i++) {
        free(self->user_ids[i]);
        free(self->frames[i]);
    }
    self->count = 0;
}
