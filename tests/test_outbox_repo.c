/*  test_outbox_repo.c - the delivery outbox's SQL (trade-svc/outbox_repo.c)
    against a real PostgreSQL (DATABASE_URL, exported by scripts/test):
    a due row is leased by one claimer only, a locked row is skipped rather
    than waited for, outcomes are recorded only under the lease that
    produced them, a sent row is never leased again, a failure reschedules
    until give_up_at and a row past it is still tried once, and the
    webhook's URL and secret are the ones stored at claim time.

    The tables are copies in a schema of the test's own (the connections'
    search_path), so the test neither sees nor disturbs real deliveries.
    Without DATABASE_URL every test fails. */
#include <criterion/criterion.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "outbox_repo.h"

#define S_SCHEMA "p2p_test_outbox"

static PGconn *s_admin; /* setup and checks, in the test's schema */
static db_t *s_a, *s_b; /* two "processes" */
static char s_url[1024];

static void
s_sql(const char *sql)
{
    PGresult *res = PQexec(s_admin, sql);
    ExecStatusType st = PQresultStatus(res);
    cr_assert(st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(s_admin));
    PQclear(res);
}

/*  One value of one row ("" for NULL). Into buf. */
static const char *
s_value(const char *sql, char *buf, size_t size)
{
    PGresult *res = PQexec(s_admin, sql);
    cr_assert_eq(PQresultStatus(res), PGRES_TUPLES_OK, "%s: %s", sql, PQerrorMessage(s_admin));
    cr_assert_eq(PQntuples(res), 1, "%s", sql);
    snprintf(buf, size, "%s", PQgetvalue(res, 0, 0));
    PQclear(res);
    return buf;
}

static void
s_setup(void)
{
    const char *url = getenv("DATABASE_URL");
    cr_assert(url && *url, "DATABASE_URL is not set (scripts/test exports it for ctest)");
    snprintf(s_url, sizeof s_url, "%s%soptions=-c%%20search_path%%3D" S_SCHEMA, url,
             strchr(url, '?') ? "&" : "?");
    s_admin = PQconnectdb(s_url);
    cr_assert_eq(PQstatus(s_admin), CONNECTION_OK, "%s", PQerrorMessage(s_admin));
    PQsetNoticeProcessor(s_admin, NULL, NULL);
    s_sql("SET client_min_messages = warning");
    s_sql("DROP SCHEMA IF EXISTS " S_SCHEMA " CASCADE");
    s_sql("CREATE SCHEMA " S_SCHEMA);
    /* the real tables' columns, defaults and checks; no foreign keys */
    s_sql("CREATE TABLE p2p_notifications (LIKE public.p2p_notifications INCLUDING ALL)");
    s_sql("CREATE TABLE p2p_webhooks (LIKE public.p2p_webhooks INCLUDING ALL)");
    s_sql("CREATE TABLE p2p_outbox (LIKE public.p2p_outbox INCLUDING ALL)");
    s_sql("INSERT INTO p2p_notifications (id, profile_id, kind, title, body) VALUES "
          "(1, 7, 'order.paid', 'Paid', 'Paid.'), (2, 8, 'order.paid', 'Paid', 'Paid.')");
    size_t count;
    const db_statement_t *statements = outbox_repo_statements(&count);
    s_a = db_new(s_url, statements, count);
    s_b = db_new(s_url, statements, count);
    cr_assert(s_a && s_b);
}

static void
s_teardown(void)
{
    db_destroy(&s_a);
    db_destroy(&s_b);
    if (s_admin) {
        PGresult *res = PQexec(s_admin, "DROP SCHEMA IF EXISTS " S_SCHEMA " CASCADE");
        PQclear(res);
        PQfinish(s_admin);
    }
}

TestSuite(outbox_repo, .init = s_setup, .fini = s_teardown);

/*  A due webhook delivery for notification n (profile 7 or 8); its id. */
static int64_t
s_add(int n, const char *channel, const char *give_up)
{
    char sql[512], buf[32];
    snprintf(sql, sizeof sql,
             "INSERT INTO p2p_outbox (notification_id, channel, target, payload, give_up_at) "
             "VALUES (%d, '%s', 'https://merchant.example/hook', '{\"n\":%d}', %s) RETURNING id",
             n, channel, n, give_up);
    return strtoll(s_value(sql, buf, sizeof buf), NULL, 10);
}

static size_t
s_claim(db_t *db, int max, bool email, outbox_item_t **items)
{
    size_t count = 99;
    err_t err;
    cr_assert_eq(outbox_repo_claim(db, max, email, 120, items, &count, &err), 0, "%s", err.msg);
    return count;
}

static void
s_free(outbox_item_t *items, size_t count)
{
    for (size_t i = 0; i < count; i++)
        outbox_repo_item_clear(&items[i]);
    free(items);
}

static const char *
s_row(int64_t id, const char *expr, char *buf, size_t size)
{
    char sql[256];
    snprintf(sql, sizeof sql, "SELECT coalesce((%s)::text, '') FROM p2p_outbox WHERE id = %lld", expr,
             (long long) id);
    return s_value(sql, buf, size);
}

Test(outbox_repo, a_due_row_is_leased_once)
{
    int64_t ids[3] = {s_add(1, "webhook", "now() + interval '1 day'"),
                      s_add(1, "webhook", "now() + interval '1 day'"),
                      s_add(2, "webhook", "now() + interval '1 day'")};
    outbox_item_t *a, *b;
    size_t na = s_claim(s_a, 10, true, &a);
    size_t nb = s_claim(s_b, 10, true, &b);
    cr_expect_eq(na, 3);
    cr_expect_eq(nb, 0, "the other process gets nothing while the lease holds");
    for (size_t i = 0; i < na; i++) {
        cr_expect_eq(a[i].id, ids[i], "oldest due first");
        cr_expect_eq(a[i].attempts, 1);
        cr_expect_eq(a[i].channel, OUTBOX_WEBHOOK);
    }
    char buf[64];
    cr_expect_str_eq(s_row(ids[0], "next_attempt_at > now() + interval '100 seconds'", buf, sizeof buf),
                     "true");
    cr_expect_str_eq(s_row(ids[0], "attempts", buf, sizeof buf), "1");
    s_free(a, na);
    s_free(b, nb);
}

/*  A row another transaction holds is skipped, not waited for. */
Test(outbox_repo, locked_rows_are_skipped)
{
    int64_t first = s_add(1, "webhook", "now() + interval '1 day'");
    int64_t second = s_add(1, "webhook", "now() + interval '1 day'");
    char sql[128];
    s_sql("BEGIN");
    snprintf(sql, sizeof sql, "SELECT id FROM p2p_outbox WHERE id = %lld FOR UPDATE", (long long) first);
    s_sql(sql);
    outbox_item_t *a;
    size_t na = s_claim(s_a, 10, true, &a);
    cr_expect_eq(na, 1);
    cr_expect_eq(a[0].id, second);
    s_free(a, na);
    s_sql("COMMIT");
    na = s_claim(s_a, 10, true, &a);
    cr_expect_eq(na, 1);
    cr_expect_eq(a[0].id, first);
    s_free(a, na);
}

Test(outbox_repo, max_and_channels)
{
    s_add(1, "email", "now() + interval '1 day'");
    s_add(1, "webhook", "now() + interval '1 day'");
    s_add(2, "webhook", "now() + interval '1 day'");
    outbox_item_t *a;
    size_t n = s_claim(s_a, 10, false, &a);
    cr_expect_eq(n, 2, "without SMTP, mail rows are left for a process that has it");
    for (size_t i = 0; i < n; i++)
        cr_expect_eq(a[i].channel, OUTBOX_WEBHOOK);
    s_free(a, n);
    n = s_claim(s_b, 1, true, &a);
    cr_expect_eq(n, 1);
    cr_expect_eq(a[0].channel, OUTBOX_EMAIL);
    s_free(a, n);
}

Test(outbox_repo, sent_is_never_leased_again)
{
    int64_t id = s_add(1, "webhook", "now() + interval '1 day'");
    outbox_item_t *a;
    size_t n = s_claim(s_a, 10, true, &a);
    cr_assert_eq(n, 1);
    err_t err;
    cr_expect_eq(outbox_repo_sent(s_a, id, &err), 0);
    /* an attempt that ended after the success (a lease that ran out) changes nothing */
    cr_expect_eq(outbox_repo_failed(s_b, id, 1, "late", 10, false, &err), 2);
    char sql[128];
    snprintf(sql, sizeof sql,
             "UPDATE p2p_outbox SET next_attempt_at = now() - interval '1 hour' WHERE id = %lld",
             (long long) id);
    s_sql(sql);
    outbox_item_t *b;
    cr_expect_eq(s_claim(s_b, 10, true, &b), 0);
    char buf[64];
    cr_expect_str_neq(s_row(id, "sent_at", buf, sizeof buf), "");
    cr_expect_str_eq(s_row(id, "failed_at", buf, sizeof buf), "");
    s_free(a, n);
    free(b);
}

Test(outbox_repo, failure_reschedules_then_gives_up)
{
    int64_t id = s_add(1, "webhook", "now() + interval '1 day'");
    outbox_item_t *a;
    size_t n = s_claim(s_a, 10, true, &a);
    cr_assert_eq(n, 1);
    err_t err;
    /* a stale token (not this lease's attempts) changes nothing */
    cr_expect_eq(outbox_repo_failed(s_a, id, 5, "HTTP 500", 60000, false, &err), 2);
    cr_expect_eq(outbox_repo_failed(s_a, id, 1, "HTTP 500", 60000, false, &err), 0);
    char buf[64];
    cr_expect_str_eq(s_row(id, "last_error", buf, sizeof buf), "HTTP 500");
    cr_expect_str_eq(s_row(id,
                           "next_attempt_at BETWEEN now() + interval '55 seconds' AND now() + interval "
                           "'65 seconds'",
                           buf, sizeof buf),
                     "true");
    cr_expect_str_eq(s_row(id, "failed_at", buf, sizeof buf), "");
    s_free(a, n);
    outbox_item_t *b;
    cr_expect_eq(s_claim(s_b, 10, true, &b), 0, "not due before its delay");
    free(b);
    /* never rescheduled past give_up_at; a failure past it is final */
    char sql[160];
    snprintf(
        sql, sizeof sql,
        "UPDATE p2p_outbox SET next_attempt_at = now(), give_up_at = now() + interval '2 seconds' WHERE id = "
        "%lld",
        (long long) id);
    s_sql(sql);
    n = s_claim(s_b, 10, true, &a);
    cr_assert_eq(n, 1);
    cr_expect_eq(a[0].attempts, 2);
    cr_expect_eq(outbox_repo_failed(s_b, id, 2, "HTTP 502", 3600000, false, &err), 0);
    cr_expect_str_eq(s_row(id, "next_attempt_at = give_up_at", buf, sizeof buf), "true");
    s_free(a, n);
    snprintf(
        sql, sizeof sql,
        "UPDATE p2p_outbox SET next_attempt_at = now(), give_up_at = now() - interval '1 second' WHERE id = "
        "%lld",
        (long long) id);
    s_sql(sql);
    n = s_claim(s_a, 10, true, &a);
    cr_assert_eq(n, 1, "a row past give_up_at is still tried");
    cr_expect_eq(outbox_repo_failed(s_a, id, 3, "HTTP 503", 1000, false, &err), 1);
    cr_expect_str_neq(s_row(id, "failed_at", buf, sizeof buf), "");
    cr_expect_str_eq(s_row(id, "last_error", buf, sizeof buf), "HTTP 503");
    s_free(a, n);
}

/*  Past give_up_at before its first attempt (every process was down for a
    day): still attempted once. */
Test(outbox_repo, at_least_once)
{
    int64_t id = s_add(1, "webhook", "now() - interval '1 hour'");
    outbox_item_t *a;
    size_t n = s_claim(s_a, 10, true, &a);
    cr_assert_eq(n, 1);
    cr_expect_eq(a[0].id, id);
    err_t err;
    cr_expect_eq(outbox_repo_sent(s_a, id, &err), 0);
    s_free(a, n);
}

Test(outbox_repo, permanent_failure_is_final_at_once)
{
    int64_t id = s_add(1, "webhook", "now() + interval '1 day'");
    outbox_item_t *a;
    size_t n = s_claim(s_a, 10, true, &a);
    err_t err;
    cr_expect_eq(outbox_repo_failed(s_a, id, 1, "address not allowed: 10.0.0.1 (private)", 10, true, &err),
                 1);
    char buf[64];
    cr_expect_str_neq(s_row(id, "failed_at", buf, sizeof buf), "");
    s_free(a, n);
}

Test(outbox_repo, release_makes_it_due_again)
{
    int64_t id = s_add(1, "webhook", "now() + interval '1 day'");
    outbox_item_t *a;
    size_t n = s_claim(s_a, 10, true, &a);
    err_t err;
    cr_expect_eq(outbox_repo_release(s_a, id, 1, &err), 0);
    s_free(a, n);
    n = s_claim(s_b, 10, true, &a);
    cr_assert_eq(n, 1);
    cr_expect_eq(a[0].attempts, 2);
    s_free(a, n);
}

/*  The URL and secret come from p2p_webhooks when the row is leased: a
    changed secret signs the next attempt, a deleted webhook gives NULL. */
Test(outbox_repo, webhook_read_at_claim)
{
    s_sql("INSERT INTO p2p_webhooks (profile_id, url, secret) VALUES (7, 'https://a.example/h', "
          "'secret-one-123456')");
    int64_t id = s_add(1, "webhook", "now() + interval '1 day'");
    outbox_item_t *a;
    size_t n = s_claim(s_a, 10, true, &a);
    cr_assert_eq(n, 1);
    cr_expect_str_eq(a[0].url, "https://a.example/h");
    cr_expect_str_eq(a[0].secret, "secret-one-123456");
    cr_expect_str_eq(a[0].payload, "{\"n\":1}");
    s_free(a, n);
    s_sql("UPDATE p2p_webhooks SET url = 'https://b.example/h', secret = 'secret-two-123456' WHERE "
          "profile_id = 7");
    err_t err;
    cr_expect_eq(outbox_repo_release(s_a, id, 1, &err), 0);
    n = s_claim(s_a, 10, true, &a);
    cr_assert_eq(n, 1);
    cr_expect_str_eq(a[0].url, "https://b.example/h");
    cr_expect_str_eq(a[0].secret, "secret-two-123456");
    s_free(a, n);
    s_sql("DELETE FROM p2p_webhooks WHERE profile_id = 7");
    cr_expect_eq(outbox_repo_release(s_a, id, 2, &err), 0);
    n = s_claim(s_a, 10, true, &a);
    cr_assert_eq(n, 1);
    cr_expect_null(a[0].url);
    cr_expect_null(a[0].secret);
    s_free(a, n);
}
