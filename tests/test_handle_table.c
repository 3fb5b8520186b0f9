/*  test_handle_table.c - gateway/handle_table.h: handles resolve while their
    item is live and never again after it is removed, even once the slot is
    reused; the table grows without moving what handles refer to. */
#include <criterion/criterion.h>
#include <stdint.h>
#include <stdlib.h>

#include "handle_table.h"

static handle_table_t *s_table;

static void
s_setup(void)
{
    s_table = handle_table_new(12345);
    cr_assert_not_null(s_table);
}

static void
s_teardown(void)
{
    handle_table_destroy(&s_table);
    cr_assert_null(s_table);
}

TestSuite(handle_table, .init = s_setup, .fini = s_teardown);

Test(handle_table, insert_then_lookup_returns_the_item)
{
    int a = 1, b = 2;
    uint64_t ha = handle_table_insert(s_table, &a);
    uint64_t hb = handle_table_insert(s_table, &b);
    cr_assert_neq(ha, 0);
    cr_assert_neq(hb, 0);
    cr_assert_neq(ha, hb);
    cr_assert_eq(handle_table_lookup(s_table, ha), &a);
    cr_assert_eq(handle_table_lookup(s_table, hb), &b);
    cr_assert_eq(handle_table_size(s_table), 2);
}

Test(handle_table, remove_returns_the_item_once)
{
    int a = 1;
    uint64_t h = handle_table_insert(s_table, &a);
    cr_assert_eq(handle_table_remove(s_table, h), &a);
    cr_assert_eq(handle_table_size(s_table), 0);
    cr_assert_null(handle_table_lookup(s_table, h));
    cr_assert_null(handle_table_remove(s_table, h), "a second remove finds nothing");
    cr_assert_eq(handle_table_size(s_table), 0, "a second remove must not change the count");
}

Test(handle_table, unknown_handles_do_not_resolve)
{
    int a = 1;
    uint64_t h = handle_table_insert(s_table, &a);
    cr_assert_null(handle_table_lookup(s_table, 0));
    cr_assert_null(handle_table_remove(s_table, 0));
    cr_assert_null(handle_table_lookup(s_table, h + 1), "slot never handed out");
    cr_assert_null(handle_table_lookup(s_table, h ^ (1ull << 40)), "same slot, other generation");
    cr_assert_null(handle_table_lookup(s_table, UINT64_MAX));
    cr_assert_null(handle_table_remove(s_table, UINT64_MAX));
    cr_assert_eq(handle_table_lookup(s_table, h), &a, "bogus lookups leave the live item alone");
    cr_assert_eq(handle_table_size(s_table), 1);
}

Test(handle_table, stale_handle_never_finds_the_next_occupant_of_its_slot)
{
    int a = 1, b = 2;
    uint64_t old = handle_table_insert(s_table, &a);
    handle_table_remove(s_table, old);
    uint64_t fresh = handle_table_insert(s_table, &b);
    cr_assert_neq(fresh, old);
    cr_assert_eq(handle_table_lookup(s_table, fresh), &b);
    cr_assert_null(handle_table_lookup(s_table, old));
    cr_assert_null(handle_table_remove(s_table, old), "a stale remove must not evict the new item");
    cr_assert_eq(handle_table_lookup(s_table, fresh), &b);
    cr_assert_eq(handle_table_size(s_table), 1);
}

Test(handle_table, slot_reused_many_times_keeps_every_old_handle_dead)
{
    enum { ROUNDS = 1000 };
    static uint64_t old[ROUNDS];
    int item = 7;
    for (int i = 0; i < ROUNDS; i++) {
        old[i] = handle_table_insert(s_table, &item);
        cr_assert_neq(old[i], 0);
        cr_assert_eq(handle_table_remove(s_table, old[i]), &item);
    }
    uint64_t live = handle_table_insert(s_table, &item);
    for (int i = 0; i < ROUNDS; i++) {
        cr_assert_neq(old[i], live);
        cr_assert_null(handle_table_lookup(s_table, old[i]), "round %d's handle resolved", i);
    }
    cr_assert_eq(handle_table_lookup(s_table, live), &item);
}

Test(handle_table, grows_past_64_and_keeps_every_item)
{
    enum { N = 65 };
    int items[N];
    uint64_t handles[N];
    for (int i = 0; i < N; i++) {
        items[i] = i;
        handles[i] = handle_table_insert(s_table, &items[i]);
        cr_assert_neq(handles[i], 0);
    }
    cr_assert_eq(handle_table_size(s_table), N);
    for (int i = 0; i < N; i++)
        cr_assert_eq(handle_table_lookup(s_table, handles[i]), &items[i], "item %d lost in growth", i);
}

Test(handle_table, thousands_of_items_with_churn)
{
    enum { N = 5000 };
    int *items = calloc(N, sizeof *items);
    uint64_t *handles = calloc(N, sizeof *handles);
    cr_assert(items && handles);
    for (int i = 0; i < N; i++) {
        items[i] = i;
        handles[i] = handle_table_insert(s_table, &items[i]);
        cr_assert_neq(handles[i], 0);
    }
    cr_assert_eq(handle_table_size(s_table), N);
    /* drop the even ones, then put them back under new handles */
    for (int i = 0; i < N; i += 2)
        cr_assert_eq(handle_table_remove(s_table, handles[i]), &items[i]);
    cr_assert_eq(handle_table_size(s_table), N / 2);
    uint64_t *again = calloc(N, sizeof *again);
    cr_assert_not_null(again);
    for (int i = 0; i < N; i += 2) {
        again[i] = handle_table_insert(s_table, &items[i]);
        cr_assert_neq(again[i], 0);
    }
    cr_assert_eq(handle_table_size(s_table), N);
    for (int i = 0; i < N; i++) {
        if (i % 2 == 0) {
            cr_assert_null(handle_table_lookup(s_table, handles[i]), "stale handle %d resolved", i);
            cr_assert_eq(handle_table_lookup(s_table, again[i]), &items[i]);
        }
        else
            cr_assert_eq(handle_table_lookup(s_table, handles[i]), &items[i]);
    }
    /* every live handle is distinct */
    for (int i = 0; i < N; i += 2)
        for (int j = 1; j < N; j += 2)
            cr_assert_neq(again[i], handles[j]);
    free(again);
    free(handles);
    free(items);
}

typedef struct {
    handle_table_t *table;
    int visits[100];
    int calls;
} s_visit_t;

static void
s_remove_each(uint64_t handle, void *item, void *arg)
{
    s_visit_t *v = arg;
    v->calls++;
    v->visits[*(int *) item]++;
    cr_assert_eq(handle_table_lookup(v->table, handle), item, "foreach hands out the live handle");
    cr_assert_eq(handle_table_remove(v->table, handle), item);
}

Test(handle_table, foreach_may_remove_the_item_it_is_given)
{
    int items[100];
    for (int i = 0; i < 100; i++) {
        items[i] = i;
        handle_table_insert(s_table, &items[i]);
    }
    s_visit_t v = {.table = s_table};
    handle_table_foreach(s_table, s_remove_each, &v);
    cr_assert_eq(v.calls, 100);
    for (int i = 0; i < 100; i++)
        cr_assert_eq(v.visits[i], 1, "item %d visited %d times", i, v.visits[i]);
    cr_assert_eq(handle_table_size(s_table), 0);

    /* the table is still usable afterwards */
    uint64_t h = handle_table_insert(s_table, &items[5]);
    cr_assert_eq(handle_table_lookup(s_table, h), &items[5]);
}

static void
s_count(uint64_t handle, void *item, void *arg)
{
    (void) handle;
    s_visit_t *v = arg;
    v->calls++;
    v->visits[*(int *) item]++;
}

Test(handle_table, foreach_skips_removed_items)
{
    int items[10];
    uint64_t handles[10];
    for (int i = 0; i < 10; i++) {
        items[i] = i;
        handles[i] = handle_table_insert(s_table, &items[i]);
    }
    for (int i = 0; i < 10; i += 3)
        handle_table_remove(s_table, handles[i]);
    s_visit_t v = {.table = s_table};
    handle_table_foreach(s_table, s_count, &v);
    cr_assert_eq(v.calls, 6);
    for (int i = 0; i < 10; i++)
        cr_assert_eq(v.visits[i], i % 3 == 0 ? 0 : 1, "item %d", i);
}

Test(handle_table, foreach_on_empty_table_calls_nothing)
{
    s_visit_t v = {.table = s_table};
    handle_table_foreach(s_table, s_count, &v);
    cr_assert_eq(v.calls, 0);
}

Test(handle_table, handle_is_never_zero_whatever_the_first_generation)
{
    const uint64_t seeds[] = {0, 1, (1ull << 39) - 1, (1ull << 40) - 1, UINT64_MAX};
    for (size_t s = 0; s < sizeof seeds / sizeof seeds[0]; s++) {
        handle_table_t *t = handle_table_new(seeds[s]);
        cr_assert_not_null(t);
        int item = 1;
        /* seeds at the edges of the generation range, with slot reuse */
        for (int i = 0; i < 3000; i++) {
            uint64_t h = handle_table_insert(t, &item);
            cr_assert_neq(h, 0, "seed %zu, insert %d", s, i);
            cr_assert_eq(handle_table_lookup(t, h), &item);
            if (i % 3)
                handle_table_remove(t, h);
        }
        handle_table_destroy(&t);
        cr_assert_null(t);
    }
}

Test(handle_table, tables_with_different_seeds_give_different_handles)
{
    handle_table_t *other = handle_table_new(987654321);
    int item = 1;
    uint64_t a = handle_table_insert(s_table, &item);
    uint64_t b = handle_table_insert(other, &item);
    cr_assert_neq(a, b, "a handle from an earlier process must not match");
    cr_assert_null(handle_table_lookup(other, a));
    handle_table_destroy(&other);
}

Test(handle_table, destroy_is_null_safe)
{
    handle_table_t *none = NULL;
    handle_table_destroy(&none);
    handle_table_destroy(NULL);
    cr_assert_null(none);
}
