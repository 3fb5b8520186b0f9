/*  header_guard.c - per-address lists of connections waiting for headers,
    oldest first (see header_guard.h). Two czmq hashes: connection -> entry,
    and address -> its list. */
#include "header_guard.h"

#include <czmq.h>
#include <string.h>

typedef struct s_address s_address_t;

typedef struct s_entry {
    void *conn;
    s_address_t *address;
    int64_t since_ms;
    struct s_entry *prev, *next;
} s_entry_t;

struct s_address {
    s_entry_t *oldest, *newest;
    size_t count;
    char key[]; /* the address key, for deleting it from the hash */
};

struct header_guard {
    size_t cap;
    header_guard_evict_fn *evict;
    void *evict_arg;
    zhashx_t *conns;     /* conn pointer -> s_entry_t, owned */
    zhashx_t *addresses; /* address key -> s_address_t, owned */
    uint64_t evicted;
};

static size_t
s_pointer_hash(const void *key)
{
    uintptr_t p = (uintptr_t) key;
    return (size_t) ((p >> 4) ^ (p >> 20) ^ (p * UINT64_C(0x9E3779B97F4A7C15) >> 32));
}

static int
s_pointer_compare(const void *a, const void *b)
{
    return a == b ? 0 : ((uintptr_t) a < (uintptr_t) b ? -1 : 1);
}

static void
s_free(void **item)
{
    free(*item);
    *item = NULL;
}

header_guard_t *
header_guard_new(int cap, header_guard_evict_fn *evict, void *arg)
{
    header_guard_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->cap = cap > 0 ? (size_t) cap : 1;
    self->evict = evict;
    self->evict_arg = arg;
    self->conns = zhashx_new();
    self->addresses = zhashx_new();
    if (!self->conns || !self->addresses) {
        header_guard_destroy(&self);
        return NULL;
    }
    /* connections are keyed by their pointer, never copied or freed */
    zhashx_set_key_hasher(self->conns, s_pointer_hash);
    zhashx_set_key_comparator(self->conns, s_pointer_compare);
    zhashx_set_key_duplicator(self->conns, NULL);
    zhashx_set_key_destructor(self->conns, NULL);
    zhashx_set_destructor(self->conns, s_free);
    zhashx_set_destructor(self->addresses, s_free);
    return self;
}

void
header_guard_destroy(header_guard_t **self_p)
{
    if (self_p && *self_p) {
        zhashx_destroy(&(*self_p)->conns);
        zhashx_destroy(&(*self_p)->addresses);
        free(*self_p);
        *self_p = NULL;
    }
}

/*  Unlink entry and free it (and its address when that was its last). */
static void
s_forget(header_guard_t *self, s_entry_t *entry)
{
    s_address_t *address = entry->address;
    if (entry->prev)
        entry->prev->next = entry->next;
    else
        address->oldest = entry->next;
    if (entry->next)
        entry->next->prev = entry->prev;
    else
        address->newest = entry->prev;
    address->count--;
    zhashx_delete(self->conns, entry->conn); /* frees entry */
    if (address->count == 0)
        zhashx_delete(self->addresses, address->key);
}

void
header_guard_waiting(header_guard_t *self, void *conn, const char *address_key, int64_t now_ms)
{
    if (zhashx_lookup(self->conns, conn))
        return;
    s_address_t *address = zhashx_lookup(self->addresses, address_key);
    if (address && address->count >= self->cap
        && (address->count >= self->cap * HEADER_GUARD_HARD_FACTOR
            || now_ms - address->oldest->since_ms >= HEADER_GUARD_GRACE_MS)) {
        void *victim = address->oldest->conn;
        bool last = address->count == 1;
        s_forget(self, address->oldest);
        if (last) /* s_forget freed the address */
            address = NULL;
        self->evicted++;
        self->evict(victim, self->evict_arg);
    }
    if (!address) {
        size_t len = strlen(address_key);
        address = calloc(1, sizeof *address + len + 1);
        if (!address)
            return; /* fail open: memory pressure must not lock clients out */
        memcpy(address->key, address_key, len + 1);
        if (zhashx_insert(self->addresses, address->key, address) != 0) {
            free(address);
            return;
        }
    }
    s_entry_t *entry = calloc(1, sizeof *entry);
    if (!entry || zhashx_insert(self->conns, conn, entry) != 0) {
        free(entry);
        if (address->count == 0)
            zhashx_delete(self->addresses, address->key);
        return;
    }
    *entry = (s_entry_t){.conn = conn, .address = address, .since_ms = now_ms, .prev = address->newest};
    if (address->newest)
        address->newest->next = entry;
    else
        address->oldest = entry;
    address->newest = entry;
    address->count++;
}

void
header_guard_done(header_guard_t *self, void *conn)
{
    s_entry_t *entry = zhashx_lookup(self->conns, conn);
    if (entry)
        s_forget(self, entry);
}

size_t
header_guard_size(const header_guard_t *self)
{
    return zhashx_size(self->conns);
}

size_t
header_guard_count(const header_guard_t *self, const char *address_key)
{
    const s_address_t *address = zhashx_lookup(self->addresses, address_key);
    return address ? address->count : 0;
}

uint64_t
header_guard_evicted(const header_guard_t *self)
{
    return self->evicted;
}
