/*  session_index.h - user id -> the handles (in gw->sessions) of that user's
    open WebSocket sessions. Whatever concerns one user (a push, a
    suspension, the per-user session cap) costs in proportion to that user's
    sessions, never a scan of all of them.

    Holds handles only and owns no session: a session adds itself when it
    opens and removes itself when it closes; a handle whose session has gone
    simply stops resolving in gw->sessions. */
#ifndef P2P_SESSION_INDEX_H
#define P2P_SESSION_INDEX_H

#include <stddef.h>
#include <stdint.h>

typedef struct session_index session_index_t;

/*  New empty index, or NULL when out of memory. Caller destroys. */
session_index_t *session_index_new(void);

/*  NULL-safe; NULLs *self_p. */
void session_index_destroy(session_index_t **self_p);

/*  Note that user_id (copied) has the session behind handle. Returns 0, or
    -1 when out of memory (nothing changed). */
int session_index_add(session_index_t *self, const char *user_id, uint64_t handle);

/*  Forget handle for user_id; no-op when it was not there. */
void session_index_remove(session_index_t *self, const char *user_id, uint64_t handle);

/*  Number of sessions user_id has. */
size_t session_index_count(const session_index_t *self, const char *user_id);

/*  Number of users with at least one session. */
size_t session_index_users(const session_index_t *self);

/*  Call fn for each of user_id's session handles, in the order they were
    added. fn works on a snapshot, so it may add or remove sessions. */
void session_index_foreach(session_index_t *self, const char *user_id, void (*fn)(uint64_t handle, void *arg),
                           void *arg);

#endif
