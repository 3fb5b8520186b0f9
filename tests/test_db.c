/*  test_db.c - common/db.h against a real PostgreSQL (DATABASE_URL, which
    scripts/test exports before ctest runs): count(*)-style answers
    (db_exec_int64), the statement counters workers report in heartbeats,
    ROLLBACK without a transaction, a COMMIT PostgreSQL turns into a
    ROLLBACK, and DB_PLAN_EACH_CALL statements kept out of the plan cache.
    Without DATABASE_URL every test fails, never skips. */
#include <criterion/criterion.h>
#include <stdlib.h>

#include "db.h"

static const db_statement_t s_statements[] = {
    {"db_count", "SELECT count(*) FROM generate_series(1, $1::int)", 1},
    {"db_two_columns", "SELECT 1, 2", 0},
    {"db_no_rows", "SELECT 1 WHERE false", 0},
    {"db_fail", "SELECT 1 / $1::int", 1},
    {"db_cached", "SELECT count(*) FROM generate_series(1, $1::int)", 1},
    {"db_each_call", DB_PLAN_EACH_CALL "SELECT count(*) FROM generate_series(1, $1::int)", 1},
    /* how often the connection's prepared statement NAME ran, from the plan cache or planned */
    {"db_plan_uses", "SELECT generic_plans + custom_plans FROM pg_prepared_statements WHERE name = $1", 1},
};

static db_t *s_db;

static void
s_setup(void)
{
    const char *url = getenv("DATABASE_URL");
    cr_assert(url && *url, "DATABASE_URL is not set (scripts/test exports it for ctest)");
    s_db = db_new(url, s_statements, sizeof s_statements / sizeof s_statements[0]);
    err_t err;
    cr_assert_eq(db_connect(s_db, &err), 0, "%s", err.msg);
}

static void
s_teardown(void)
{
    db_destroy(&s_db);
}

TestSuite(db, .init = s_setup, .fini = s_teardown);

Test(db, exec_int64_reads_one_integer)
{
    int64_t n = -1;
    err_t err;
    const char *params[] = {"42"};
    cr_assert_eq(db_exec_int64(s_db, "db_count", params, 1, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 42);
    n = -1;
    cr_assert_eq(db_exec_int64(s_db, "db_two_columns", NULL, 0, &n, &err), -1);
    cr_assert_eq(err.code, ERR_INTERNAL);
    cr_assert_eq(db_exec_int64(s_db, "db_no_rows", NULL, 0, &n, &err), -1);
    cr_assert_eq(n, -1, "a refused answer leaves the value alone");
}

Test(db, statements_and_their_time_are_counted)
{
    db_stats_t before, after;
    db_stats(s_db, &before);
    int64_t n;
    const char *ok[] = {"1000"}, *bad[] = {"0"};
    err_t err;
    cr_assert_eq(db_exec_int64(s_db, "db_count", ok, 1, &n, &err), 0);
    cr_assert_eq(db_exec_int64(s_db, "db_fail", bad, 1, &n, &err), -1, "division by zero");
    cr_assert_str_eq(db_last_sqlstate(s_db), "22012");
    db_stats(s_db, &after);
    cr_assert_eq(after.queries - before.queries, 2);
    cr_assert_eq(after.failures - before.failures, 1);
    cr_assert_gt(after.usec, before.usec);
}

Test(db, rollback_without_a_transaction_is_a_no_op)
{
    err_t err;
    cr_assert_eq(db_command(s_db, "ROLLBACK", &err), 0);
    cr_assert_eq(db_command(s_db, "BEGIN", &err), 0);
    cr_assert_eq(db_command(s_db, "ROLLBACK", &err), 0);
    cr_assert_eq(db_command(s_db, "ROLLBACK", &err), 0);
}

Test(db, commit_of_a_failed_transaction_is_a_failure)
{
    err_t err;
    int64_t n;
    const char *bad[] = {"0"};
    cr_assert_eq(db_command(s_db, "BEGIN", &err), 0);
    cr_assert_eq(db_exec_int64(s_db, "db_fail", bad, 1, &n, &err), -1);
    cr_assert_eq(db_command(s_db, "COMMIT", &err), -1, "PostgreSQL answered ROLLBACK");
    cr_assert_eq(err.code, ERR_INTERNAL);
    /* the connection is idle again and usable */
    const char *ok[] = {"3"};
    cr_assert_eq(db_exec_int64(s_db, "db_count", ok, 1, &n, &err), 0, "%s", err.msg);
    cr_assert_eq(n, 3);
}

Test(db, plan_each_call_statements_never_run_from_the_prepared_plan)
{
    err_t err;
    int64_t n, uses;
    const char *params[] = {"7"};
    for (int i = 0; i < 8; i++) {
        cr_assert_eq(db_exec_int64(s_db, "db_cached", params, 1, &n, &err), 0, "%s", err.msg);
        cr_assert_eq(db_exec_int64(s_db, "db_each_call", params, 1, &n, &err), 0, "%s", err.msg);
        cr_assert_eq(n, 7, "the right answer either way");
    }
    const char *cached[] = {"db_cached"}, *each[] = {"db_each_call"};
    cr_assert_eq(db_exec_int64(s_db, "db_plan_uses", cached, 1, &uses, &err), 0, "%s", err.msg);
    cr_assert_eq(uses, 8, "an ordinary statement runs as prepared");
    cr_assert_eq(db_exec_int64(s_db, "db_plan_uses", each, 1, &uses, &err), 0, "%s", err.msg);
    cr_assert_eq(uses, 0, "prepared on connect (checked), but every call planned on its own");
}
