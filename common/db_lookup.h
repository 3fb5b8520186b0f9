/*  db_lookup.h - the database host's name lookup, bounded in time.

    libpq resolves a host name with a blocking getaddrinfo() that
    connect_timeout does not cover. When the resolver stops answering (a
    container's DNS while the database container goes away, a dead upstream
    server) that call blocks for 10 s or more, and a worker blocked in it
    neither heartbeats, answers 503, nor stops on SIGTERM. So db.c looks the
    name up itself, asynchronously (glibc's getaddrinfo_a), waits at most the
    connect timeout, and hands libpq the numeric addresses (hostaddr), which
    it connects to without a lookup.

    A lookup that outlasts its wait is not abandoned: later connection
    attempts take its answer once it comes, and until then fail at once, so
    a hung resolver neither piles up lookups nor holds every attempt (and
    the request behind it) for the whole bound. Connection strings that need no lookup (a numeric address, a
    Unix socket directory, hostaddr given, or several hosts, which libpq
    resolves itself) get no db_lookup_t at all. */
#ifndef P2P_DB_LOOKUP_H
#define P2P_DB_LOOKUP_H

#include <stddef.h>

typedef struct db_lookup db_lookup_t;

/*  A lookup for the host conninfo names (the PGHOST environment variable
    when it names none), or NULL when libpq needs no name lookup for it (or
    out of memory: libpq then resolves the name itself). Caller destroys. */
db_lookup_t *db_lookup_new(const char *conninfo);

/*  Free the lookup; NULL-safe, NULLs *self_p. A lookup glibc is still
    running cannot be freed: it is cancelled, or kept reachable until the
    process exits (it is exiting, or about to make a new handle). */
void db_lookup_destroy(db_lookup_t **self_p);

/*  Resolve the host, waiting at most libpq's connect timeout: the
    connection string's connect_timeout, else default_timeout (seconds as
    text; at least 2, as libpq rounds; 0 or less: no bound). A stop request
    ends the wait too. On success *host and *hostaddr are libpq
    "host" and "hostaddr" values of one entry per address (the name
    repeated, so TLS still checks the name), owned by self until the next
    call; returns 0. Else -1 with a one-line reason in why. */
int db_lookup_resolve(db_lookup_t *self, const char *default_timeout, const char **host,
                      const char **hostaddr, char *why, size_t why_size);

/*  The host name being looked up (for log lines). */
const char *db_lookup_name(const db_lookup_t *self);

#endif
