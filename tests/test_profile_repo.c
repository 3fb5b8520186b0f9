/*  test_profile_repo.c - profile-svc/profile_repo.h, the part that needs no
    database: the statement table. The SQL itself runs in the integration
    tests against a real PostgreSQL. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>

#include "profile_repo.h"

Test(profile_repo, statements_are_named_and_parameterised)
{
    size_t n;
    const db_statement_t *st = profile_repo_statements(&n);
    cr_assert_gt(n, 0);
    for (size_t i = 0; i < n; i++) {
        cr_assert_not_null(st[i].name);
        cr_assert_not_null(st[i].sql);
        char last[16];
        snprintf(last, sizeof last, "$%d", st[i].nparams);
        if (st[i].nparams > 0) /* profile_search_state takes none */
            cr_assert_not_null(strstr(st[i].sql, last), "%s lacks %s", st[i].name, last);
        snprintf(last, sizeof last, "$%d", st[i].nparams + 1);
        cr_assert_null(strstr(st[i].sql, last), "%s uses %s", st[i].name, last);
        for (size_t j = 0; j < i; j++)
            cr_assert_str_neq(st[i].name, st[j].name);
    }
}
