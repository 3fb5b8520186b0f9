/*  handle_table.h - maps 64-bit handles to live objects, so that something
    which may disappear (a WebSocket session, an HTTP request, a pending
    request) is referred to by a handle that simply stops resolving once the
    object is gone. A handle is a slot index plus a generation: a stale handle
    never finds the slot's next occupant. O(1) insert, lookup and remove.

    The table owns no items: callers free what they store. */
#ifndef P2P_HANDLE_TABLE_H
#define P2P_HANDLE_TABLE_H

#include <stddef.h>
#include <stdint.h>

typedef struct handle_table handle_table_t;

/*  New empty table. first_generation seeds the generation counter; pass a
    random value so handles from an earlier process never match. Caller
    destroys. */
handle_table_t *handle_table_new(uint64_t first_generation);

/*  Free the table (not the items); NULL-safe, NULLs *self_p. */
void handle_table_destroy(handle_table_t **self_p);

/*  Store item (not NULL) and return its handle (never 0), or 0 when out of memory. */
uint64_t handle_table_insert(handle_table_t *self, void *item);

/*  The item for handle, or NULL when the handle is stale or unknown. */
void *handle_table_lookup(const handle_table_t *self, uint64_t handle);

/*  Forget handle; returns its item, or NULL when it was not live. */
void *handle_table_remove(handle_table_t *self, uint64_t handle);

/*  Number of live items. */
size_t handle_table_size(const handle_table_t *self);

/*  Call fn for every live item (fn may remove the item it is given). */
void handle_table_foreach(handle_table_t *self, void (*fn)(uint64_t handle, void *item, void *arg),
                          void *arg);

#endif
