/*  handle_table.c - slot array with a free list; handle = generation << 24 | slot + 1. */
#include "handle_table.h"

#include <stdlib.h>

#define SLOT_BITS 24
#define SLOT_MASK ((1u << SLOT_BITS) - 1)
#define MAX_SLOTS (SLOT_MASK - 1)
#define NO_SLOT UINT32_MAX

typedef struct {
    void *item;
    uint64_t generation;
    uint32_t next_free;
} s_slot_t;

struct handle_table {
    s_slot_t *slots;
    uint32_t capacity;
    uint32_t used;      /* slots ever handed out (high-water mark) */
    uint32_t free_head; /* NO_SLOT when the free list is empty */
    size_t live;
    uint64_t generation;
};

handle_table_t *
handle_table_new(uint64_t first_generation)
{
    handle_table_t *self = calloc(1, sizeof *self);
    if (self) {
        self->free_head = NO_SLOT;
        /* keep generations within 40 bits so handles fit in 64 */
        self->generation = (first_generation & ((1ull << 39) - 1)) | 1;
    }
    return self;
}

void
handle_table_destroy(handle_table_t **self_p)
{
    if (self_p && *self_p) {
        free((*self_p)->slots);
        free(*self_p);
        *self_p = NULL;
    }
}

uint64_t
handle_table_insert(handle_table_t *self, void *item)
{
    uint32_t index;
    if (self->free_head != NO_SLOT) {
        index = self->free_head;
        self->free_head = self->slots[index].next_free;
    }
    else {
        if (self->used == MAX_SLOTS)
            return 0;
        if (self->used == self->capacity) {
            uint32_t capacity = self->capacity ? self->capacity * 2 : 64;
            if (capacity > MAX_SLOTS)
                capacity = MAX_SLOTS;
            s_slot_t *slots = realloc(self->slots, capacity * sizeof *slots);
            if (!slots)
                return 0;
            self->slots = slots;
            self->capacity = capacity;
        }
        index = self->used++;
    }
    s_slot_t *slot = &self->slots[index];
    slot->item = item;
    slot->generation = self->generation++;
    if (self->generation >= (1ull << 40))
        self->generation = 1;
    self->live++;
    return (slot->generation << SLOT_BITS) | (index + 1);
}

static s_slot_t *
s_find(const handle_table_t *self, uint64_t handle)
{
    uint32_t index = (uint32_t) (handle & SLOT_MASK);
    if (index == 0 || index > self->used)
        return NULL;
    s_slot_t *slot = &self->slots[index - 1];
    if (!slot->item || slot->generation != handle >> SLOT_BITS)
        return NULL;
    return slot;
}

void *
handle_table_lookup(const handle_table_t *self, uint64_t handle)
{
    s_slot_t *slot = s_find(self, handle);
    return slot ? slot->item : NULL;
}

void *
handle_table_remove(handle_table_t *self, uint64_t handle)
{
    s_slot_t *slot = s_find(self, handle);
    if (!slot)
        return NULL;
    void *item = slot->item;
    slot->item = NULL;
    slot->next_free = self->free_head;
    self->free_head = (uint32_t) (slot - self->slots);
    self->live--;
    return item;
}

size_t
handle_table_size(const handle_table_t *self)
{
    return self->live;
}

void
handle_table_foreach(handle_table_t *self, void (*fn)(uint64_t handle, void *item, void *arg), void *arg)
{
    for (uint32_t i = 0; i < self->used; i++) {
        s_slot_t *slot = &self->slots[i];
        if (slot->item)
            fn((slot->generation << SLOT_BITS) | (i + 1), slot->item, arg);
    }
}
