/*  profile_search_index.c - the search listing in memory (see
    profile_search_index.h).

    Three structures, all owned by the index:
    - listings, an array indexed by slot (a slot is given to an id the first
      time it is put and kept for the index's life);
    - an open-addressing map from id to slot;
    - for each of the 37^3 trigrams of [a-z0-9_], the slots of the names
      holding it, sorted ascending (new slots are the largest: appending
      keeps the order; a renamed profile moves between lists). */
#include "profile_search_index.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "page.h"

#define S_ALPHABET 37
#define S_TRIGRAMS (S_ALPHABET * S_ALPHABET * S_ALPHABET)
#define S_NAME_TRIGRAMS_MAX (PROFILE_LISTING_NAME_MAX - 2)

/*  The rest of a listing (its filters and rank keys are in s_key_t): one
    64-byte cache line, the name first, so checking a candidate's name is
    one memory read. */
typedef struct {
    char name[PROFILE_LISTING_NAME_MAX + 1];
    uint8_t name_len; /* 0: no name */
    int64_t id;
    int64_t suspended_until_us;
    uint64_t xid;
} __attribute__((aligned(64))) s_listing_t;

_Static_assert(sizeof(s_listing_t) == 64, "a listing is one cache line");

/*  What a search checks first for every candidate, apart from the rest:
    8 bytes a profile (8 MB at a million) stay in the CPU's cache where the
    whole listings (64 MB) cannot, and a search visits thousands of
    candidates at random slots. */
typedef struct {
    int32_t completed_trades;
    int16_t rating_cents;
    uint8_t flags;
    uint8_t unused;
} s_key_t;

typedef struct {
    uint32_t *slots;
    uint32_t len, cap;
} s_posting_t;

struct profile_search_index {
    s_listing_t *listings;
    s_key_t *keys; /* by slot, like listings */
    size_t count, cap;
    /* id -> slot + 1 (0: empty); map_cap is a power of two, at most half full */
    int64_t *map_ids;
    uint32_t *map_slots;
    size_t map_cap;
    s_posting_t postings[S_TRIGRAMS];
    size_t posting_bytes;
};

/*  A username character's place in the alphabet, -1 for any other. */
static int
s_code(unsigned char c)
{
    if (c >= 'a' && c <= 'z')
        return c - 'a';
    if (c >= '0' && c <= '9')
        return 26 + (c - '0');
    if (c == '_')
        return 36;
    return -1;
}

/*  The distinct trigrams of a (lowercase) name into codes, sorted; their count. */
static size_t
s_trigrams(const char *name, size_t len, uint32_t codes[S_NAME_TRIGRAMS_MAX])
{
    size_t n = 0;
    for (size_t i = 0; i + 2 < len; i++) {
        int a = s_code((unsigned char) name[i]), b = s_code((unsigned char) name[i + 1]),
            c = s_code((unsigned char) name[i + 2]);
        if (a < 0 || b < 0 || c < 0)
            continue; /* a pattern can only hold trigrams of the alphabet */
        uint32_t code = (uint32_t) ((a * S_ALPHABET + b) * S_ALPHABET + c);
        /* insertion sort into codes[0..n), skipping repeats: at most 28 */
        size_t at = n;
        while (at > 0 && codes[at - 1] > code)
            at--;
        if (at > 0 && codes[at - 1] == code)
            continue;
        memmove(codes + at + 1, codes + at, (n - at) * sizeof codes[0]);
        codes[at] = code;
        n++;
    }
    return n;
}

/*  The first position in p whose slot is >= slot. */
static uint32_t
s_lower_bound(const uint32_t *slots, uint32_t len, uint32_t slot)
{
    uint32_t lo = 0, hi = len;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (slots[mid] < slot)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static int
s_posting_add(profile_search_index_t *self, uint32_t code, uint32_t slot)
{
    s_posting_t *p = &self->postings[code];
    if (p->len == p->cap) {
        uint32_t cap = p->cap ? p->cap * 2 : 4;
        uint32_t *slots = realloc(p->slots, (size_t) cap * sizeof *slots);
        if (!slots)
            return -1;
        self->posting_bytes += (size_t) (cap - p->cap) * sizeof *slots;
        p->slots = slots;
        p->cap = cap;
    }
    /* new slots are the largest: appending is the common case */
    uint32_t at = p->len == 0 || p->slots[p->len - 1] < slot ? p->len : s_lower_bound(p->slots, p->len, slot);
    if (at < p->len && p->slots[at] == slot)
        return 0;
    memmove(p->slots + at + 1, p->slots + at, (size_t) (p->len - at) * sizeof *p->slots);
    p->slots[at] = slot;
    p->len++;
    return 0;
}

static void
s_posting_remove(profile_search_index_t *self, uint32_t code, uint32_t slot)
{
    s_posting_t *p = &self->postings[code];
    uint32_t at = s_lower_bound(p->slots, p->len, slot);
    if (at == p->len || p->slots[at] != slot)
        return;
    memmove(p->slots + at, p->slots + at + 1, (size_t) (p->len - at - 1) * sizeof *p->slots);
    p->len--;
}

static size_t
s_hash(int64_t id, size_t cap)
{
    return (size_t) (((uint64_t) id * 0x9E3779B97F4A7C15ull) >> 17) & (cap - 1);
}

/*  The map position of id: where it is, or the empty one where it would go. */
static size_t
s_map_find(const profile_search_index_t *self, int64_t id)
{
    size_t at = s_hash(id, self->map_cap);
    while (self->map_slots[at] && self->map_ids[at] != id)
        at = (at + 1) & (self->map_cap - 1);
    return at;
}

static int
s_map_grow(profile_search_index_t *self)
{
    size_t old_cap = self->map_cap;
    int64_t *old_ids = self->map_ids;
    uint32_t *old_slots = self->map_slots;
    size_t cap = old_cap ? old_cap * 2 : 1024;
    int64_t *ids = malloc(cap * sizeof *ids);
    uint32_t *slots = calloc(cap, sizeof *slots);
    if (!ids || !slots) {
        free(ids);
        free(slots);
        return -1;
    }
    self->map_ids = ids;
    self->map_slots = slots;
    self->map_cap = cap;
    for (size_t i = 0; i < old_cap; i++)
        if (old_slots[i]) {
            size_t at = s_map_find(self, old_ids[i]);
            ids[at] = old_ids[i];
            slots[at] = old_slots[i];
        }
    free(old_ids);
    free(old_slots);
    return 0;
}

profile_search_index_t *
profile_search_index_new(void)
{
    profile_search_index_t *self = calloc(1, sizeof *self);
    if (self && s_map_grow(self) != 0) {
        free(self);
        return NULL;
    }
    return self;
}

void
profile_search_index_destroy(profile_search_index_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    profile_search_index_t *self = *self_p;
    for (size_t i = 0; i < S_TRIGRAMS; i++)
        free(self->postings[i].slots);
    free(self->listings);
    free(self->keys);
    free(self->map_ids);
    free(self->map_slots);
    free(self);
    *self_p = NULL;
}

/*  Set slot's name (lowercase already) and its trigram lists: the trigrams
    it no longer holds lose the slot, the new ones gain it. */
static int
s_set_name(profile_search_index_t *self, uint32_t slot, const char *name)
{
    s_listing_t *l = &self->listings[slot];
    if (!name)
        name = "";
    size_t len = strlen(name);
    if (len > PROFILE_LISTING_NAME_MAX)
        len = 0; /* cannot be a username (migration 002): matches nothing */
    if (len == l->name_len && memcmp(l->name, name, len) == 0)
        return 0;
    uint32_t old_codes[S_NAME_TRIGRAMS_MAX], new_codes[S_NAME_TRIGRAMS_MAX];
    size_t old_n = s_trigrams(l->name, l->name_len, old_codes);
    size_t new_n = s_trigrams(name, len, new_codes);
    /* both sorted: walk them together */
    size_t i = 0, j = 0;
    while (i < old_n || j < new_n) {
        if (j == new_n || (i < old_n && old_codes[i] < new_codes[j]))
            s_posting_remove(self, old_codes[i++], slot);
        else if (i == old_n || new_codes[j] < old_codes[i]) {
            if (s_posting_add(self, new_codes[j++], slot) != 0)
                return -1;
        }
        else
            i++, j++;
    }
    memcpy(l->name, name, len);
    l->name[len] = '\0';
    l->name_len = (uint8_t) len;
    return 0;
}

int
profile_search_index_put(profile_search_index_t *self, const profile_listing_t *listing)
{
    size_t at = s_map_find(self, listing->id);
    uint32_t slot;
    if (self->map_slots[at])
        slot = self->map_slots[at] - 1;
    else {
        if (self->count >= UINT32_MAX - 1)
            return -1;
        if ((self->count + 1) * 2 > self->map_cap) {
            if (s_map_grow(self) != 0)
                return -1;
            at = s_map_find(self, listing->id);
        }
        if (self->count == self->cap) {
            size_t cap = self->cap ? self->cap * 2 : 1024;
            /* aligned, so each listing is one cache line: realloc does not keep that */
            s_listing_t *listings = aligned_alloc(64, cap * sizeof *listings);
            if (listings) {
                if (self->count)
                    memcpy(listings, self->listings, self->count * sizeof *listings);
                free(self->listings);
                self->listings = listings;
            }
            s_key_t *keys = realloc(self->keys, cap * sizeof *keys);
            if (keys)
                self->keys = keys;
            if (!listings || !keys)
                return -1;
            self->cap = cap;
        }
        slot = (uint32_t) self->count++;
        memset(&self->listings[slot], 0, sizeof self->listings[slot]);
        self->map_ids[at] = listing->id;
        self->map_slots[at] = slot + 1;
    }
    s_listing_t *l = &self->listings[slot];
    l->id = listing->id;
    self->keys[slot] = (s_key_t){
        .completed_trades = listing->completed_trades,
        .rating_cents = (int16_t) listing->rating_cents,
        .flags = (uint8_t) listing->flags,
    };
    l->suspended_until_us = listing->suspended_until_us;
    l->xid = listing->xid;
    return s_set_name(self, slot, listing->name);
}

size_t
profile_search_index_size(const profile_search_index_t *self)
{
    return self->count;
}

size_t
profile_search_index_bytes(const profile_search_index_t *self)
{
    return sizeof *self + self->cap * (sizeof(s_listing_t) + sizeof(s_key_t))
           + self->map_cap * (sizeof(int64_t) + sizeof(uint32_t)) + self->posting_bytes;
}

/* ------------------------------------------------------------------------
   find */

/*  The search's filters, ready to test a listing. */
typedef struct {
    const profile_search_index_t *index;
    const char *pattern;
    bool pattern_is_trigram; /* every candidate holds the pattern: no strstr */
    tristate_t is_verified, is_merchant;
    int64_t min_rating_micro; /* min_rating as the database reads it ("%.6f"), × 10^6 */
    int64_t now_us;
} s_query_t;

/*  The database's reading of min_rating: the text "%.6f" the repository
    binds, as an integer of millionths. */
static int64_t
s_rating_micro(double rating)
{
    char text[32];
    snprintf(text, sizeof text, "%.6f", rating);
    int64_t micro = 0;
    for (const char *c = text; *c; c++)
        if (*c >= '0' && *c <= '9')
            micro = micro * 10 + (*c - '0');
    return micro;
}

static bool
s_tristate_ok(tristate_t want, bool have)
{
    return want == TRISTATE_ANY || (want == TRISTATE_TRUE) == have;
}

/*  Whether slot is on the search listing and matches (the database's
    S_LISTABLE: consenting, not suspended or the suspension has ended). */
static bool
s_matches(const s_query_t *q, uint32_t slot)
{
    const s_key_t *k = &q->index->keys[slot];
    if (!(k->flags & PROFILE_LISTING_CONSENT))
        return false;
    if (!s_tristate_ok(q->is_verified, k->flags & PROFILE_LISTING_VERIFIED)
        || !s_tristate_ok(q->is_merchant, k->flags & PROFILE_LISTING_MERCHANT))
        return false;
    if ((int64_t) k->rating_cents * 10000 < q->min_rating_micro)
        return false;
    const s_listing_t *l = &q->index->listings[slot];
    if ((k->flags & PROFILE_LISTING_SUSPENDED) && !(l->suspended_until_us <= q->now_us))
        return false;
    return q->pattern_is_trigram || (l->name_len && strstr(l->name, q->pattern) != NULL);
}

/*  Whether slot a ranks before slot b: avg_rating DESC, completed_trades
    DESC, id. */
static bool
s_before(const profile_search_index_t *index, uint32_t a, uint32_t b)
{
    const s_key_t *ka = &index->keys[a], *kb = &index->keys[b];
    if (ka->rating_cents != kb->rating_cents)
        return ka->rating_cents > kb->rating_cents;
    if (ka->completed_trades != kb->completed_trades)
        return ka->completed_trades > kb->completed_trades;
    return index->listings[a].id < index->listings[b].id;
}

/*  The best k matches: a heap whose top is the worst kept. */
typedef struct {
    const profile_search_index_t *index;
    uint32_t *slots;
    size_t len, k;
} s_best_t;

static void
s_best_sift_down(s_best_t *h, size_t at)
{
    for (;;) {
        size_t worst = at, l = 2 * at + 1, r = l + 1;
        if (l < h->len && s_before(h->index, h->slots[worst], h->slots[l]))
            worst = l;
        if (r < h->len && s_before(h->index, h->slots[worst], h->slots[r]))
            worst = r;
        if (worst == at)
            return;
        uint32_t t = h->slots[at];
        h->slots[at] = h->slots[worst];
        h->slots[worst] = t;
        at = worst;
    }
}

static void
s_best_offer(s_best_t *h, uint32_t slot)
{
    if (h->len < h->k) {
        size_t at = h->len++;
        h->slots[at] = slot;
        while (at > 0) {
            size_t parent = (at - 1) / 2;
            if (!s_before(h->index, h->slots[parent], h->slots[at]))
                break;
            uint32_t t = h->slots[at];
            h->slots[at] = h->slots[parent];
            h->slots[parent] = t;
            at = parent;
        }
    }
    else if (h->k > 0 && s_before(h->index, slot, h->slots[0])) {
        h->slots[0] = slot;
        s_best_sift_down(h, 0);
    }
}

/*  Sort the kept matches best first (heap sort in place: pop the worst to the end). */
static void
s_best_sort(s_best_t *h)
{
    size_t n = h->len;
    while (h->len > 1) {
        uint32_t t = h->slots[0];
        h->slots[0] = h->slots[h->len - 1];
        h->slots[h->len - 1] = t;
        h->len--;
        s_best_sift_down(h, 0);
    }
    h->len = n;
}

/*  Test one candidate: count it and offer it to the heap when it matches. */
static void
s_consider(const s_query_t *q, s_best_t *best, uint32_t slot, int64_t *matches)
{
    if (!s_matches(q, slot))
        return;
    (*matches)++;
    s_best_offer(best, slot);
}

/*  Keep those of the count sorted candidates that list holds (in place);
    how many are left. */
static uint32_t
s_narrow(uint32_t *candidates, uint32_t count, const s_posting_t *list)
{
    uint32_t kept = 0;
    if (list->len > 8 * count) {
        /* much longer: look each candidate up in it */
        uint32_t from = 0;
        for (uint32_t i = 0; i < count && from < list->len; i++) {
            from += s_lower_bound(list->slots + from, list->len - from, candidates[i]);
            if (from < list->len && list->slots[from] == candidates[i])
                candidates[kept++] = candidates[i];
        }
        return kept;
    }
    uint32_t i = 0, j = 0;
    while (i < count && j < list->len) {
        if (candidates[i] < list->slots[j])
            i++;
        else if (list->slots[j] < candidates[i])
            j++;
        else {
            candidates[kept++] = candidates[i];
            i++, j++;
        }
    }
    return kept;
}

/*  The page and total from the matches, as the database path gives them
    (profile_repo_search: the page read one row past, the count capped). */
static void
s_fill_page(const profile_search_index_t *self, const profile_search_t *search, const s_best_t *best,
            int64_t matches, profile_search_page_t *page)
{
    page->count = 0;
    for (size_t i = (size_t) search->offset; i < best->len && page->count < (size_t) search->limit; i++) {
        const s_listing_t *l = &self->listings[best->slots[i]];
        page->ids[page->count] = l->id;
        page->xids[page->count] = l->xid;
        page->count++;
    }
    int64_t past = matches - search->offset;
    size_t fetched = past <= 0 ? 0 : (size_t) (past > search->limit ? search->limit + 1 : past);
    page_t shape = page_of(search->offset, search->limit, fetched);
    page->capped = false;
    if (shape.total_known) {
        page->total = shape.total;
        return;
    }
    int64_t cap = (int64_t) search->offset + PROFILE_SEARCH_COUNT_AHEAD + 1;
    if (matches >= cap) {
        page->total = cap - 1;
        page->capped = true;
    }
    else
        page->total = matches;
}

profile_search_index_result_t
profile_search_index_find(const profile_search_index_t *self, const profile_search_t *search, int64_t now_us,
                          profile_search_page_t *page)
{
    const char *text = search->search ? search->search : "";
    size_t len = strlen(text);
    if (len < 3)
        return PROFILE_SEARCH_INDEX_REFUSED;
    char pattern[PROFILE_LISTING_NAME_MAX + 1];
    bool too_long = len > PROFILE_LISTING_NAME_MAX;
    for (size_t i = 0; i < len; i++) {
        unsigned char c = (unsigned char) text[i];
        if (c >= 'A' && c <= 'Z')
            c = (unsigned char) (c - 'A' + 'a');
        if (s_code(c) < 0)
            return PROFILE_SEARCH_INDEX_REFUSED;
        if (!too_long)
            pattern[i] = (char) c;
    }
    s_query_t q = {
        .index = self,
        .pattern = pattern,
        .is_verified = search->is_verified,
        .is_merchant = search->is_merchant,
        .min_rating_micro = s_rating_micro(search->min_rating),
        .now_us = now_us,
    };
    s_best_t best = {.index = self, .k = (size_t) search->offset + (size_t) search->limit + 1};
    int64_t matches = 0;
    if (too_long) { /* longer than any username: no match */
        s_fill_page(self, search, &best, 0, page);
        return PROFILE_SEARCH_INDEX_ANSWERED;
    }
    pattern[len] = '\0';
    q.pattern_is_trigram = len == 3;

    /* the pattern's trigram lists, rarest first */
    uint32_t codes[S_NAME_TRIGRAMS_MAX];
    size_t n = s_trigrams(pattern, len, codes);
    const s_posting_t *lists[S_NAME_TRIGRAMS_MAX];
    for (size_t i = 0; i < n; i++) {
        const s_posting_t *p = &self->postings[codes[i]];
        size_t at = i;
        while (at > 0 && lists[at - 1]->len > p->len) {
            lists[at] = lists[at - 1];
            at--;
        }
        lists[at] = p;
    }
    if (n == 0 || lists[0]->len > PROFILE_SEARCH_INDEX_MAX_CANDIDATES)
        return PROFILE_SEARCH_INDEX_REFUSED;
    /* the names holding every trigram: the rarest list, narrowed by each
       other one in turn. Walking sorted lists reads memory in order; a
       candidate's listing is a read at random, so the fewer left, the
       better (a 6-character pattern: ~400 names hold its two rarest
       trigrams, a handful hold all four) */
    uint32_t count = lists[0]->len;
    uint32_t *candidates = n > 1 ? malloc(((size_t) count + 1) * sizeof *candidates) : NULL;
    best.slots = malloc(((best.k < count ? best.k : count) + 1) * sizeof *best.slots);
    if ((n > 1 && !candidates) || !best.slots) {
        free(candidates);
        free(best.slots);
        return PROFILE_SEARCH_INDEX_REFUSED;
    }
    if (candidates && count > 0) {
        memcpy(candidates, lists[0]->slots, (size_t) count * sizeof *candidates);
        for (size_t l = 1; l < n && count > 0; l++)
            count = s_narrow(candidates, count, lists[l]);
    }
    const uint32_t *slots = candidates ? candidates : lists[0]->slots;
    if (best.k > count)
        best.k = count;
    for (uint32_t i = 0; i < count; i++)
        s_consider(&q, &best, slots[i], &matches);
    free(candidates);
    s_best_sort(&best);
    s_fill_page(self, search, &best, matches, page);
    free(best.slots);
    return PROFILE_SEARCH_INDEX_ANSWERED;
}
