/*  trade_access.h - the first checks of every trading request, in the
    contract's order (TRADING.md "Errors": auth, suspension, validation, ...):
    who the caller is (their profile), and whether they may write. */
#ifndef P2P_TRADE_ACCESS_H
#define P2P_TRADE_ACCESS_H

#include <stdbool.h>

#include "party_repo.h"
#include "trade_app.h"

/*  Resolve req's caller into *caller. Refuses with err: no profile (404
    NOT_JOINED_P2P), no consent (403 CONSENT_REQUIRED), and, when write, an
    effectively suspended caller (403 ACCOUNT_SUSPENDED). 0 or -1. */
int trade_access_user(trade_app_t *app, const worker_request_t *req, bool write, party_t *caller, err_t *err);

/*  trade_access_user's verdict on a caller already looked up (a statement
    that reads the caller itself, to save a round trip). 0 or -1 with err. */
int trade_access_judge(const party_t *caller, bool write, err_t *err);

/*  For reads of public trading data (listings, an ad): the caller's profile
    when they have one (profile_id 0 when not). 0, or -1 with err. */
int trade_access_reader(trade_app_t *app, const worker_request_t *req, party_t *caller, err_t *err);

/*  The gateway only routes admin calls for admin tokens; a worker checks
    again (a routing mistake must not open the admin API). A user id with an
    operator actor's prefix ("cli:", "curve:") is refused unless the request
    came from trade-svc's operator API, so an audit row says which way in.
    0, or -1 with 403 FORBIDDEN. */
int trade_access_admin(const worker_request_t *req, err_t *err);

#endif
