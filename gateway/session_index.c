/*  session_index.c - a czmq hash from user id to a small array of session
    handles (see session_index.h). */
#include "session_index.h"

#include <czmq.h>
#include <string.h>

typedef struct {
    uint64_t *handles; /* owned, count used of cap */
    size_t count;
    size_t cap;
} s_user_t;

struct session_index {
    zhashx_t *users; /* user id -> s_user_t, owned */
};

static void
s_user_free(void **item)
{
    s_user_t *user = *item;
    if (user) {
        free(user->handles);
        free(user);
    }
    *item = NULL;
}

session_index_t *
session_index_new(void)
{
    session_index_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->users = zhashx_new();
    if (!self->users) {
        free(self);
        return NULL;
    }
    zhashx_set_destructor(self->users, s_user_free);
    return self;
}

void
session_index_destroy(session_index_t **self_p)
{
    if (self_p && *self_p) {
        zhashx_destroy(&(*self_p)->users);
        free(*self_p);
        *self_p = NULL;
    }
}

int
session_index_add(session_index_t *self, const char *user_id, uint64_t handle)
{
    s_user_t *user = zhashx_lookup(self->users, user_id);
    bool fresh = !user;
    if (fresh) {
        user = calloc(1, sizeof *user);
        if (!user)
            return -1;
    }
    if (user->count == user->cap) {
        /* most users hold one or two sessions: start small */
        size_t cap = user->cap ? user->cap * 2 : 2;
        uint64_t *grown = realloc(user->handles, cap * sizeof *grown);
        if (!grown) {
            if (fresh)
                free(user);
            return -1;
        }
        user->handles = grown;
        user->cap = cap;
    }
    if (fresh && zhashx_insert(self->users, user_id, user) != 0) {
        free(user->handles);
        free(user);
        return -1;
    }
    user->handles[user->count++] = handle;
    return 0;
}

void
session_index_remove(session_index_t *self, const char *user_id, uint64_t handle)
{
    s_user_t *user = zhashx_lookup(self->users, user_id);
    if (!user)
        return;
    for (size_t i = 0; i < user->count; i++)
        if (user->handles[i] == handle) {
            /* keep the order: pushes reach a user's sessions oldest first */
            memmove(user->handles + i, user->handles + i + 1, (user->count - i - 1) * sizeof *user->handles);
            user->count--;
            break;
        }
    if (user->count == 0)
        zhashx_delete(self->users, user_id);
}

size_t
session_index_count(const session_index_t *self, const char *user_id)
{
    const s_user_t *user = zhashx_lookup(self->users, user_id);
    return user ? user->count : 0;
}

size_t
session_index_users(const session_index_t *self)
{
    return zhashx_size(self->users);
}

void
session_index_foreach(session_index_t *self, const char *user_id, void (*fn)(uint64_t handle, void *arg),
                      void *arg)
{
    const s_user_t *user = zhashx_lookup(self->users, user_id);
    if (!user || user->count == 0)
        return;
    uint64_t small[16];
    size_t count = user->count;
    uint64_t *snapshot = count <= sizeof small / sizeof small[0] ? small : malloc(count * sizeof *snapshot);
    if (!snapshot)
        return;
    memcpy(snapshot, user->handles, count * sizeof *snapshot);
    for (size_t i = 0; i < count; i++)
        fn(snapshot[i], arg);
    if (snapshot != small)
        free(snapshot);
}
