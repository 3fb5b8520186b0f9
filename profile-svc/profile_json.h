/*  profile_json.h - a p2p_profiles row as the repository returns it (every
    column as text), and the JSON shapes clients see: the owner's private
    profile, the public profile anyone else sees, the short profile in
    profile.check, and profile.stats.

    The column list is declared once; the repository selects the columns in
    this order and the JSON builders walk it. Pure functions: no SQL, no I/O. */
#ifndef P2P_PROFILE_JSON_H
#define P2P_PROFILE_JSON_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "json_text.h"

/*  How a column's text becomes JSON. */
typedef enum {
    PROFILE_KIND_TEXT,   /* JSON string */
    PROFILE_KIND_INT,    /* JSON integer */
    PROFILE_KIND_NUMBER, /* JSON number (NUMERIC text such as "4.80") */
    PROFILE_KIND_BOOL,   /* "t"/"f" -> true/false */
    PROFILE_KIND_TIME,   /* already RFC 3339 UTC text -> JSON string */
    PROFILE_KIND_JSON,   /* json/jsonb text as PostgreSQL prints it, embedded as is
                            (the repository checks the column's type) */
} profile_kind_t;

/*  Where a column is shown (the own profile shows every column). */
#define PROFILE_SHOW_PUBLIC 1u  /* someone else's profile, search results */
#define PROFILE_SHOW_SUMMARY 2u /* the "profile" object of profile.check */

/*  X(enum, column name, kind, where shown). is_suspended is the *effective*
    suspension (a suspension whose until has passed is false). */
#define PROFILE_COLUMN_LIST(X)                                                                               \
    X(PROFILE_COL_ID, "id", PROFILE_KIND_INT, PROFILE_SHOW_PUBLIC | PROFILE_SHOW_SUMMARY)                    \
    X(PROFILE_COL_USER_ID, "user_id", PROFILE_KIND_TEXT, PROFILE_SHOW_PUBLIC | PROFILE_SHOW_SUMMARY)         \
    X(PROFILE_COL_USERNAME, "username", PROFILE_KIND_TEXT, PROFILE_SHOW_PUBLIC | PROFILE_SHOW_SUMMARY)       \
    X(PROFILE_COL_PHONE_NUMBER, "phone_number", PROFILE_KIND_TEXT, 0)                                        \
    X(PROFILE_COL_EMAIL, "email", PROFILE_KIND_TEXT, 0)                                                      \
    X(PROFILE_COL_PROFILE_PICTURE_URL, "profile_picture_url", PROFILE_KIND_TEXT, PROFILE_SHOW_PUBLIC)        \
    X(PROFILE_COL_TOTAL_TRADES, "total_trades", PROFILE_KIND_INT,                                            \
      PROFILE_SHOW_PUBLIC | PROFILE_SHOW_SUMMARY)                                                            \
    X(PROFILE_COL_COMPLETED_TRADES, "completed_trades", PROFILE_KIND_INT,                                    \
      PROFILE_SHOW_PUBLIC | PROFILE_SHOW_SUMMARY)                                                            \
    X(PROFILE_COL_CANCELLED_TRADES, "cancelled_trades", PROFILE_KIND_INT, PROFILE_SHOW_PUBLIC)               \
    X(PROFILE_COL_AVG_RATING, "avg_rating", PROFILE_KIND_NUMBER, PROFILE_SHOW_PUBLIC | PROFILE_SHOW_SUMMARY) \
    X(PROFILE_COL_TOTAL_REVIEWS, "total_reviews", PROFILE_KIND_INT, PROFILE_SHOW_PUBLIC)                     \
    X(PROFILE_COL_IS_VERIFIED, "is_verified", PROFILE_KIND_BOOL, PROFILE_SHOW_PUBLIC | PROFILE_SHOW_SUMMARY) \
    X(PROFILE_COL_IS_MERCHANT, "is_merchant", PROFILE_KIND_BOOL, PROFILE_SHOW_PUBLIC | PROFILE_SHOW_SUMMARY) \
    X(PROFILE_COL_IS_SUSPENDED, "is_suspended", PROFILE_KIND_BOOL, 0)                                        \
    X(PROFILE_COL_SUSPENSION_REASON, "suspension_reason", PROFILE_KIND_TEXT, 0)                              \
    X(PROFILE_COL_SUSPENDED_UNTIL, "suspended_until", PROFILE_KIND_TIME, 0)                                  \
    X(PROFILE_COL_HAS_CONSENT, "has_consent", PROFILE_KIND_BOOL, 0)                                          \
    X(PROFILE_COL_CONSENTED_AT, "consented_at", PROFILE_KIND_TIME, 0)                                        \
    X(PROFILE_COL_PREFERRED_CURRENCY, "preferred_currency", PROFILE_KIND_TEXT, PROFILE_SHOW_PUBLIC)          \
    X(PROFILE_COL_PREFERRED_PAYMENT_METHODS, "preferred_payment_methods", PROFILE_KIND_JSON, 0)              \
    X(PROFILE_COL_AUTO_REPLY_MESSAGE, "auto_reply_message", PROFILE_KIND_TEXT, PROFILE_SHOW_PUBLIC)          \
    X(PROFILE_COL_METADATA, "metadata", PROFILE_KIND_JSON, 0)                                                \
    X(PROFILE_COL_LAST_ACTIVE_AT, "last_active_at", PROFILE_KIND_TIME, PROFILE_SHOW_PUBLIC)                  \
    X(PROFILE_COL_JOINED_AT, "joined_at", PROFILE_KIND_TIME, PROFILE_SHOW_PUBLIC)                            \
    X(PROFILE_COL_CREATED_AT, "created_at", PROFILE_KIND_TIME, PROFILE_SHOW_PUBLIC)                          \
    X(PROFILE_COL_UPDATED_AT, "updated_at", PROFILE_KIND_TIME, 0)

typedef enum {
#define X(name, column, kind, show) name,
    PROFILE_COLUMN_LIST(X)
#undef X
        PROFILE_COL_COUNT
} profile_col_t;

/*  One row: each column's text, NULL for SQL NULL. A plain value; the
    strings are borrowed from whoever filled it (the repository's result). */
typedef struct {
    const char *values[PROFILE_COL_COUNT];
} profile_row_t;

/*  Column name of col ("?" when out of range). Static. */
const char *profile_json_column_name(profile_col_t col);

/*  How col's text becomes JSON (PROFILE_KIND_TEXT when out of range). */
profile_kind_t profile_json_column_kind(profile_col_t col);

/*  Append the profile as a JSON object to out: every column (show 0), or
    the columns whose show flags meet show (PROFILE_SHOW_PUBLIC, ...). The
    hot path: replies are written from the row's text without a json_t. */
void profile_json_write(json_text_t *out, const profile_row_t *row, unsigned show);

/*  The owner's profile: every column. New reference (caller decrefs). */
json_t *profile_json_own(const profile_row_t *row);

/*  Someone else's profile: public columns only. New reference. */
json_t *profile_json_public(const profile_row_t *row);

/*  The short profile inside profile.check's reply. New reference. */
json_t *profile_json_summary(const profile_row_t *row);

/*  profile.stats: profile_id, the counters, completion_rate, avg_rating.
    New reference. */
json_t *profile_json_stats(const profile_row_t *row);

/*  completed * 100 / total rounded to two decimals; 0 when total <= 0. */
double profile_json_completion_rate(int64_t total, int64_t completed);

/*  Column helpers for handlers. NULL/garbage reads as 0 / false. */
int64_t profile_row_int(const profile_row_t *row, profile_col_t col);
bool profile_row_bool(const profile_row_t *row, profile_col_t col);

#endif
