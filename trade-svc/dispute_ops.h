/*  dispute_ops.h - disputes (TRADING.md "Disputes"): raised by a party of a
    paid order (the buyer only after the release window), evidence from both,
    the moderators' queue and case file, a ruling that moves the escrow, the
    order, the counters, the notifications and the audit row in one
    transaction, and the automatic rule (no answer by respond_by: resolved for
    the raiser) run by the timer, once however many processes run. Replies
    are the JSON clients receive as data; caller frees; NULL with err. */
#ifndef P2P_DISPUTE_OPS_H
#define P2P_DISPUTE_OPS_H

#include <stdbool.h>
#include <stdint.h>

#include "party_repo.h"
#include "trade_app.h"

/*  {"dispute":{...}} raised by the caller on order_id. */
char *dispute_ops_raise(trade_app_t *app, const party_t *caller, const char *user_id, int64_t order_id,
                        const char *reason, const char *description, err_t *err);

/*  {"dispute":{...}} after the caller's evidence (text and/or attachment_id). */
char *dispute_ops_add_evidence(trade_app_t *app, const party_t *caller, int64_t order_id, const char *text,
                               int64_t attachment_id, err_t *err);

/*  {"dispute":{...}} of the order, for its parties. */
char *dispute_ops_get(trade_app_t *app, const party_t *caller, int64_t order_id, err_t *err);

/*  {"disputes":[...],"total":n}: the queue (status NULL: all), oldest first. */
char *dispute_ops_list(trade_app_t *app, const char *status, int limit, int64_t offset, err_t *err);

/*  {"dispute","order","messages","buyer","seller"}: everything a moderator
    needs to judge dispute_id. */
char *dispute_ops_case(trade_app_t *app, int64_t dispute_id, err_t *err);

/*  {"message":{...}}: an admin's message into the disputed order's chat,
    audited. */
char *dispute_ops_admin_message(trade_app_t *app, const char *admin_user_id, int64_t dispute_id,
                                const char *text, err_t *err);

/*  {"dispute":{...}} after an admin's ruling: outcome "release" (the escrow
    to the buyer) or "refund" (back to the seller), with a note. 409
    ORDER_STATE_CHANGED for a dispute already resolved. */
char *dispute_ops_resolve(trade_app_t *app, const char *admin_user_id, int64_t dispute_id, bool release,
                          const char *note, err_t *err);

/*  The timer: resolve up to max disputes whose respond_by passed unanswered,
    for their raiser, audited as "system". Returns how many. */
int dispute_ops_auto_resolve(trade_app_t *app, int max);

#endif
