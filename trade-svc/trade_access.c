/*  trade_access.c - who is calling, and may they (see trade_access.h). */
#include "trade_access.h"

#include <string.h>

#include "operator_api.h"

int
trade_access_user(trade_app_t *app, const worker_request_t *req, bool write, party_t *caller, err_t *err)
{
    if (party_repo_by_user(app->db, req->user_id, caller, err) != 0)
        return -1;
    return trade_access_judge(caller, write, err);
}

int
trade_access_judge(const party_t *caller, bool write, err_t *err)
{
    if (!caller->profile_id)
        return err_set(err, ERR_NOT_JOINED,
                       "You have not joined P2P trading yet. Please create a P2P profile first.");
    if (!caller->consent)
        return err_set(err, ERR_CONSENT_REQUIRED,
                       "You must accept the P2P trading terms and conditions before trading.");
    if (write && caller->suspended)
        return err_set(err, ERR_SUSPENDED, "Your account is suspended");
    return 0;
}

int
trade_access_reader(trade_app_t *app, const worker_request_t *req, party_t *caller, err_t *err)
{
    return party_repo_by_user(app->db, req->user_id, caller, err);
}

int
trade_access_admin(const worker_request_t *req, err_t *err)
{
    /* operator actors come from the operator API alone: a REST admin holding
       such an id would pass for an operator in the audit log */
    if (!req->from_operator_api && operator_api_is_operator_actor(req->user_id))
        return operator_api_refuse_rest_actor(err);
    if (req->role && strcmp(req->role, "admin") == 0 && req->user_id && *req->user_id)
        return 0;
    return err_set(err, ERR_FORBIDDEN, "Admin access required");
}
