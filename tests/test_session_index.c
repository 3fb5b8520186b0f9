/*  test_session_index.c - gateway/session_index.h: per-user handles are
    added, counted, visited in order and removed; users do not see each
    other's sessions; a visitor may change the index while it runs. */
#include <criterion/criterion.h>

#include "session_index.h"

typedef struct {
    uint64_t seen[64];
    size_t count;
    session_index_t *index; /* when set, each visit removes the handle it sees */
    const char *user_id;
} s_visits_t;

static void
s_visit(uint64_t handle, void *arg)
{
    s_visits_t *v = arg;
    v->seen[v->count++] = handle;
    if (v->index)
        session_index_remove(v->index, v->user_id, handle);
}

Test(session_index, counts_each_users_sessions)
{
    session_index_t *index = session_index_new();
    cr_assert_not_null(index);
    cr_assert_eq(session_index_count(index, "alice"), 0);
    cr_assert_eq(session_index_add(index, "alice", 11), 0);
    cr_assert_eq(session_index_add(index, "alice", 12), 0);
    cr_assert_eq(session_index_add(index, "bob", 21), 0);
    cr_assert_eq(session_index_count(index, "alice"), 2);
    cr_assert_eq(session_index_count(index, "bob"), 1);
    cr_assert_eq(session_index_count(index, "carol"), 0);
    cr_assert_eq(session_index_users(index), 2);
    session_index_destroy(&index);
    cr_assert_null(index);
    session_index_destroy(&index); /* NULL-safe */
}

Test(session_index, visits_only_that_users_sessions_in_order)
{
    session_index_t *index = session_index_new();
    for (uint64_t h = 1; h <= 40; h++) /* grows past its first allocations */
        cr_assert_eq(session_index_add(index, h % 2 ? "odd" : "even", h), 0);
    s_visits_t v = {0};
    session_index_foreach(index, "odd", s_visit, &v);
    cr_assert_eq(v.count, 20);
    for (size_t i = 0; i < v.count; i++)
        cr_assert_eq(v.seen[i], 2 * i + 1);
    s_visits_t none = {0};
    session_index_foreach(index, "nobody", s_visit, &none);
    cr_assert_eq(none.count, 0);
    session_index_destroy(&index);
}

Test(session_index, remove_forgets_one_and_the_last_forgets_the_user)
{
    session_index_t *index = session_index_new();
    session_index_add(index, "alice", 1);
    session_index_add(index, "alice", 2);
    session_index_add(index, "alice", 3);
    session_index_remove(index, "alice", 2);
    session_index_remove(index, "alice", 99); /* not there: no-op */
    session_index_remove(index, "nobody", 1); /* no such user: no-op */
    s_visits_t v = {0};
    session_index_foreach(index, "alice", s_visit, &v);
    cr_assert_eq(v.count, 2);
    cr_assert_eq(v.seen[0], 1);
    cr_assert_eq(v.seen[1], 3);
    session_index_remove(index, "alice", 1);
    session_index_remove(index, "alice", 3);
    cr_assert_eq(session_index_count(index, "alice"), 0);
    cr_assert_eq(session_index_users(index), 0);
    session_index_destroy(&index);
}

Test(session_index, a_visitor_may_remove_what_it_visits)
{
    session_index_t *index = session_index_new();
    for (uint64_t h = 1; h <= 30; h++)
        session_index_add(index, "alice", h);
    s_visits_t v = {.index = index, .user_id = "alice"};
    session_index_foreach(index, "alice", s_visit, &v);
    cr_assert_eq(v.count, 30, "every session visited once");
    cr_assert_eq(session_index_count(index, "alice"), 0);
    cr_assert_eq(session_index_users(index), 0);
    session_index_destroy(&index);
}
