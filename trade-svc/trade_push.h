/*  trade_push.h - pushes a transaction decided, held until it commits.

    An operation collects the frames its transaction produces (a chat
    message, a notification) in a trade_push_t inside its context, and
    publishes them once trade_app_tx returned 0: a session never hears of
    something that was rolled back. A work function that runs again (a
    retry) starts by clearing what the previous run collected. */
#ifndef P2P_TRADE_PUSH_H
#define P2P_TRADE_PUSH_H

#include <stddef.h>

#include "trade_app.h"

#define TRADE_PUSH_MAX 16

typedef struct {
    char *user_ids[TRADE_PUSH_MAX]; /* owned */
    char *frames[TRADE_PUSH_MAX];   /* owned: {"type":...,"success":true,"data":...} */
    size_t count;
} trade_push_t;

/*  Queue {"type":type,"success":true,"data":data_json} for user_id (both
    copied). Past TRADE_PUSH_MAX the push is dropped with a warning (a client
    lists what it missed). */
void trade_push_add(trade_push_t *self, const char *user_id, const char *type, const char *data_json);

/*  Publish every queued push (user.push to every gateway), then clear. */
void trade_push_publish(trade_app_t *app, trade_push_t *self);

/*  Drop what is queued. */
void trade_push_clear(trade_push_t *self);

#endif
