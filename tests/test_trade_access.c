/*  test_trade_access.c - trade-svc/trade_access.h's admin check, which
    needs no database: admins pass, everyone else gets 403, and an id with
    an operator actor's prefix passes only from the operator API (a REST
    admin named "cli:bob" would pass for an operator in the audit log). */
#include <criterion/criterion.h>
#include <string.h>

#include "trade_access.h"

static int
s_admin(const char *user_id, const char *role, bool from_operator_api, err_t *err)
{
    worker_request_t req = {
        .user_id = user_id,
        .role = role,
        .from_operator_api = from_operator_api,
    };
    return trade_access_admin(&req, err);
}

Test(trade_access, admins_pass_and_others_get_403)
{
    err_t err;
    cr_assert_eq(s_admin("admin1", "admin", false, &err), 0);
    cr_assert_eq(s_admin("u1", "", false, &err), -1);
    cr_assert_eq(err.code, ERR_FORBIDDEN);
    cr_assert_eq(s_admin("u1", NULL, false, &err), -1);
    cr_assert_eq(s_admin("", "admin", false, &err), -1);
}

Test(trade_access, operator_ids_pass_only_from_the_operator_api)
{
    err_t err;
    const char *ids[] = {"cli:admin1", "curve:alice"};
    for (size_t i = 0; i < 2; i++) {
        cr_assert_eq(s_admin(ids[i], "admin", false, &err), -1, "%s over REST", ids[i]);
        cr_assert_eq(err.code, ERR_FORBIDDEN);
        cr_assert(strstr(err.msg, "reserved"), "%s", err.msg);
        cr_assert_eq(s_admin(ids[i], "admin", true, &err), 0, "%s from the operator API", ids[i]);
    }
}
