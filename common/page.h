/*  page.h - pages of a listing (limit/offset or a cursor), read one row past
    the page. The extra row says whether more follow ("has_more"), and a page
    that is not followed by more tells the total without a count(*): the
    total is its offset plus its rows. Only a full page, or an empty page
    past the first, needs the count. Pure arithmetic: the repository asks
    for page_fetch_limit(limit) rows and judges the result with page_of. */
#ifndef P2P_PAGE_H
#define P2P_PAGE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct {
    size_t shown;     /* rows of the page: min(fetched, limit) */
    bool more;        /* at least one match follows the page */
    bool total_known; /* the page told the total: no count needed */
    int64_t total;    /* offset + shown when total_known, else 0 */
} page_t;

/*  The LIMIT to run for a page of limit rows: limit + 1. */
int64_t page_fetch_limit(int64_t limit);

/*  The page at offset (0 for a cursor) of at most limit rows, read with
    LIMIT page_fetch_limit(limit), that returned fetched rows. */
page_t page_of(int64_t offset, int64_t limit, size_t fetched);

#endif
