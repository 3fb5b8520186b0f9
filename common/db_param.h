/*  db_param.h - text parameters for prepared statements that PostgreSQL
    parses itself: array literals for "= ANY($1::text[])" batch lookups and
    LIKE patterns for substring searches. Values are never spliced into SQL;
    these only build the text of one parameter. Pure functions. */
#ifndef P2P_DB_PARAM_H
#define P2P_DB_PARAM_H

#include <stddef.h>
#include <stdint.h>

/*  Batch lookups pass at least this many keys, repeating the last one.
    PostgreSQL plans a prepared statement afresh for each call (a "custom
    plan") for as long as those plans look cheaper than the generic one, and
    the generic plan of "= ANY($1)" is costed for 10 keys: with the usual 2-8
    keys every call was re-planned, which doubled the statement's CPU. With
    16 keys the generic plan wins after the first five calls and is kept. An
    index scan drops the duplicates before it reads anything. */
#define DB_PARAM_BATCH_MIN_KEYS 16

/*  The LIKE pattern for a case-insensitive substring search: "%" + search
    with % _ \ escaped + "%". Caller frees; NULL when out of memory. */
char *db_param_like_pattern(const char *search);

/*  A text[] literal of items, every element quoted ({"a","b\"c"}), with at
    least min_count elements when count > 0 (the last one repeated). Caller
    frees; NULL when out of memory. */
char *db_param_text_array(const char *const *items, size_t count, size_t min_count);

/*  A bigint[] literal of ids ({1,2,3}), padded like db_param_text_array.
    Caller frees; NULL when out of memory. */
char *db_param_int64_array(const int64_t *ids, size_t count, size_t min_count);

#endif
