/*  profile_handlers.h - profile-svc's message handlers (one per message type)
    and its dispatch table for worker_run. Handlers validate, call the
    repository, and reply through common/reply_shape.h, which shapes the
    reply for REST or WebSocket; they hold no SQL and no sockets. */
#ifndef P2P_PROFILE_HANDLERS_H
#define P2P_PROFILE_HANDLERS_H

#include <stddef.h>

#include "db.h"
#include "profile_activity.h"
#include "answer_cache.h"
#include "profile_search_sync.h"
#include "worker.h"

/*  The process object handed to every handler and to the tick (a plain value;
    main owns and destroys its members). */
typedef struct {
    db_t *db;
    profile_activity_t *activity;
    answer_cache_t *search_cache;       /* profile.search answers */
    profile_search_sync_t *search_sync; /* profile.search's own index; NULL with P2P_SEARCH_INDEX=0 */
} profile_app_t;

/*  How long a search answer may be served at most, whatever the version
    says: last_active_at changes without moving it (and is itself written
    only once a minute per user). */
#define PROFILE_SEARCH_CACHE_MAX_AGE_MS 10000

/*  last_active_at batching: skip users flushed this recently, queue at most
    this many between flushes. */
#define PROFILE_ACTIVITY_QUIET_MS 60000
#define PROFILE_ACTIVITY_MAX_PENDING 10000

/*  The route table (static; do not free). *count receives its length. */
const worker_route_t *profile_handlers_routes(size_t *count);

/*  worker_spec_t.tick: flush the users seen since the last flush to
    last_active_at in one statement, and go on loading the search index
    when it has none. app is a profile_app_t. */
void profile_handlers_tick(void *app);

/*  The handlers, exposed for the route table and tests. app is a profile_app_t. */
worker_batch_fn profile_handlers_get;
worker_handler_fn profile_handlers_update;
worker_batch_fn profile_handlers_stats;
worker_batch_fn profile_handlers_search;
worker_handler_fn profile_handlers_check;
worker_handler_fn profile_handlers_create;
worker_batch_fn profile_handlers_me;
worker_handler_fn profile_handlers_put;
worker_handler_fn profile_handlers_session_open;

#endif
