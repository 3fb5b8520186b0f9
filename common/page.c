/*  page.c - pages read one row past their end (see page.h). */
#include "page.h"

int64_t
page_fetch_limit(int64_t limit)
{
    return limit + 1;
}

page_t
page_of(int64_t offset, int64_t limit, size_t fetched)
{
    page_t page = {0};
    page.more = limit >= 0 && fetched > (size_t) limit;
    page.shown = page.more ? (size_t) limit : fetched;
    /* An empty page past the first may lie beyond the end: then the offset
       says nothing about the total. */
    page.total_known = !page.more && (page.shown > 0 || offset == 0);
    if (page.total_known)
        page.total = offset + (int64_t) page.shown;
    return page;
}
