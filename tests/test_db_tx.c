/*  test_db_tx.c - common/db_tx.h against a real PostgreSQL (DATABASE_URL,
    which scripts/test exports before ctest runs): commit, the one rollback
    path, retries of RETRY, of serialization failures (raised, real under
    REPEATABLE READ, and at COMMIT) and of deadlocks, the bound on attempts
    and the deadline, and what is never retried (other errors, a dead link,
    a COMMIT of a failed transaction). A second libpq connection sets up the
    test's own table and plays the concurrent writer.

    Without DATABASE_URL every test fails: a test that silently skips is a
    test that does not exist. */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db_tx.h"

static const db_statement_t s_statements[] = {
    {"tx_insert", "INSERT INTO p2p_test_db_tx (id, v) VALUES ($1::int, $2::int)", 2},
    {"tx_read", "SELECT v FROM p2p_test_db_tx WHERE id = $1::int", 1},
    {"tx_update", "UPDATE p2p_test_db_tx SET v = $2::int WHERE id = $1::int", 2},
    {"tx_raise", "SELECT p2p_test_db_tx_raise($1)", 1},
    {"tx_pid", "SELECT pg_backend_pid()::text", 0},
};

static PGconn *s_admin; /* the test's own connection: setup and the "other writer" */
static db_t *s_db;

static void
s_sql(const char *sql)
{
    PGresult *res = PQexec(s_admin, sql);
    ExecStatusType st = PQresultStatus(res);
    cr_assert(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(s_admin));
    PQclear(res);
}

/*  The test table's v for id, or -1 when there is no such row. */
static int
s_value(int id)
{
    char sql[96];
    snprintf(sql, sizeof sql, "SELECT v FROM p2p_test_db_tx WHERE id = %d", id);
    PGresult *res = PQexec(s_admin, sql);
    cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s", PQerrorMessage(s_admin));
    int v = PQntuples(res) ? atoi(PQgetvalue(res, 0, 0)) : -1;
    PQclear(res);
    return v;
}

static int
s_rows(void)
{
    PGresult *res = PQexec(s_admin, "SELECT count(*) FROM p2p_test_db_tx");
    int n = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    return n;
}

static void
s_setup(void)
{
    const char *url = getenv("DATABASE_URL");
    cr_assert(url && *url, "DATABASE_URL is not set (scripts/test exports it for ctest)");
    s_admin = PQconnectdb(url);
    cr_assert_eq(PQstatus(s_admin), CONNECTION_OK, "%s", PQerrorMessage(s_admin));
    PQsetNoticeProcessor(s_admin, NULL, NULL);
    s_sql("SET client_min_messages = warning");
    s_sql("CREATE TABLE IF NOT EXISTS p2p_test_db_tx (id int PRIMARY KEY, v int NOT NULL)");
    s_sql("CREATE OR REPLACE FUNCTION p2p_test_db_tx_raise(code text) RETURNS int LANGUAGE plpgsql AS"
          " $$BEGIN RAISE EXCEPTION 'raised %', code USING ERRCODE = code; END$$");
    /* A row with v < 0 makes COMMIT fail with a serialization failure. */
    s_sql("CREATE OR REPLACE FUNCTION p2p_test_db_tx_at_commit() RETURNS trigger LANGUAGE plpgsql AS"
          " $$BEGIN RAISE EXCEPTION 'at commit' USING ERRCODE = '40001'; END$$");
    s_sql("DROP TRIGGER IF EXISTS p2p_test_db_tx_commit ON p2p_test_db_tx");
    s_sql("CREATE CONSTRAINT TRIGGER p2p_test_db_tx_commit AFTER INSERT ON p2p_test_db_tx"
          " DEFERRABLE INITIALLY DEFERRED FOR EACH ROW WHEN (NEW.v < 0)"
          " EXECUTE FUNCTION p2p_test_db_tx_at_commit()");
    s_sql("TRUNCATE p2p_test_db_tx");
    s_db = db_new(url, s_statements, sizeof s_statements / sizeof s_statements[0]);
    err_t err;
    cr_assert_eq(db_connect(s_db, &err), 0, "%s", err.msg);
}

/*  Leave the database as it was: the objects are the test's own. */
static void
s_teardown(void)
{
    db_destroy(&s_db);
    if (s_admin && PQstatus(s_admin) == CONNECTION_OK) {
        s_sql("DROP TABLE IF EXISTS p2p_test_db_tx");
        s_sql("DROP FUNCTION IF EXISTS p2p_test_db_tx_raise(text)");
        s_sql("DROP FUNCTION IF EXISTS p2p_test_db_tx_at_commit()");
    }
    PQfinish(s_admin);
}

TestSuite(db_tx, .init = s_setup, .fini = s_teardown);

/*  A scripted work: what each attempt does, and what it saw. */
typedef struct {
    int attempts;              /* attempts run so far */
    int resets;                /* reset calls */
    const char *raise[8];      /* per attempt: SQLSTATE to raise first (NULL: none) */
    db_tx_outcome_t result[8]; /* per attempt: the outcome after inserting */
    int insert_id;             /* insert (insert_id + attempt, attempt) before the outcome; 0: none */
    char *held;                /* something the attempt allocates: reset frees it */
} s_script_t;

static int
s_exec(const char *name, const char *a, const char *b, int n, err_t *err)
{
    const char *params[] = {a, b};
    PGresult *res = db_exec(s_db, name, params, n, err);
    PQclear(res);
    return res ? 0 : -1;
}

static db_tx_outcome_t
s_scripted(db_t *db, void *ctx, err_t *err)
{
    (void) db;
    s_script_t *s = ctx;
    int i = s->attempts++;
    s->held = strdup("attempt's result");
    if (s->raise[i] && s_exec("tx_raise", s->raise[i], NULL, 1, err) != 0)
        return DB_TX_ABORT;
    if (s->insert_id) {
        char id[16], v[16];
        snprintf(id, sizeof id, "%d", s->insert_id + i);
        snprintf(v, sizeof v, "%d", i + 1);
        if (s_exec("tx_insert", id, v, 2, err) != 0)
            return DB_TX_ABORT;
    }
    if (s->result[i] == DB_TX_ABORT)
        err_set(err, ERR_NOT_FOUND, "scripted failure");
    return s->result[i];
}

static void
s_reset(void *ctx)
{
    s_script_t *s = ctx;
    s->resets++;
    free(s->held);
    s->held = NULL;
}

static int
s_run(s_script_t *s, int max_attempts, int *retries, err_t *err)
{
    db_tx_spec_t spec = {.name = "test", .max_attempts = max_attempts, .reset = s_reset};
    return db_tx_run(s_db, &spec, s_scripted, s, retries, err);
}

Test(db_tx, commits_the_work)
{
    s_script_t s = {.insert_id = 10, .result = {DB_TX_COMMIT}};
    int retries = -1;
    err_t err;
    cr_assert_eq(s_run(&s, 0, &retries, &err), 0, "%s", err.msg);
    cr_assert_eq(retries, 0);
    cr_assert_eq(s.resets, 0, "a committed attempt is not reset");
    cr_assert_eq(s_value(10), 1);
    free(s.held);
}

Test(db_tx, an_error_rolls_back_everything_and_is_not_retried)
{
    s_script_t s = {.insert_id = 20, .result = {DB_TX_ABORT, DB_TX_COMMIT}};
    int retries = -1;
    err_t err;
    cr_assert_eq(s_run(&s, 0, &retries, &err), -1);
    cr_assert_eq(err.code, ERR_NOT_FOUND, "the work's own error");
    cr_assert_eq(s.attempts, 1);
    cr_assert_eq(retries, 0);
    cr_assert_eq(s.resets, 1);
    cr_assert_null(s.held, "reset dropped the attempt's result");
    cr_assert_eq(s_rows(), 0, "the insert was rolled back");
    /* the connection is usable at once */
    s_script_t next = {.insert_id = 30, .result = {DB_TX_COMMIT}};
    cr_assert_eq(s_run(&next, 0, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(s_value(30), 1);
    free(next.held);
}

Test(db_tx, a_failed_statement_is_not_retried)
{
    s_sql("INSERT INTO p2p_test_db_tx VALUES (40, 0)");
    s_script_t s = {.insert_id = 40, .result = {DB_TX_COMMIT, DB_TX_COMMIT}}; /* duplicate key */
    err_t err;
    cr_assert_eq(s_run(&s, 0, NULL, &err), -1);
    cr_assert_eq(s.attempts, 1, "a unique violation does not go away on a second run");
    /* db_exec answers a constraint violation as a 400 naming its columns (db_constraints) */
    cr_assert_eq(err.code, ERR_INVALID, "db_exec's error for a unique violation");
    cr_assert_eq(s_value(40), 0);
}

Test(db_tx, a_conflict_runs_again_until_it_commits)
{
    s_script_t s = {.insert_id = 50, .result = {DB_TX_RETRY, DB_TX_RETRY, DB_TX_COMMIT}};
    int retries = -1;
    err_t err;
    cr_assert_eq(s_run(&s, 0, &retries, &err), 0, "%s", err.msg);
    cr_assert_eq(retries, 2);
    cr_assert_eq(s.resets, 2);
    cr_assert_eq(s_rows(), 1, "only the committed attempt's row stays");
    cr_assert_eq(s_value(52), 3);
    free(s.held);
}

Test(db_tx, serialization_failures_and_deadlocks_run_again)
{
    s_script_t s = {.insert_id = 60,
                    .raise = {"40001", "40P01", NULL},
                    .result = {DB_TX_COMMIT, DB_TX_COMMIT, DB_TX_COMMIT}};
    int retries = -1;
    err_t err;
    cr_assert_eq(s_run(&s, 0, &retries, &err), 0, "%s", err.msg);
    cr_assert_eq(retries, 2);
    cr_assert_eq(s_rows(), 1);
    cr_assert_eq(s_value(62), 3);
    free(s.held);
}

Test(db_tx, attempts_are_bounded)
{
    s_script_t s = {.insert_id = 70,
                    .raise = {"40001", "40001", "40001", "40001", "40001"},
                    .result = {DB_TX_COMMIT, DB_TX_COMMIT, DB_TX_COMMIT, DB_TX_COMMIT, DB_TX_COMMIT}};
    int retries = -1;
    err_t err;
    cr_assert_eq(s_run(&s, 3, &retries, &err), -1);
    cr_assert_eq(s.attempts, 3);
    cr_assert_eq(retries, 2);
    cr_assert_eq(s.resets, 3);
    cr_assert_eq(err.code, ERR_UNAVAILABLE, "503: not applied, try again");
    cr_assert_eq(s_rows(), 0);

    /* a RETRY that ran out answers with the work's own error when it set one */
    s_script_t conflict = {.result = {DB_TX_RETRY, DB_TX_RETRY}};
    cr_assert_eq(s_run(&conflict, 2, NULL, &err), -1);
    cr_assert_eq(err.code, ERR_UNAVAILABLE);
}

Test(db_tx, the_deadline_stops_retries)
{
    s_script_t s = {.result = {DB_TX_RETRY, DB_TX_COMMIT}};
    db_tx_spec_t spec = {.name = "test", .reset = s_reset, .deadline_ms = clock_wall_ms()};
    err_t err;
    cr_assert_eq(db_tx_run(s_db, &spec, s_scripted, &s, NULL, &err), -1);
    cr_assert_eq(s.attempts, 1, "no retry starts past the deadline");
    cr_assert_eq(err.code, ERR_UNAVAILABLE);
}

/*  Read-modify-write under REPEATABLE READ: the first attempt reads v, the
    other writer changes it, and the attempt's UPDATE then fails with a real
    serialization failure; the retry reads the new value. No update is lost. */
typedef struct {
    int attempts;
} s_rmw_t;

static db_tx_outcome_t
s_add_ten(db_t *db, void *ctx, err_t *err)
{
    s_rmw_t *rmw = ctx;
    const char *params[] = {"80", NULL};
    PGresult *res = db_exec(db, "tx_read", params, 1, err);
    if (!res)
        return DB_TX_ABORT;
    int v = atoi(PQgetvalue(res, 0, 0));
    PQclear(res);
    if (rmw->attempts++ == 0)
        s_sql("UPDATE p2p_test_db_tx SET v = 2 WHERE id = 80"); /* autocommit: the other writer */
    char next[16];
    snprintf(next, sizeof next, "%d", v + 10);
    params[1] = next;
    res = db_exec(db, "tx_update", params, 2, err);
    PQclear(res);
    return res ? DB_TX_COMMIT : DB_TX_ABORT;
}

Test(db_tx, a_real_serialization_failure_runs_again)
{
    s_sql("INSERT INTO p2p_test_db_tx VALUES (80, 1)");
    s_rmw_t rmw = {0};
    db_tx_spec_t spec = {.name = "rmw", .isolation = DB_TX_REPEATABLE_READ};
    int retries = -1;
    err_t err;
    cr_assert_eq(db_tx_run(s_db, &spec, s_add_ten, &rmw, &retries, &err), 0, "%s", err.msg);
    cr_assert_eq(retries, 1);
    cr_assert_eq(s_value(80), 12, "the other writer's 2, plus 10");
}

/*  Attempt 1 inserts a row the deferred trigger refuses at COMMIT with a
    serialization failure; attempt 2 inserts one it accepts. */
static db_tx_outcome_t
s_negative_first(db_t *db, void *ctx, err_t *err)
{
    (void) db;
    int *attempts = ctx;
    const char *v = (*attempts)++ == 0 ? "-1" : "1";
    return s_exec("tx_insert", "90", v, 2, err) == 0 ? DB_TX_COMMIT : DB_TX_ABORT;
}

Test(db_tx, a_serialization_failure_at_commit_runs_again)
{
    int attempts = 0, retries = -1;
    db_tx_spec_t spec = {.name = "commit"};
    err_t err;
    cr_assert_eq(db_tx_run(s_db, &spec, s_negative_first, &attempts, &retries, &err), 0, "%s", err.msg);
    cr_assert_eq(retries, 1);
    cr_assert_eq(s_value(90), 1);
}

/*  The work's connection dies under it (the server ends the backend). */
static db_tx_outcome_t
s_killed(db_t *db, void *ctx, err_t *err)
{
    int *attempts = ctx;
    (*attempts)++;
    PGresult *res = db_exec(db, "tx_pid", NULL, 0, err);
    if (!res)
        return DB_TX_ABORT;
    char sql[64];
    snprintf(sql, sizeof sql, "SELECT pg_terminate_backend(%s)", PQgetvalue(res, 0, 0));
    PQclear(res);
    s_sql(sql);
    return s_exec("tx_insert", "100", "1", 2, err) == 0 ? DB_TX_COMMIT : DB_TX_ABORT;
}

Test(db_tx, a_dead_connection_is_not_retried_and_the_next_unit_reconnects)
{
    int attempts = 0;
    db_tx_spec_t spec = {.name = "killed"};
    err_t err;
    cr_assert_eq(db_tx_run(s_db, &spec, s_killed, &attempts, NULL, &err), -1);
    cr_assert_eq(attempts, 1);
    cr_assert_eq(err.code, ERR_DB_UNAVAILABLE);
    cr_assert_eq(s_value(100), -1);
    s_script_t next = {.insert_id = 110, .result = {DB_TX_COMMIT}};
    cr_assert_eq(s_run(&next, 0, NULL, &err), 0, "%s", err.msg);
    cr_assert_eq(s_value(110), 1);
    free(next.held);
}

/*  A work that ignores its failed statement and asks for a commit. */
static db_tx_outcome_t
s_ignores_failure(db_t *db, void *ctx, err_t *err)
{
    (void) db;
    (void) ctx;
    s_exec("tx_insert", "120", "1", 2, err); /* fine */
    s_exec("tx_insert", "120", "2", 2, err); /* duplicate: the transaction is now failed */
    return DB_TX_COMMIT;
}

Test(db_tx, committing_a_failed_transaction_is_a_failure)
{
    db_tx_spec_t spec = {.name = "ignores"};
    err_t err;
    cr_assert_eq(db_tx_run(s_db, &spec, s_ignores_failure, NULL, NULL, &err), -1,
                 "PostgreSQL answers ROLLBACK to that COMMIT");
    cr_assert_eq(err.code, ERR_INTERNAL);
    cr_assert_eq(s_value(120), -1);
}

Test(db_tx_backoff, grows_is_capped_and_stays_within_half_and_all)
{
    int last_full = 0;
    for (int retry = 1; retry <= 40; retry++) {
        int low = db_tx_backoff_ms(retry, 0), high = db_tx_backoff_ms(retry, UINT32_MAX);
        int full = high;
        cr_assert_geq(full, last_full, "retry %d", retry);
        cr_assert_leq(full, DB_TX_BACKOFF_MAX_MS);
        cr_assert_eq(low, full / 2, "retry %d", retry);
        int mid = db_tx_backoff_ms(retry, UINT32_MAX / 2);
        cr_assert(mid >= low && mid <= high);
        last_full = full;
    }
    cr_assert_eq(db_tx_backoff_ms(1, UINT32_MAX), DB_TX_BACKOFF_BASE_MS);
    cr_assert_eq(db_tx_backoff_ms(40, UINT32_MAX), DB_TX_BACKOFF_MAX_MS);
    cr_assert_eq(db_tx_backoff_ms(0, UINT32_MAX), DB_TX_BACKOFF_MAX_MS, "nonsense asks for the most");
}
