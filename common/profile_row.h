/*  profile_row.h - the p2p_profiles row: a contract shared by every worker
    that touches the table (profile-svc; admin-svc for moderation; trade-svc
    will maintain the trade counters and rating columns and read maker
    summaries). docs/DESIGN.md names which process writes which column.

    The column list is declared once, here: the SQL select list, the layout
    every result is checked against (db_rows.h), and the JSON shapes (which
    columns the owner, anyone else, and the short summary see). A reader of
    profiles selects PROFILE_ROW_SQL_COLUMNS, wraps the result with
    db_rows_new(res, profile_row_layout(), err), and writes rows with
    profile_row_write. */
#ifndef P2P_PROFILE_ROW_H
#define P2P_PROFILE_ROW_H

#include <assert.h>
#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "db_rows.h"
#include "db_sql.h"
#include "json_text.h"
#include "row_json.h"

/*  Where a column is shown (the own profile shows every column). */
#define PROFILE_SHOW_PUBLIC 1u  /* someone else's profile, search results */
#define PROFILE_SHOW_SUMMARY 2u /* the "profile" object of profile.check */

/*  X(enum, column name, kind, where shown). is_suspended is the *effective*
    suspension (a suspension whose until has passed is false). */
#define PROFILE_COLUMN_LIST(X)                                                                            \
    X(PROFILE_COL_ID, "id", ROW_KIND_INT, PROFILE_SHOW_PUBLIC | PROFILE_SHOW_SUMMARY)                     \
    X(PROFILE_COL_USER_ID, "user_id", ROW_KIND_TEXT, PROFILE_SHOW_PUBLIC | PROFILE_SHOW_SUMMARY)          \
    X(PROFILE_COL_USERNAME, "username", ROW_KIND_TEXT, PROFILE_SHOW_PUBLIC | PROFILE_SHOW_SUMMARY)        \
    X(PROFILE_COL_PHONE_NUMBER, "phone_number", ROW_KIND_TEXT, 0)                                         \
    X(PROFILE_COL_EMAIL, "email", ROW_KIND_TEXT, 0)                                                       \
    X(PROFILE_COL_PROFILE_PICTURE_URL, "profile_picture_url", ROW_KIND_TEXT, PROFILE_SHOW_PUBLIC)         \
    X(PROFILE_COL_TOTAL_TRADES, "total_trades", ROW_KIND_INT, PROFILE_SHOW_PUBLIC | PROFILE_SHOW_SUMMARY) \
    X(PROFILE_COL_COMPLETED_TRADES, "completed_trades", ROW_KIND_INT,                                     \
      PROFILE_SHOW_PUBLIC | PROFILE_SHOW_SUMMARY)                                                         \
    X(PROFILE_COL_CANCELLED_TRADES, "cancelled_trades", ROW_KIND_INT, PROFILE_SHOW_PUBLIC)                \
    X(PROFILE_COL_AVG_RATING, "avg_rating", ROW_KIND_NUMBER, PROFILE_SHOW_PUBLIC | PROFILE_SHOW_SUMMARY)  \
    X(PROFILE_COL_TOTAL_REVIEWS, "total_reviews", ROW_KIND_INT, PROFILE_SHOW_PUBLIC)                      \
    X(PROFILE_COL_IS_VERIFIED, "is_verified", ROW_KIND_BOOL, PROFILE_SHOW_PUBLIC | PROFILE_SHOW_SUMMARY)  \
    X(PROFILE_COL_IS_MERCHANT, "is_merchant", ROW_KIND_BOOL, PROFILE_SHOW_PUBLIC | PROFILE_SHOW_SUMMARY)  \
    X(PROFILE_COL_IS_SUSPENDED, "is_suspended", ROW_KIND_BOOL, 0)                                         \
    X(PROFILE_COL_SUSPENSION_REASON, "suspension_reason", ROW_KIND_TEXT, 0)                               \
    X(PROFILE_COL_SUSPENDED_UNTIL, "suspended_until", ROW_KIND_TIME, 0)                                   \
    X(PROFILE_COL_HAS_CONSENT, "has_consent", ROW_KIND_BOOL, 0)                                           \
    X(PROFILE_COL_CONSENTED_AT, "consented_at", ROW_KIND_TIME, 0)                                         \
    X(PROFILE_COL_PREFERRED_CURRENCY, "preferred_currency", ROW_KIND_TEXT, PROFILE_SHOW_PUBLIC)           \
    X(PROFILE_COL_PREFERRED_PAYMENT_METHODS, "preferred_payment_methods", ROW_KIND_JSON, 0)               \
    X(PROFILE_COL_AUTO_REPLY_MESSAGE, "auto_reply_message", ROW_KIND_TEXT, PROFILE_SHOW_PUBLIC)           \
    X(PROFILE_COL_METADATA, "metadata", ROW_KIND_JSON, 0)                                                 \
    X(PROFILE_COL_LAST_ACTIVE_AT, "last_active_at", ROW_KIND_TIME, PROFILE_SHOW_PUBLIC)                   \
    X(PROFILE_COL_JOINED_AT, "joined_at", ROW_KIND_TIME, PROFILE_SHOW_PUBLIC)                             \
    X(PROFILE_COL_CREATED_AT, "created_at", ROW_KIND_TIME, PROFILE_SHOW_PUBLIC)                           \
    X(PROFILE_COL_UPDATED_AT, "updated_at", ROW_KIND_TIME, 0)

typedef enum {
#define X(name, column, kind, show) name,
    PROFILE_COLUMN_LIST(X)
#undef X
        PROFILE_COL_COUNT
} profile_col_t;

/*  "Effectively suspended": a suspension whose until has passed no longer applies. */
#define PROFILE_ROW_SQL_SUSPENDED_NOW \
    "(is_suspended AND (suspended_until IS NULL OR suspended_until > now()))"

/*  The select list of PROFILE_COLUMN_LIST, in its order (a unit test
    compares the two). One line per few columns, by hand: clang-format
    would split the concatenation one character per line. */
// clang-format off
#define PROFILE_ROW_SQL_COLUMNS                                                          \
    "id, user_id, username, phone_number, email, profile_picture_url, "                 \
    "total_trades, completed_trades, cancelled_trades, avg_rating, total_reviews, "     \
    "is_verified, is_merchant, " PROFILE_ROW_SQL_SUSPENDED_NOW " AS is_suspended, "     \
    "suspension_reason, " DB_SQL_TIME("suspended_until") ", "                           \
    "has_consent, " DB_SQL_TIME("consented_at") ", "                                    \
    "preferred_currency, preferred_payment_methods, auto_reply_message, metadata, "     \
    DB_SQL_TIME("last_active_at") ", " DB_SQL_TIME("joined_at") ", "                    \
    DB_SQL_TIME("created_at") ", " DB_SQL_TIME("updated_at")
// clang-format on

/*  One row: each column's text, NULL for SQL NULL. A plain value; the
    strings are borrowed from whoever filled it (a db_rows_t). */
typedef struct {
    const char *values[PROFILE_COL_COUNT];
} profile_row_t;

/*  The layout to check profile results against (static; do not free). */
const row_layout_t *profile_row_layout(void);

/*  Column name of col ("?" when out of range). Static. */
const char *profile_row_column_name(profile_col_t col);

/*  Row i of rows, a set checked against profile_row_layout(). Borrowed:
    valid until rows is destroyed. */
static inline void
profile_row_get(const db_rows_t *rows, size_t i, profile_row_t *row)
{
    assert(db_rows_layout(rows) == profile_row_layout());
    db_rows_get(rows, i, row->values);
}

/*  Append the profile as a JSON object to out: every column (show 0), or the
    columns whose show flags meet show (PROFILE_SHOW_PUBLIC, ...). */
void profile_row_write(json_text_t *out, const profile_row_t *row, unsigned show);

/*  The same as a json_t. New reference (caller decrefs). */
json_t *profile_row_json(const profile_row_t *row, unsigned show);

/*  Column helpers. NULL/garbage reads as 0 / false. */
int64_t profile_row_int(const profile_row_t *row, profile_col_t col);
bool profile_row_bool(const profile_row_t *row, profile_col_t col);

/*  completed * 100 / total rounded to two decimals; 0 when total <= 0
    (CONTRACT.md's profile.stats.completion_rate; trade-svc's maker summaries
    show the same number). */
double profile_row_completion_rate(int64_t total, int64_t completed);

#endif
