/*  ad_repo.h - ads (p2p_ads): the only SQL for ads, and the one visibility
    rule every listing, count and ad.get uses (TRADING.md "Ads"): active, the
    maker not suspended and consenting, a price available (a floating ad needs
    a fresh index), and the remaining amount covering min_limit at the
    effective price. Replies are JSON built by PostgreSQL. */
#ifndef P2P_AD_REPO_H
#define P2P_AD_REPO_H

#include <stdbool.h>
#include <stdint.h>

#include "answer_cache.h"
#include "catalog.h"
#include "db.h"
#include "money.h"

#define AD_METHODS_MAX 5

/*  An ad as the operations need it, read under a row lock. Amounts are
    money at their currency's scale (crypto: the asset's; prices and limits:
    the fiat's). */
typedef struct {
    int64_t id;
    int64_t profile_id;
    bool sell; /* the maker sells crypto */
    const catalog_currency_t *asset, *fiat;
    bool floating;
    char status[8]; /* active, paused, closed */
    money_t price;  /* fixed ads */
    money_t margin; /* floating ads, hundredths of a percent */
    money_t effective_price;
    money_t total, taken;
    money_t min_limit, max_limit;
    int64_t method_ids[AD_METHODS_MAX];
    int method_count;
    int window_minutes;
    int req_min_trades;
    bool req_verified;
    char auto_reply[2048]; /* up to 500 characters */
    bool visible;          /* passes the listing rule now */
    bool available;        /* takes orders now: active, maker in good standing, price available */
} ad_row_t;

/*  What ad.create stores; amounts as decimal text. */
typedef struct {
    int64_t profile_id;
    const char *type, *asset, *fiat, *price_type;
    const char *price;      /* fixed, else NULL */
    const char *margin_pct; /* floating, else NULL */
    const char *effective_price;
    const char *total_amount;
    const char *min_limit, *max_limit;
    const int64_t *method_ids;
    int method_count;
    int window_minutes;
    const char *terms, *auto_reply;
    int req_min_trades;
    bool req_verified;
} ad_insert_t;

/*  ad.update's changes: NULL / negative / false-"set" means unchanged. */
typedef struct {
    const char *price, *margin_pct, *effective_price;
    const char *total_amount;
    const char *min_limit, *max_limit;
    const int64_t *method_ids; /* with method_count > 0 */
    int method_count;
    int window_minutes; /* < 0: unchanged */
    const char *terms, *auto_reply;
    int req_min_trades; /* < 0: unchanged */
    int req_verified;   /* < 0: unchanged */
    const char *status;
} ad_changes_t;

typedef struct {
    const char *type;          /* buy | sell */
    const char *asset, *fiat;  /* NULL: any */
    int64_t payment_method_id; /* 0: any */
    const char *amount;        /* fiat decimal text, NULL: any */
    int limit;
    int64_t offset;
    int max_age_s;
    uint64_t batch_seq, call_seq; /* the request's (worker_request_t): for the answer cache */
} ad_query_t;

/*  Statements to prepare (static). */
const db_statement_t *ad_repo_statements(size_t *count);

/*  Insert; the new id in *id. 0, or -1 with err. */
int ad_repo_insert(db_t *db, const ad_insert_t *in, int64_t *id, err_t *err);

/*  Lock ad id (SELECT ... FOR UPDATE) and read it into *row, with whether it
    is visible now. 1 found, 0 none, -1 with err. */
int ad_repo_lock(db_t *db, catalog_t *catalog, int64_t id, int max_age_s, ad_row_t *row, err_t *err);

/*  Apply changes to ad id (updated_at = now()). 0, or -1 with err. */
int ad_repo_update(db_t *db, int64_t id, const ad_changes_t *changes, err_t *err);

/*  Close ad id (status closed, closed_at now). 0, or -1 with err. */
int ad_repo_close(db_t *db, int64_t id, err_t *err);

/*  Add delta (signed crypto text) to ad id's taken amount, only while it is
    active and the remainder covers it (delta > 0): 1 applied, 0 refused
    (paused, closed or not enough left), -1 with err. */
int ad_repo_take(db_t *db, int64_t id, const char *delta, err_t *err);

/*  Orders on ad id that are not final. -1 with err. */
int64_t ad_repo_open_orders(db_t *db, int64_t id, err_t *err);

/*  How many of method_ids the profile has no payment account for. -1 with err. */
int ad_repo_missing_accounts(db_t *db, int64_t profile_id, const int64_t *method_ids, int count, err_t *err);

/*  The ad's JSON when viewer may see it (visible, or viewer is the maker),
    else NULL with *found false. Caller frees; NULL with err. */
char *ad_repo_json(db_t *db, int64_t id, int64_t viewer_profile_id, int max_age_s, bool *found, err_t *err);

/*  A page of visible ads, best price for the taker first: *ads_json (caller
    frees), *total (exact, or a lower bound with *capped when there are more
    than AD_COUNT_AHEAD past the offset). 0, or -1 with err. */
#define AD_COUNT_AHEAD 200
/*  The state of listings for kept answers (common/answer_cache.h) in one
    statement: the version of the tables ad.list reads, now(), and the next
    moment a listing changes without a write (a suspension ends, an index
    price older than max_age_s goes stale). 0, or -1 with err. */
int ad_repo_list_state(db_t *db, int max_age_s, answer_cache_state_t *state, err_t *err);

int ad_repo_list(db_t *db, const ad_query_t *query, char **ads_json, int64_t *total, bool *capped,
                 err_t *err);

/*  A maker's own ads, newest first (status NULL: any). 0, or -1 with err. */
int ad_repo_mine(db_t *db, int64_t profile_id, const char *status, int limit, int64_t offset, int max_age_s,
                 char **ads_json, int64_t *total, err_t *err);

/*  Rewrite the effective price of every open floating ad on (asset, fiat)
    for a new index (text): index * (1 + margin_pct / 100) rounded half up
    to the fiat's decimals. The number of ads in *count. 0, or -1 with err. */
int ad_repo_reprice(db_t *db, const char *asset, const char *fiat, const char *index, int64_t *count,
                    err_t *err);

#endif
