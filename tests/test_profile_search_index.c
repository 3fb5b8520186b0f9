/*  test_profile_search_index.c - profile-svc/profile_search_index.h: the
    in-memory search listing must answer exactly what the database path
    answers (profile_repo_search): who is listable (consent, suspension and
    its end), the filters, the case-insensitive username substring, the
    rank order, the page and its total (exact, or capped at
    PROFILE_SEARCH_COUNT_AHEAD past the offset), and it must refuse what it
    cannot answer cheaply. Besides hand-written cases, a model check compares
    thousands of random puts and searches with a brute-force scan of a plain
    array that implements those semantics on its own. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "profile_search_index.h"

#define NOW_US 1700000000000000LL

/* ------------------------------------------------------------------------
   helpers */

static profile_search_index_t *
s_index(void)
{
    profile_search_index_t *index = profile_search_index_new();
    cr_assert_not_null(index);
    return index;
}

static void
s_put(profile_search_index_t *index, int64_t id, const char *name, int32_t rating_cents, int32_t completed,
      unsigned flags, int64_t suspended_until_us, uint64_t xid)
{
    profile_listing_t listing = {
        .id = id,
        .name = name,
        .rating_cents = rating_cents,
        .completed_trades = completed,
        .flags = flags,
        .suspended_until_us = suspended_until_us,
        .xid = xid,
    };
    cr_assert_eq(profile_search_index_put(index, &listing), 0, "put of id %lld failed", (long long) id);
}

/*  A listable profile (consent, not suspended) with xid = id * 10. */
static void
s_put_listed(profile_search_index_t *index, int64_t id, const char *name, int32_t rating_cents,
             int32_t completed)
{
    s_put(index, id, name, rating_cents, completed, PROFILE_LISTING_CONSENT, PROFILE_LISTING_NO_END,
          (uint64_t) id * 10);
}

static profile_search_t
s_search(const char *text)
{
    return (profile_search_t){
        .search = text,
        .is_verified = TRISTATE_ANY,
        .is_merchant = TRISTATE_ANY,
        .min_rating = 0,
        .limit = 20,
        .offset = 0,
    };
}

/*  Find, expecting an answer. */
static profile_search_page_t
s_find(const profile_search_index_t *index, const profile_search_t *search, int64_t now_us)
{
    profile_search_page_t page;
    memset(&page, 0xA5, sizeof page); /* stale bytes must not survive */
    cr_assert_eq(profile_search_index_find(index, search, now_us, &page), PROFILE_SEARCH_INDEX_ANSWERED,
                 "refused '%s'", search->search ? search->search : "(null)");
    return page;
}

/*  Find text with the default filters; expect exactly ids (n of them) and an exact total. */
static void
s_expect(const profile_search_index_t *index, const char *text, int64_t now_us, const int64_t *ids, size_t n)
{
    profile_search_t search = s_search(text);
    profile_search_page_t page = s_find(index, &search, now_us);
    cr_assert_eq(page.count, n, "'%s': %zu ids, expected %zu", text, page.count, n);
    for (size_t i = 0; i < n; i++)
        cr_assert_eq(page.ids[i], ids[i], "'%s': ids[%zu] = %lld, expected %lld", text, i,
                     (long long) page.ids[i], (long long) ids[i]);
    cr_assert_eq(page.total, (int64_t) n, "'%s': total %lld, expected %zu", text, (long long) page.total, n);
    cr_assert_not(page.capped);
}

static void
s_expect_refused(const profile_search_index_t *index, const char *text)
{
    profile_search_t search = s_search(text);
    profile_search_page_t page;
    cr_assert_eq(profile_search_index_find(index, &search, NOW_US, &page), PROFILE_SEARCH_INDEX_REFUSED,
                 "answered '%s'", text ? text : "(null)");
}

/* ------------------------------------------------------------------------
   basic */

Test(profile_search_index, finds_the_matches_best_first)
{
    profile_search_index_t *index = s_index();
    s_put_listed(index, 1, "alice", 450, 10);
    s_put_listed(index, 2, "malik", 450, 30); /* same rating, more trades: before alice */
    s_put_listed(index, 3, "bob", 500, 99);
    s_put_listed(index, 4, "alina", 300, 0);
    s_put_listed(index, 5, "kalif", 450, 10); /* ties alice on both keys: after her by id */
    s_put_listed(index, 6, "carol", 200, 1);
    cr_assert_eq(profile_search_index_size(index), 6);
    cr_assert_gt(profile_search_index_bytes(index), 0);

    s_expect(index, "ali", NOW_US, (int64_t[]){2, 1, 5, 4}, 4);
    s_expect(index, "ALI", NOW_US, (int64_t[]){2, 1, 5, 4}, 4);
    s_expect(index, "aLiC", NOW_US, (int64_t[]){1}, 1);
    s_expect(index, "alice", NOW_US, (int64_t[]){1}, 1);
    s_expect(index, "lin", NOW_US, (int64_t[]){4}, 1);
    s_expect(index, "bob", NOW_US, (int64_t[]){3}, 1);
    s_expect(index, "bobb", NOW_US, NULL, 0);
    s_expect(index, "xyz", NOW_US, NULL, 0);
    s_expect(index, "alicea", NOW_US, NULL, 0);

    /* xids are those put */
    profile_search_t search = s_search("ali");
    profile_search_page_t page = s_find(index, &search, NOW_US);
    cr_assert_eq(page.count, 4);
    for (size_t i = 0; i < page.count; i++)
        cr_assert_eq(page.xids[i], (uint64_t) page.ids[i] * 10);

    /* filters */
    s_put(index, 7, "alibi", 480, 5, PROFILE_LISTING_CONSENT | PROFILE_LISTING_VERIFIED,
          PROFILE_LISTING_NO_END, 70);
    s_put(index, 8, "alien", 470, 5, PROFILE_LISTING_CONSENT | PROFILE_LISTING_MERCHANT,
          PROFILE_LISTING_NO_END, 80);
    search.is_verified = TRISTATE_TRUE;
    page = s_find(index, &search, NOW_US);
    cr_assert_eq(page.count, 1);
    cr_assert_eq(page.ids[0], 7);
    search.is_verified = TRISTATE_FALSE;
    search.is_merchant = TRISTATE_TRUE;
    page = s_find(index, &search, NOW_US);
    cr_assert_eq(page.count, 1);
    cr_assert_eq(page.ids[0], 8);
    search.is_merchant = TRISTATE_FALSE;
    page = s_find(index, &search, NOW_US);
    cr_assert_eq(page.count, 4);
    cr_assert_eq(page.ids[0], 2);

    /* min_rating: inclusive, read as "%.6f" */
    search = s_search("ali");
    search.min_rating = 4.5;
    page = s_find(index, &search, NOW_US);
    cr_assert_eq(page.count, 5); /* 7 (4.80), 8 (4.70), 2, 1, 5 (4.50) */
    cr_assert_eq(page.ids[0], 7);
    cr_assert_eq(page.ids[4], 5);
    search.min_rating = 4.5000004; /* "4.500000": still 4.50 */
    cr_assert_eq(s_find(index, &search, NOW_US).count, 5);
    search.min_rating = 4.5000006; /* "4.500001": above 4.50 */
    cr_assert_eq(s_find(index, &search, NOW_US).count, 2);
    search.min_rating = 5;
    cr_assert_eq(s_find(index, &search, NOW_US).count, 0);

    /* page = offset / limit; the total */
    search = s_search("ali");
    search.limit = 2;
    page = s_find(index, &search, NOW_US);
    cr_assert_eq(page.count, 2);
    cr_assert_eq(page.ids[0], 7);
    cr_assert_eq(page.ids[1], 8);
    cr_assert_eq(page.total, 6);
    cr_assert_not(page.capped);
    search.offset = 5;
    page = s_find(index, &search, NOW_US);
    cr_assert_eq(page.count, 1);
    cr_assert_eq(page.ids[0], 4);
    cr_assert_eq(page.total, 6);
    search.offset = 50; /* past the end: counted */
    page = s_find(index, &search, NOW_US);
    cr_assert_eq(page.count, 0);
    cr_assert_eq(page.total, 6);
    cr_assert_not(page.capped);

    profile_search_index_destroy(&index);
    cr_assert_null(index);
    profile_search_index_destroy(&index); /* NULL-safe */
    profile_search_index_destroy(NULL);
}

Test(profile_search_index, text_longer_than_a_username_answers_an_empty_page)
{
    profile_search_index_t *index = s_index();
    s_put_listed(index, 1, "abcdefghijklmnopqrstuvwxyz0123", 100, 0); /* 30 characters */
    s_expect(index, "abcdefghijklmnopqrstuvwxyz0123", NOW_US, (int64_t[]){1}, 1);
    s_expect(index, "abcdefghijklmnopqrstuvwxyz01234", NOW_US, NULL, 0);
    profile_search_t search = s_search("abcdefghijklmnopqrstuvwxyz01234");
    search.offset = 10;
    profile_search_page_t page = s_find(index, &search, NOW_US);
    cr_assert_eq(page.count, 0);
    cr_assert_eq(page.total, 0);
    cr_assert_not(page.capped);
    profile_search_index_destroy(&index);
}

Test(profile_search_index, a_name_too_long_or_missing_matches_nothing)
{
    profile_search_index_t *index = s_index();
    s_put_listed(index, 1, "abcdefghijklmnopqrstuvwxyz01234", 100, 0); /* 31: cannot be a username */
    s_put_listed(index, 2, NULL, 100, 0);
    s_put_listed(index, 3, "xabcx", 100, 0);
    cr_assert_eq(profile_search_index_size(index), 3);
    s_expect(index, "abc", NOW_US, (int64_t[]){3}, 1);
    s_expect(index, "mno", NOW_US, NULL, 0);
    /* a name given later is found */
    s_put_listed(index, 2, "mnop", 100, 0);
    s_expect(index, "mno", NOW_US, (int64_t[]){2}, 1);
    profile_search_index_destroy(&index);
}

/* ------------------------------------------------------------------------
   refusals */

Test(profile_search_index, refuses_what_it_cannot_answer)
{
    profile_search_index_t *index = s_index();
    s_put_listed(index, 1, "alice", 450, 10);
    s_put_listed(index, 2, "a_b", 450, 10);
    s_expect_refused(index, "");
    s_expect_refused(index, NULL);
    s_expect_refused(index, "a");
    s_expect_refused(index, "ab");
    s_expect_refused(index, "a%b");
    s_expect_refused(index, "al ice");
    s_expect_refused(index, "ali-");
    s_expect_refused(index, "al\xc3\xa9"); /* é */
    s_expect_refused(index, "ali*");
    s_expect_refused(index, "abcdefghijklmnopqrstuvwxyz01234%"); /* long but not a username's */
    /* what is answered stays answered */
    s_expect(index, "a_b", NOW_US, (int64_t[]){2}, 1);
    s_expect(index, "ALI", NOW_US, (int64_t[]){1}, 1);
    profile_search_index_destroy(&index);
}

/* ------------------------------------------------------------------------
   updates */

Test(profile_search_index, a_put_replaces_what_the_index_holds)
{
    profile_search_index_t *index = s_index();
    s_put_listed(index, 10, "alice", 400, 5);
    s_put_listed(index, 20, "alicia", 300, 5);
    s_expect(index, "alic", NOW_US, (int64_t[]){10, 20}, 2);

    /* rename: the old pattern no longer finds it, the new one does */
    s_put_listed(index, 10, "zelda", 400, 5);
    cr_assert_eq(profile_search_index_size(index), 2);
    s_expect(index, "alic", NOW_US, (int64_t[]){20}, 1);
    s_expect(index, "lic", NOW_US, (int64_t[]){20}, 1);
    s_expect(index, "zel", NOW_US, (int64_t[]){10}, 1);
    s_expect(index, "elda", NOW_US, (int64_t[]){10}, 1);
    /* back, and a rename that keeps some trigrams */
    s_put_listed(index, 10, "alice", 400, 5);
    s_expect(index, "zel", NOW_US, NULL, 0);
    s_put_listed(index, 10, "malice", 400, 5);
    s_expect(index, "alic", NOW_US, (int64_t[]){10, 20}, 2);
    s_expect(index, "mal", NOW_US, (int64_t[]){10}, 1);
    s_expect(index, "alice", NOW_US, (int64_t[]){10}, 1);

    /* rating moves the order; then trades break the tie */
    s_put_listed(index, 20, "alicia", 450, 5);
    s_expect(index, "alic", NOW_US, (int64_t[]){20, 10}, 2);
    s_put_listed(index, 10, "malice", 450, 5);
    s_expect(index, "alic", NOW_US, (int64_t[]){10, 20}, 2); /* tie: id */
    s_put_listed(index, 20, "alicia", 450, 6);
    s_expect(index, "alic", NOW_US, (int64_t[]){20, 10}, 2);

    /* the xid is the latest put's */
    s_put(index, 20, "alicia", 450, 6, PROFILE_LISTING_CONSENT, PROFILE_LISTING_NO_END, 777);
    profile_search_t search = s_search("alic");
    profile_search_page_t page = s_find(index, &search, NOW_US);
    cr_assert_eq(page.count, 2);
    cr_assert_eq(page.ids[0], 20);
    cr_assert_eq(page.xids[0], 777);

    /* consent revoked: gone */
    s_put(index, 20, "alicia", 450, 6, 0, PROFILE_LISTING_NO_END, 778);
    s_expect(index, "alic", NOW_US, (int64_t[]){10}, 1);
    s_put(index, 20, "alicia", 450, 6, PROFILE_LISTING_CONSENT, PROFILE_LISTING_NO_END, 779);
    s_expect(index, "alic", NOW_US, (int64_t[]){20, 10}, 2);

    /* suspended for good: gone */
    s_put(index, 20, "alicia", 450, 6, PROFILE_LISTING_CONSENT | PROFILE_LISTING_SUSPENDED,
          PROFILE_LISTING_NO_END, 780);
    s_expect(index, "alic", NOW_US, (int64_t[]){10}, 1);
    /* suspension ended (in the past, or exactly now): listed */
    s_put(index, 20, "alicia", 450, 6, PROFILE_LISTING_CONSENT | PROFILE_LISTING_SUSPENDED, NOW_US - 1, 781);
    s_expect(index, "alic", NOW_US, (int64_t[]){20, 10}, 2);
    s_put(index, 20, "alicia", 450, 6, PROFILE_LISTING_CONSENT | PROFILE_LISTING_SUSPENDED, NOW_US, 782);
    s_expect(index, "alic", NOW_US, (int64_t[]){20, 10}, 2);
    /* ends in the future: not listed now, listed once now_us passes it */
    s_put(index, 20, "alicia", 450, 6, PROFILE_LISTING_CONSENT | PROFILE_LISTING_SUSPENDED, NOW_US + 1, 783);
    s_expect(index, "alic", NOW_US, (int64_t[]){10}, 1);
    s_expect(index, "alic", NOW_US + 1, (int64_t[]){20, 10}, 2);
    /* a suspension end without the suspended flag changes nothing */
    s_put(index, 20, "alicia", 450, 6, PROFILE_LISTING_CONSENT, NOW_US + 1000, 784);
    s_expect(index, "alic", NOW_US, (int64_t[]){20, 10}, 2);
    /* consent revoked and suspension ended: still gone */
    s_put(index, 20, "alicia", 450, 6, PROFILE_LISTING_SUSPENDED, NOW_US - 1, 785);
    s_expect(index, "alic", NOW_US, (int64_t[]){10}, 1);

    cr_assert_eq(profile_search_index_size(index), 2);
    profile_search_index_destroy(&index);
}

/* ------------------------------------------------------------------------
   the model: a plain array scanned by brute force */

typedef struct {
    int64_t id;
    char name[48];
    bool has_name;
    int32_t rating_cents;
    int32_t completed;
    unsigned flags;
    int64_t until;
    uint64_t xid;
} s_model_row_t;

typedef struct {
    s_model_row_t *rows;
    size_t len, cap;
} s_model_t;

static s_model_row_t *
s_model_get(s_model_t *model, int64_t id)
{
    for (size_t i = 0; i < model->len; i++)
        if (model->rows[i].id == id)
            return &model->rows[i];
    if (model->len == model->cap) {
        model->cap = model->cap ? model->cap * 2 : 256;
        model->rows = realloc(model->rows, model->cap * sizeof *model->rows);
        cr_assert_not_null(model->rows);
    }
    s_model_row_t *row = &model->rows[model->len++];
    memset(row, 0, sizeof *row);
    row->id = id;
    return row;
}

/*  Put into the model and the index alike. */
static void
s_model_put(s_model_t *model, profile_search_index_t *index, int64_t id, const char *name,
            int32_t rating_cents, int32_t completed, unsigned flags, int64_t until, uint64_t xid)
{
    s_model_row_t *row = s_model_get(model, id);
    row->has_name = name != NULL;
    snprintf(row->name, sizeof row->name, "%s", name ? name : "");
    row->rating_cents = rating_cents;
    row->completed = completed;
    row->flags = flags;
    row->until = until;
    row->xid = xid;
    s_put(index, id, name, rating_cents, completed, flags, until, xid);
}

/*  min_rating as PostgreSQL reads the "%.6f" text, in millionths. */
static int64_t
s_model_min_micro(double min_rating)
{
    char text[64];
    snprintf(text, sizeof text, "%.6f", min_rating);
    long long whole = 0, frac = 0;
    cr_assert_eq(sscanf(text, "%lld.%lld", &whole, &frac), 2, "unexpected %s", text);
    return whole * 1000000 + frac;
}

static bool
s_model_tristate(tristate_t want, bool have)
{
    if (want == TRISTATE_ANY)
        return true;
    return have == (want == TRISTATE_TRUE);
}

/*  Whether a row is on the listing and matches search (lowered text). */
static bool
s_model_matches(const s_model_row_t *row, const profile_search_t *search, const char *lowered,
                int64_t min_micro, int64_t now_us)
{
    if (!(row->flags & PROFILE_LISTING_CONSENT))
        return false;
    if ((row->flags & PROFILE_LISTING_SUSPENDED)
        && (row->until == PROFILE_LISTING_NO_END || row->until > now_us))
        return false;
    if (!s_model_tristate(search->is_verified, (row->flags & PROFILE_LISTING_VERIFIED) != 0)
        || !s_model_tristate(search->is_merchant, (row->flags & PROFILE_LISTING_MERCHANT) != 0))
        return false;
    if ((int64_t) row->rating_cents * 10000 < min_micro)
        return false;
    if (!row->has_name || strlen(row->name) > PROFILE_LISTING_NAME_MAX)
        return false;
    /* substring, the slow way */
    size_t n = strlen(row->name), m = strlen(lowered);
    for (size_t at = 0; at + m <= n; at++)
        if (strncmp(row->name + at, lowered, m) == 0)
            return true;
    return false;
}

static int
s_model_rank(const void *a, const void *b)
{
    const s_model_row_t *x = *(const s_model_row_t *const *) a, *y = *(const s_model_row_t *const *) b;
    if (x->rating_cents != y->rating_cents)
        return x->rating_cents > y->rating_cents ? -1 : 1;
    if (x->completed != y->completed)
        return x->completed > y->completed ? -1 : 1;
    return x->id < y->id ? -1 : x->id > y->id ? 1 : 0;
}

/*  The database path's answer: the page's rows and the total. */
static void
s_model_find(const s_model_t *model, const profile_search_t *search, int64_t now_us,
             profile_search_page_t *page)
{
    char lowered[PROFILE_SEARCH_MAX_CHARS + 1];
    size_t len = strlen(search->search);
    cr_assert_leq(len, PROFILE_SEARCH_MAX_CHARS);
    for (size_t i = 0; i <= len; i++)
        lowered[i] = (search->search[i] >= 'A' && search->search[i] <= 'Z') ? (char) (search->search[i] + 32)
                                                                            : search->search[i];
    const s_model_row_t **hits = malloc((model->len + 1) * sizeof *hits);
    cr_assert_not_null(hits);
    size_t matches = 0;
    int64_t min_micro = s_model_min_micro(search->min_rating);
    for (size_t i = 0; i < model->len; i++)
        if (s_model_matches(&model->rows[i], search, lowered, min_micro, now_us))
            hits[matches++] = &model->rows[i];
    qsort(hits, matches, sizeof *hits, s_model_rank);

    size_t offset = (size_t) search->offset, limit = (size_t) search->limit;
    page->count = 0;
    for (size_t i = offset; i < matches && page->count < limit; i++) {
        page->ids[page->count] = hits[i]->id;
        page->xids[page->count] = hits[i]->xid;
        page->count++;
    }
    bool more = matches > offset + limit;
    page->capped = false;
    if (!more && (page->count > 0 || offset == 0))
        page->total = (int64_t) (offset + page->count);
    else if (matches >= offset + PROFILE_SEARCH_COUNT_AHEAD + 1) {
        page->total = (int64_t) (offset + PROFILE_SEARCH_COUNT_AHEAD);
        page->capped = true;
    }
    else
        page->total = (int64_t) matches;
    free(hits);
}

/*  Describe search for a failure message. */
static const char *
s_describe(const profile_search_t *search, int64_t now_us, char *buf, size_t size)
{
    snprintf(buf, size, "search '%s' verified %d merchant %d min %.7f limit %d offset %d now %+lld",
             search->search, (int) search->is_verified, (int) search->is_merchant, search->min_rating,
             search->limit, search->offset, (long long) (now_us - NOW_US));
    return buf;
}

/*  Ask both; the answers must be the same. Returns the page's size. */
static size_t
s_compare(const s_model_t *model, const profile_search_index_t *index, const profile_search_t *search,
          int64_t now_us, int round)
{
    char what[256];
    s_describe(search, now_us, what, sizeof what);
    profile_search_page_t want, got;
    s_model_find(model, search, now_us, &want);
    memset(&got, 0xA5, sizeof got);
    cr_assert_eq(profile_search_index_find(index, search, now_us, &got), PROFILE_SEARCH_INDEX_ANSWERED,
                 "round %d: refused %s", round, what);
    cr_assert_eq(got.count, want.count, "round %d: %s: %zu ids, expected %zu", round, what, got.count,
                 want.count);
    for (size_t i = 0; i < want.count; i++) {
        cr_assert_eq(got.ids[i], want.ids[i], "round %d: %s: ids[%zu] = %lld, expected %lld", round, what, i,
                     (long long) got.ids[i], (long long) want.ids[i]);
        cr_assert_eq(got.xids[i], want.xids[i], "round %d: %s: xids[%zu] = %llu, expected %llu", round, what,
                     i, (unsigned long long) got.xids[i], (unsigned long long) want.xids[i]);
    }
    cr_assert_eq(got.total, want.total, "round %d: %s: total %lld, expected %lld", round, what,
                 (long long) got.total, (long long) want.total);
    cr_assert_eq(got.capped, want.capped, "round %d: %s: capped %d, expected %d", round, what, got.capped,
                 want.capped);
    return want.count;
}

/*  A fixed-seed generator (xorshift64*), the same run every time. */
static uint64_t
s_rand(uint64_t *state)
{
    uint64_t x = *state;
    x ^= x >> 12;
    x ^= x << 25;
    x ^= x >> 27;
    *state = x;
    return x * 0x2545F4914F6CDD1DULL;
}

static unsigned
s_below(uint64_t *state, unsigned n)
{
    return (unsigned) (s_rand(state) % n);
}

/*  A name of min..max characters over a small alphabet: trigrams collide a lot. */
static void
s_random_name(uint64_t *state, char *name, size_t min, size_t max)
{
    static const char alphabet[] = "ab_1";
    size_t len = min + s_below(state, (unsigned) (max - min + 1));
    for (size_t i = 0; i < len; i++)
        name[i] = alphabet[s_below(state, 4)];
    name[len] = '\0';
}

static const int32_t s_ratings[] = {0, 100, 250, 250, 300, 449, 450, 450, 451, 500};
static const double s_min_ratings[] = {0, 0, 0, 1, 2.5, 2.4999999, 2.5000004, 2.5000006, 4.5, 4.49, 4.51, 5};
static const int64_t s_ends[] = {PROFILE_LISTING_NO_END, NOW_US - 1000, NOW_US - 1, NOW_US, NOW_US + 1,
                                 NOW_US + 1000};

static void
s_random_put(s_model_t *model, profile_search_index_t *index, uint64_t *state, int64_t *next_id,
             uint64_t *xid)
{
    int64_t id;
    if (model->len > 0 && s_below(state, 3) == 0)
        id = model->rows[s_below(state, (unsigned) model->len)].id; /* an update */
    else {
        *next_id += 1 + s_below(state, 1000); /* sparse ids, some large */
        id = s_below(state, 20) == 0 ? *next_id * 1000003 : *next_id;
    }
    char name[48];
    const char *given = name;
    unsigned kind = s_below(state, 40);
    if (kind == 0)
        given = NULL;
    else if (kind == 1)
        s_random_name(state, name, 31, 34); /* too long for a username */
    else
        s_random_name(state, name, 3, 8);
    unsigned flags = s_below(state, 4); /* verified, merchant */
    if (s_below(state, 5) != 0)
        flags |= PROFILE_LISTING_CONSENT; /* most are listed */
    if (s_below(state, 4) == 0)
        flags |= PROFILE_LISTING_SUSPENDED;
    s_model_put(model, index, id, given, s_ratings[s_below(state, sizeof s_ratings / sizeof s_ratings[0])],
                (int32_t) s_below(state, 4), flags, s_ends[s_below(state, sizeof s_ends / sizeof s_ends[0])],
                ++*xid);
}

static size_t
s_random_search(const s_model_t *model, const profile_search_index_t *index, uint64_t *state, int round)
{
    static const char alphabet[] = "ab_1AB";
    char text[8];
    size_t len = 3 + s_below(state, 3);
    for (size_t i = 0; i < len; i++)
        text[i] = alphabet[s_below(state, s_below(state, 4) == 0 ? 6 : 4)];
    text[len] = '\0';
    profile_search_t search = s_search(text);
    /* about half the searches filter nothing and start at 0, so most pages have rows */
    if (s_below(state, 2) == 0) {
        search.is_verified = (tristate_t) ((int) s_below(state, 3) - 1);
        search.is_merchant = (tristate_t) ((int) s_below(state, 3) - 1);
        search.min_rating = s_min_ratings[s_below(state, sizeof s_min_ratings / sizeof s_min_ratings[0])];
    }
    search.limit = 1 + (int) s_below(state, 20);
    search.offset = s_below(state, 2) == 0 ? 0 : (int) s_below(state, 31);
    int64_t now_us = NOW_US + (int64_t) s_below(state, 3) - 1;
    return s_compare(model, index, &search, now_us, round);
}

Test(profile_search_index, answers_as_a_brute_force_scan_does)
{
    profile_search_index_t *index = s_index();
    s_model_t model = {0};
    uint64_t state = 0x9E3779B97F4A7C15ULL, xid = 0;
    int64_t next_id = 0;
    int searches = 0, found = 0;
    for (int round = 0; round < 6000; round++) {
        if (s_below(&state, 5) < 3)
            s_random_put(&model, index, &state, &next_id, &xid);
        else {
            found += s_random_search(&model, index, &state, round) > 0;
            searches++;
        }
        cr_assert_eq(profile_search_index_size(index), model.len, "round %d", round);
    }
    cr_assert_gt(searches, 1000);
    cr_assert_gt(found, searches / 3, "only %d of %d pages had rows: the check compares little", found,
                 searches);
    cr_assert_gt(model.len, 500);
    /* every pattern of the alphabet at the end, default filters and some offsets */
    static const char alphabet[] = "ab_1";
    for (int code = 0; code < 64; code++) {
        char text[4] = {alphabet[code / 16], alphabet[(code / 4) % 4], alphabet[code % 4], '\0'};
        for (int offset = 0; offset <= 200; offset += 50) {
            profile_search_t search = s_search(text);
            search.offset = offset;
            search.limit = 100;
            s_compare(&model, index, &search, NOW_US, -1);
        }
    }
    free(model.rows);
    profile_search_index_destroy(&index);
}

/*  A small alphabet of two letters, longer names: patterns of 4-5 characters
    with repeated trigrams ("aaaa") and long intersections. */
Test(profile_search_index, answers_as_a_brute_force_scan_does_with_two_letters)
{
    profile_search_index_t *index = s_index();
    s_model_t model = {0};
    uint64_t state = 12345, xid = 0;
    for (int round = 0; round < 3000; round++) {
        if (s_below(&state, 2) == 0) {
            char name[16];
            size_t len = 3 + s_below(&state, 10);
            for (size_t i = 0; i < len; i++)
                name[i] = "ab"[s_below(&state, 2)];
            name[len] = '\0';
            int64_t id = 1 + (int64_t) s_below(&state, 600);
            s_model_put(&model, index, id, name, s_ratings[s_below(&state, 10)], (int32_t) s_below(&state, 3),
                        PROFILE_LISTING_CONSENT | s_below(&state, 4), PROFILE_LISTING_NO_END, ++xid);
        }
        else {
            char text[8];
            size_t len = 3 + s_below(&state, 3);
            for (size_t i = 0; i < len; i++)
                text[i] = "abAB"[s_below(&state, 4)];
            text[len] = '\0';
            profile_search_t search = s_search(text);
            search.is_verified = (tristate_t) ((int) s_below(&state, 3) - 1);
            search.limit = 1 + (int) s_below(&state, 20);
            search.offset = (int) s_below(&state, 31);
            s_compare(&model, index, &search, NOW_US, round);
        }
    }
    free(model.rows);
    profile_search_index_destroy(&index);
}

/*  Totals around the cap: 1,200 names holding "zzz", searched at offsets on
    both sides of where the count stops (offset + 1000). */
Test(profile_search_index, totals_cross_the_count_cap_as_the_database_does)
{
    profile_search_index_t *index = s_index();
    s_model_t model = {0};
    char name[32];
    for (int n = 0; n < 1200; n++) {
        snprintf(name, sizeof name, "zzz%d", n);
        s_model_put(&model, index, 5000 - n, name, s_ratings[n % 10], n % 7, PROFILE_LISTING_CONSENT,
                    PROFILE_LISTING_NO_END, (uint64_t) n + 1);
    }
    static const int offsets[] = {0,    1,    30,   100,  198,  199,  200,  201,
                                  1100, 1180, 1199, 1200, 1201, 5000, 10000};
    static const int limits[] = {1, 20, 100};
    for (size_t o = 0; o < sizeof offsets / sizeof offsets[0]; o++)
        for (size_t l = 0; l < sizeof limits / sizeof limits[0]; l++) {
            profile_search_t search = s_search("zzz");
            search.offset = offsets[o];
            search.limit = limits[l];
            s_compare(&model, index, &search, NOW_US, (int) o);
            search.search = "ZZZ1"; /* 1 and 1xx..1xxx: 311 names, below the cap */
            s_compare(&model, index, &search, NOW_US, (int) o);
        }

    /* the numbers themselves, spelled out once */
    profile_search_t search = s_search("zzz");
    profile_search_page_t page = s_find(index, &search, NOW_US);
    cr_assert_eq(page.count, 20);
    cr_assert_eq(page.total, 1000);
    cr_assert(page.capped);
    search.offset = 199;
    page = s_find(index, &search, NOW_US);
    cr_assert_eq(page.total, 1199);
    cr_assert(page.capped);
    search.offset = 200; /* 1200 matches < 200 + 1001: counted exactly */
    page = s_find(index, &search, NOW_US);
    cr_assert_eq(page.total, 1200);
    cr_assert_not(page.capped);
    search.offset = 1190; /* the last page: told by the page */
    page = s_find(index, &search, NOW_US);
    cr_assert_eq(page.count, 10);
    cr_assert_eq(page.total, 1200);
    cr_assert_not(page.capped);
    search.offset = 1180; /* exactly limit left: no extra row, total told */
    page = s_find(index, &search, NOW_US);
    cr_assert_eq(page.count, 20);
    cr_assert_eq(page.total, 1200);
    search.offset = 3000; /* past the end: counted */
    page = s_find(index, &search, NOW_US);
    cr_assert_eq(page.count, 0);
    cr_assert_eq(page.total, 1200);
    cr_assert_not(page.capped);

    /* filters thin the matches under the cap: the model again */
    search = s_search("zzz");
    search.min_rating = 4.5;
    s_compare(&model, index, &search, NOW_US, -1);
    search.offset = 10;
    s_compare(&model, index, &search, NOW_US, -1);

    free(model.rows);
    profile_search_index_destroy(&index);
}

/* ------------------------------------------------------------------------
   the candidates' limit */

Test(profile_search_index, refuses_a_pattern_whose_rarest_trigram_is_too_common)
{
    profile_search_index_t *index = s_index();
    s_model_t model = {0};
    char name[32];
    /* exactly the limit of names holding "aaa": still answered */
    for (int n = 0; n < PROFILE_SEARCH_INDEX_MAX_CANDIDATES; n++) {
        snprintf(name, sizeof name, "aaa%d", n);
        s_model_put(&model, index, n + 1, name, s_ratings[n % 10], n % 5, PROFILE_LISTING_CONSENT,
                    PROFILE_LISTING_NO_END, (uint64_t) n + 1);
    }
    profile_search_t search = s_search("aaa");
    s_compare(&model, index, &search, NOW_US, 0);
    search.offset = 10000;
    s_compare(&model, index, &search, NOW_US, 0);

    /* two more: refused, also when the pattern repeats the trigram */
    for (int n = PROFILE_SEARCH_INDEX_MAX_CANDIDATES; n < PROFILE_SEARCH_INDEX_MAX_CANDIDATES + 2; n++) {
        snprintf(name, sizeof name, "aaa%d", n);
        s_model_put(&model, index, n + 1, name, 300, 0, PROFILE_LISTING_CONSENT, PROFILE_LISTING_NO_END,
                    (uint64_t) n + 1);
    }
    s_expect_refused(index, "aaa");
    s_expect_refused(index, "AAA");
    s_expect_refused(index, "aaaa");
    s_expect_refused(index, "aaaaa");

    /* a rare trigram beside it: answered from the rare one's names */
    s_model_put(&model, index, 900001, "aaaqxz", 100, 0, PROFILE_LISTING_CONSENT, PROFILE_LISTING_NO_END, 1);
    s_model_put(&model, index, 900002, "xaaaqx", 500, 0, PROFILE_LISTING_CONSENT, PROFILE_LISTING_NO_END, 2);
    s_model_put(&model, index, 900003, "qxzaaa", 400, 0, PROFILE_LISTING_CONSENT, PROFILE_LISTING_NO_END, 3);
    s_model_put(&model, index, 900004, "aaaq", 300, 0, 0, PROFILE_LISTING_NO_END, 4); /* no consent */
    search = s_search("aaaqx");
    profile_search_page_t page = s_find(index, &search, NOW_US);
    cr_assert_eq(page.count, 2);
    cr_assert_eq(page.ids[0], 900002);
    cr_assert_eq(page.ids[1], 900001);
    cr_assert_eq(page.total, 2);
    s_compare(&model, index, &search, NOW_US, 1);
    search.search = "AAAQ";
    s_compare(&model, index, &search, NOW_US, 2);
    search.search = "zaaa";
    s_compare(&model, index, &search, NOW_US, 3);
    search.search = "aaa12345"; /* a common trigram and digits: rarest is a digit one */
    s_compare(&model, index, &search, NOW_US, 4);
    search.search = "aa1999";
    s_compare(&model, index, &search, NOW_US, 5);

    /* renamed away from "aaa" (20,006 hold it, 10 leave): back under the
       limit, answered again */
    for (int n = 0; n < 10; n++) {
        snprintf(name, sizeof name, "bbb%d", n);
        s_model_put(&model, index, n + 1, name, 300, 0, PROFILE_LISTING_CONSENT, PROFILE_LISTING_NO_END, 7);
    }
    search = s_search("aaa");
    s_compare(&model, index, &search, NOW_US, 6);
    search.search = "bbb";
    s_compare(&model, index, &search, NOW_US, 7);

    free(model.rows);
    profile_search_index_destroy(&index);
}
