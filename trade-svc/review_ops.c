/*  review_ops.c - reviews and reputation (see review_ops.h). */
#include "review_ops.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "audit_repo.h"
#include "notify_ops.h"
#include "order_repo.h"
#include "review_repo.h"
#include "trade_push.h"

typedef struct {
    trade_app_t *app;
    const party_t *caller;
    int64_t order_id;
    int rating;
    const char *comment;
    char *review;
    trade_push_t push;
} s_create_t;

static int
s_create_tx(db_t *db, void *ctx, err_t *err)
{
    s_create_t *c = ctx;
    trade_push_clear(&c->push);
    free(c->review);
    c->review = NULL;
    order_row_t o;
    int found = order_repo_lock(db, c->app->catalog, c->order_id, 0, &o, err);
    if (found < 0)
        return -1;
    int64_t me = c->caller->profile_id;
    if (!found || (o.buyer_id != me && o.seller_id != me))
        return err_set(err, ERR_NOT_FOUND, "Order not found");
    if (o.status != ORDER_COMPLETED)
        return err_set(err, ERR_ORDER_STATE_CHANGED,
                       "the order is %s: only a completed trade can be reviewed",
                       order_status_name(o.status));
    int64_t reviewee = o.buyer_id == me ? o.seller_id : o.buyer_id;
    /* the reviewee's row first: concurrent reviews of one person both count */
    if (review_repo_lock_profile(db, reviewee, err) != 0)
        return -1;
    bool duplicate = false;
    if (review_repo_insert(db, o.id, me, reviewee, c->rating, c->comment, &c->review, &duplicate, err) != 0)
        return duplicate ? err_set(err, ERR_ALREADY_REVIEWED, "you have already reviewed this order") : -1;
    if (review_repo_refresh(db, reviewee, err) != 0)
        return -1;
    char title[96], body[160], data[96];
    snprintf(title, sizeof title, "New review: %d/5", c->rating);
    snprintf(body, sizeof body, "Your trading partner on order %s left you a %d-star review.", o.reference,
             c->rating);
    snprintf(data, sizeof data, "{\"order_id\":%" PRId64 ",\"rating\":%d}", o.id, c->rating);
    return notify_ops_add(c->app, db, &c->push, reviewee, "review.received", title, body, data, err);
}

char *
review_ops_create(trade_app_t *app, const party_t *caller, int64_t order_id, int rating, const char *comment,
                  err_t *err)
{
    s_create_t c = {.app = app, .caller = caller, .order_id = order_id, .rating = rating, .comment = comment};
    char *out = NULL;
    if (trade_app_tx(app, "review.create", s_create_tx, &c, err) == 0) {
        trade_push_publish(app, &c.push);
        if (asprintf(&out, "{\"review\":%s}", c.review) < 0) {
            out = NULL;
            err_set(err, ERR_INTERNAL, "out of memory");
        }
    }
    trade_push_clear(&c.push);
    free(c.review);
    return out;
}

char *
review_ops_list(trade_app_t *app, int64_t profile_id, int limit, int64_t offset, err_t *err)
{
    int exists = review_repo_profile_exists(app->db, profile_id, err);
    if (exists <= 0)
        return exists < 0 ? NULL : (err_set(err, ERR_NOT_FOUND, "Profile not found"), NULL);
    char *list = NULL, *avg = NULL;
    int64_t total = 0;
    if (review_repo_list(app->db, profile_id, limit, offset, &list, &total, &avg, err) != 0)
        return NULL;
    char *out = NULL;
    if (asprintf(&out, "{\"reviews\":%s,\"total\":%" PRId64 ",\"avg_rating\":%s}", list, total, avg) < 0)
        out = NULL;
    free(list);
    free(avg);
    return out ? out : (err_set(err, ERR_INTERNAL, "out of memory"), NULL);
}

typedef struct {
    const char *admin;
    int64_t id;
    bool hidden;
    const char *reason;
} s_hide_t;

static int
s_hide_tx(db_t *db, void *ctx, err_t *err)
{
    s_hide_t *h = ctx;
    int64_t reviewee = review_repo_reviewee(db, h->id, err);
    if (reviewee <= 0)
        return reviewee < 0 ? -1 : err_set(err, ERR_NOT_FOUND, "Review not found");
    bool changed = false;
    if (review_repo_lock_profile(db, reviewee, err) != 0
        || review_repo_set_hidden(db, h->id, h->hidden, h->reason, &reviewee, &changed, err) < 0)
        return -1;
    if (!changed)
        return 0; /* already so: nothing to recompute or audit */
    if (review_repo_refresh(db, reviewee, err) != 0)
        return -1;
    char target[48];
    snprintf(target, sizeof target, "review:%" PRId64, h->id);
    audit_row_t row = {.actor = h->admin,
                       .action = h->hidden ? "hide_review" : "unhide_review",
                       .profile_id = reviewee,
                       .target = target,
                       .reason = h->reason,
                       .before_json = h->hidden ? "{\"hidden\":false}" : "{\"hidden\":true}",
                       .after_json = h->hidden ? "{\"hidden\":true}" : "{\"hidden\":false}"};
    return audit_repo_insert(db, &row, err);
}

char *
review_ops_set_hidden(trade_app_t *app, const char *admin_user_id, int64_t review_id, bool hidden,
                      const char *reason, err_t *err)
{
    s_hide_t h = {.admin = admin_user_id, .id = review_id, .hidden = hidden, .reason = reason};
    if (trade_app_tx(app, hidden ? "review.hide" : "review.unhide", s_hide_tx, &h, err) != 0)
        return NULL;
    char *out = NULL;
    if (asprintf(&out, "{\"review\":{\"id\":%" PRId64 ",\"hidden\":%s}}", review_id,
                 hidden ? "true" : "false")
        < 0)
        return err_set(err, ERR_INTERNAL, "out of memory"), NULL;
    return out;
}
