/*  review_repo.h - reviews (p2p_reviews) and the reputation they build on
    p2p_profiles (avg_rating, total_reviews: trade-svc's columns): the only
    SQL for them. The reviewee's profile row is locked before a review is
    written or its visibility changes, so two reviews of one person at once
    both count in the average. */
#ifndef P2P_REVIEW_REPO_H
#define P2P_REVIEW_REPO_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "db.h"

/*  Statements to prepare (static). */
const db_statement_t *review_repo_statements(size_t *count);

/*  Lock a profile row (the reviewee's) for the rest of the transaction. 0 or -1. */
int review_repo_lock_profile(db_t *db, int64_t profile_id, err_t *err);

/*  Write a review; *json (caller frees). -1 with err; *duplicate true when
    this reviewer already reviewed this order (the transaction is aborted). */
int review_repo_insert(db_t *db, int64_t order_id, int64_t reviewer_id, int64_t reviewee_id, int rating,
                       const char *comment, char **json, bool *duplicate, err_t *err);

/*  Recompute a profile's avg_rating (mean of visible ratings, two decimals)
    and total_reviews. 0 or -1. */
int review_repo_refresh(db_t *db, int64_t profile_id, err_t *err);

/*  A profile's visible reviews, newest first: *list_json (caller frees),
    *total, and its average as text (*avg, caller frees). 0 or -1. */
int review_repo_list(db_t *db, int64_t profile_id, int limit, int64_t offset, char **list_json,
                     int64_t *total, char **avg, err_t *err);

/*  Hide (or unhide) review id with a reason; *reviewee_id and *changed (it
    was not already so). 1 found, 0 none, -1 with err. */
int review_repo_set_hidden(db_t *db, int64_t id, bool hidden, const char *reason, int64_t *reviewee_id,
                           bool *changed, err_t *err);

/*  Review id's reviewee (0 when none). -1 with err. */
int64_t review_repo_reviewee(db_t *db, int64_t id, err_t *err);

/*  Does profile id exist? 1, 0, -1. */
int review_repo_profile_exists(db_t *db, int64_t profile_id, err_t *err);

#endif
