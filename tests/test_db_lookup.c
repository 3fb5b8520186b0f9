/*  test_db_lookup.c - common/db_lookup.h: which connection strings need a
    name lookup of our own, what a lookup hands libpq, that a failed one
    says why, and (against the real PostgreSQL of DATABASE_URL, reached as
    "localhost") that db.c connects through the looked-up addresses. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "db_lookup.h"

Test(db_lookup, what_libpq_resolves_without_a_lookup_gets_none)
{
    const char *none[] = {
        "postgresql://p2p:p2p@127.0.0.1:5432/db", /* an address */
        "postgresql://p2p@[::1]:5432/db",
        "host=/var/run/postgresql dbname=db",               /* a socket directory */
        "host=db.example hostaddr=10.0.0.5 dbname=db",      /* the address is given */
        "postgresql://p2p@db1.example,db2.example:5432/db", /* several hosts: libpq's own */
        "dbname=db",                                        /* the default socket */
        "this is not a connection string",                  /* libpq reports it */
    };
    unsetenv("PGHOST");
    unsetenv("PGHOSTADDR");
    for (size_t i = 0; i < sizeof none / sizeof none[0]; i++) {
        db_lookup_t *lookup = db_lookup_new(none[i]);
        cr_expect_null(lookup, "%s needs no lookup", none[i]);
        db_lookup_destroy(&lookup);
    }
}

Test(db_lookup, a_name_gets_one_host_entry_per_address)
{
    db_lookup_t *lookup = db_lookup_new("postgresql://p2p:p2p@localhost:5432/db");
    cr_assert_not_null(lookup);
    cr_expect_str_eq(db_lookup_name(lookup), "localhost");
    const char *host = NULL, *hostaddr = NULL;
    char why[200] = "";
    cr_assert_eq(db_lookup_resolve(lookup, "2", &host, &hostaddr, why, sizeof why), 0, "%s", why);
    cr_expect(strstr(hostaddr, "127.0.0.1") != NULL, "localhost is 127.0.0.1: %s", hostaddr);
    size_t hosts = 1, addresses = 1;
    for (const char *c = host; *c; c++)
        hosts += *c == ',';
    for (const char *c = hostaddr; *c; c++)
        addresses += *c == ',';
    cr_expect_eq(hosts, addresses, "host \"%s\" and hostaddr \"%s\" pair up", host, hostaddr);
    cr_expect_eq(strncmp(host, "localhost", 9), 0, "the name stays (TLS checks it): %s", host);
    /* a second lookup starts afresh (an address can change between connections) */
    cr_assert_eq(db_lookup_resolve(lookup, "2", &host, &hostaddr, why, sizeof why), 0, "%s", why);
    db_lookup_destroy(&lookup);
    cr_expect_null(lookup);
}

Test(db_lookup, pghost_names_the_host_when_the_string_does_not)
{
    setenv("PGHOST", "localhost", 1);
    db_lookup_t *lookup = db_lookup_new("dbname=db");
    unsetenv("PGHOST");
    cr_assert_not_null(lookup);
    cr_expect_str_eq(db_lookup_name(lookup), "localhost");
    db_lookup_destroy(&lookup);
}

Test(db_lookup, a_name_that_does_not_resolve_says_so_within_the_bound)
{
    /* .invalid never resolves (RFC 6761); however the resolver answers, no
       more than the bound passes */
    db_lookup_t *lookup = db_lookup_new("postgresql://p2p@db.p2p-test.invalid:5432/db");
    cr_assert_not_null(lookup);
    const char *host = NULL, *hostaddr = NULL;
    char why[200] = "";
    int64_t started = clock_mono_ms();
    cr_assert_eq(db_lookup_resolve(lookup, "2", &host, &hostaddr, why, sizeof why), -1);
    cr_expect_lt(clock_mono_ms() - started, 2000 + 500);
    cr_expect(strstr(why, "db.p2p-test.invalid") != NULL, "the reason names the host: %s", why);
    cr_expect_null(host, "nothing handed out");
    db_lookup_destroy(&lookup);
}

Test(db_lookup, db_connects_through_the_looked_up_addresses)
{
    const char *url = getenv("DATABASE_URL");
    cr_assert(url && *url, "DATABASE_URL is not set (scripts/test exports it for ctest)");
    const char *at = strstr(url, "@127.0.0.1:");
    cr_assert_not_null(at, "DATABASE_URL names 127.0.0.1 (scripts/test's cluster): %s", url);
    char by_name[512];
    snprintf(by_name, sizeof by_name, "%.*s@localhost:%s", (int) (at - url), url, at + strlen("@127.0.0.1:"));
    db_t *db = db_new(by_name, NULL, 0);
    cr_assert_not_null(db);
    err_t err;
    cr_expect_eq(db_connect(db, &err), 0, "%s: %s", by_name, err.msg);
    db_destroy(&db);
}
