/*  db.c - one PostgreSQL connection for a worker (see db.h).

    The connection is a small state machine (DISCONNECTED, CONNECTED, FAILED)
    changed only in s_set_state, which logs each change once: a database that
    stays down does not flood the log. Connecting is lazy, bounded by
    connect_timeout, and attempted at most every DB_RETRY_MS, so a worker whose
    database is gone answers 503 at once instead of hanging.

    A statement is never sent twice: when db_exec fails we report it and let
    the caller decide. Before sending, we check that an idle connection has not
    been closed by the server (restart, idle timeout), so a request after a
    database restart reconnects first instead of failing.

    A database whose encoding is not UTF-8 is refused (REFUSED): our text is
    UTF-8, and such a database counts characters as bytes (a valid 500-
    character message fails a CHECK) or stores bytes it cannot compare. A
    constraint violation becomes a 400 naming the field (db_constraints.h). */
#include "db.h"

#include <assert.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "clock.h"
#include "db_constraints.h"
#include "db_lookup.h"
#include "log.h"

/*  At most two connection attempts per second. */
#define DB_RETRY_MS 500

/*  Seconds libpq waits for a connection (PGCONNECT_TIMEOUT overrides). */
#define DB_CONNECT_TIMEOUT "2"

/*  A request to a dead peer fails after this long instead of hanging
    (TCP only; libpq ignores it on Unix sockets). */
#define DB_TCP_USER_TIMEOUT_MS "5000"

/*  Workers run short statements, many at once: a parallel plan would start
    background processes for each (milliseconds, on cores the other requests
    need). An "options" in DATABASE_URL replaces this. */
#define DB_SESSION_OPTIONS "-c max_parallel_workers_per_gather=0"

/*  The only server encoding we accept (PostgreSQL's name for UTF-8). */
#define DB_ENCODING "UTF8"

typedef enum { DB_DISCONNECTED, DB_CONNECTED, DB_FAILED, DB_REFUSED } db_state_t;

static const char *s_state_names[] = {"disconnected", "connected", "failed", "refused"};

struct db {
    char *conninfo;
    db_lookup_t *lookup; /* the host's bounded name lookup; NULL when libpq needs none */
    const db_statement_t *statements;
    size_t count;
    PGconn *conn;
    db_state_t state;
    int64_t next_attempt_ms; /* monotonic; no connection attempt before it */
    int in_transaction;      /* the server reported an open transaction */
    int broken_transaction;  /* the link died inside a transaction: refuse until ROLLBACK */
    int fatal_notice;        /* the server sent FATAL while we were idle: it is closing */
    char sqlstate[6];
    char constraint[64]; /* NAMEDATALEN */
    char refusal[200];   /* why the database was refused; "" when it was not */
    db_constraints_t *constraints;
    db_stats_t stats;
};

/*  The one place the connection state changes; logs only real changes. */
static void
s_set_state(db_t *self, db_state_t state, const char *reason)
{
    if (self->state == state)
        return;
    json_t *fields = json_pack("{s:s,s:s}", "from", s_state_names[self->state], "to", s_state_names[state]);
    if (reason && *reason)
        json_object_set_new(fields, "reason", json_string(reason));
    if (self->conn && PQhost(self->conn))
        json_object_set_new(fields, "host", json_string(PQhost(self->conn)));
    if (state == DB_CONNECTED)
        log_info("db.state", NULL, fields);
    else if (state == DB_REFUSED)
        log_error("db.state", NULL, fields);
    else
        log_warn("db.state", NULL, fields);
    self->state = state;
}

/*  libpq's notices (and the FATAL a server sends before it closes an idle
    connection) go through our logger instead of raw stderr. */
static void
s_notice(void *arg, const char *message)
{
    db_t *self = arg;
    if (strncmp(message, "FATAL", 5) == 0 || strncmp(message, "PANIC", 5) == 0)
        self->fatal_notice = 1;
    char text[512];
    snprintf(text, sizeof text, "%s", message);
    size_t n = strlen(text);
    while (n > 0 && (text[n - 1] == '\n' || text[n - 1] == ' '))
        text[--n] = '\0';
    log_info("db.notice", NULL, json_pack("{s:s}", "message", text));
}

/*  Drop the connection. reason: why, for the state log line. */
static void
s_drop(db_t *self, db_state_t state, const char *reason)
{
    if (self->in_transaction)
        self->broken_transaction = 1;
    self->in_transaction = 0;
    s_set_state(self, state, reason);
    if (self->conn) {
        PQfinish(self->conn);
        self->conn = NULL;
    }
    self->fatal_notice = 0;
}

/*  Copy the first line of libpq's error text (no DETAIL: it can hold user data). */
static void
s_first_line(char *buf, size_t size, const char *text)
{
    snprintf(buf, size, "%s", text ? text : "");
    buf[strcspn(buf, "\n")] = '\0';
}

db_t *
db_new(const char *conninfo, const db_statement_t *statements, size_t count)
{
    db_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->conninfo = strdup(conninfo ? conninfo : "");
    if (!self->conninfo) {
        free(self);
        return NULL;
    }
    self->constraints = db_constraints_new();
    if (!self->constraints) {
        free(self->conninfo);
        free(self);
        return NULL;
    }
    self->lookup = db_lookup_new(self->conninfo);
    self->statements = statements;
    self->count = count;
    self->state = DB_DISCONNECTED;
    return self;
}

void
db_destroy(db_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    db_t *self = *self_p;
    if (self->conn)
        PQfinish(self->conn);
    db_constraints_destroy(&self->constraints);
    db_lookup_destroy(&self->lookup);
    free(self->conninfo);
    free(self);
    *self_p = NULL;
}

/*  Prepare every statement on the fresh connection. A statement that does not
    prepare (schema not migrated yet, or a bug) makes the connection unusable:
    we report the database as unavailable rather than fail later per request. */
static int
s_prepare_all(db_t *self, char *why, size_t why_size)
{
    for (size_t i = 0; i < self->count; i++) {
        const db_statement_t *st = &self->statements[i];
        PGresult *res = PQprepare(self->conn, st->name, st->sql, 0, NULL);
        int ok = PQresultStatus(res) == PGRES_COMMAND_OK;
        if (!ok) {
            char line[200];
            s_first_line(line, sizeof line, PQresultErrorMessage(res));
            snprintf(why, why_size, "prepare %s: %s", st->name, line);
            log_error("db.prepare_failed", NULL,
                      json_pack("{s:s,s:s}", "statement", st->name, "error", line));
        }
        PQclear(res);
        if (!ok)
            return -1;
    }
    return 0;
}

/*  Which columns each constraint covers, for db_constraints_error. Without
    it a violation's message names the constraint instead of the field, so a
    failure here is logged, not fatal. */
static void
s_load_constraints(db_t *self)
{
    db_constraints_clear(self->constraints);
    PGresult *res = PQexecParams(self->conn, DB_CONSTRAINT_CATALOG_SQL, 0, NULL, NULL, NULL, NULL, 0);
    int ok = PQresultStatus(res) == PGRES_TUPLES_OK;
    for (int row = 0; ok && row < PQntuples(res); row++)
        if (!PQgetisnull(res, row, 2))
            ok = db_constraints_add(self->constraints, PQgetvalue(res, row, 0), PQgetvalue(res, row, 1),
                                    PQgetvalue(res, row, 2))
                 == 0;
    if (!ok) {
        char line[200];
        s_first_line(line, sizeof line,
                     PQresultStatus(res) == PGRES_TUPLES_OK ? "out of memory" : PQresultErrorMessage(res));
        log_warn("db.constraints_unknown", NULL, json_pack("{s:s}", "error", line));
    }
    PQclear(res);
}

/*  Refuse a database whose encoding is not UTF-8 (the server reports it at
    start-up, no query needed). Returns 0, or -1 with the reason in why. */
static int
s_check_encoding(db_t *self, char *why, size_t why_size)
{
    const char *encoding = PQparameterStatus(self->conn, "server_encoding");
    if (encoding && strcmp(encoding, DB_ENCODING) == 0)
        return 0;
    snprintf(why, why_size,
             "database encoding is %s, not UTF8: create the database with ENCODING 'UTF8' (initdb -E UTF8)",
             encoding ? encoding : "unknown");
    return -1;
}

int
db_connect(db_t *self, err_t *err)
{
    if (self->conn && PQstatus(self->conn) == CONNECTION_OK)
        return 0;
    if (self->conn)
        s_drop(self, DB_FAILED, "connection lost");

    /* The back-off starts at a failed attempt, so a connection the server
       closed is replaced at once, and a database that is down is tried at
       most every DB_RETRY_MS. */
    int64_t now = clock_mono_ms();
    if (now < self->next_attempt_ms)
        return err_set(err, ERR_DB_UNAVAILABLE, "database unavailable");
    self->next_attempt_ms = 0;

    /* Our defaults come before dbname so that a value in DATABASE_URL wins
       (libpq keeps the last value of a repeated keyword). */
    const char *timeout = getenv("PGCONNECT_TIMEOUT");
    if (!timeout || !*timeout)
        timeout = DB_CONNECT_TIMEOUT;
    const char *keys[10] = {"connect_timeout", "tcp_user_timeout", "fallback_application_name", "options",
                            "dbname",
                            /* after dbname: our text is UTF-8 whatever the URL or PGCLIENTENCODING say */
                            "client_encoding"};
    const char *values[10] = {
        timeout, DB_TCP_USER_TIMEOUT_MS, "p2p-worker", DB_SESSION_OPTIONS, self->conninfo, DB_ENCODING};
    size_t n = 6;
    /* the name looked up within the connect timeout, libpq given the
       addresses (db_lookup.h): its own lookup has no bound */
    if (self->lookup) {
        const char *host, *hostaddr;
        char why[200];
        if (db_lookup_resolve(self->lookup, timeout, &host, &hostaddr, why, sizeof why) != 0) {
            s_drop(self, DB_FAILED, why);
            self->next_attempt_ms = clock_mono_ms() + DB_RETRY_MS;
            return err_set(err, ERR_DB_UNAVAILABLE, "database unavailable");
        }
        keys[n] = "host";
        values[n++] = host;
        keys[n] = "hostaddr";
        values[n++] = hostaddr;
    }
    self->conn = PQconnectdbParams(keys, values, 1);
    if (!self->conn || PQstatus(self->conn) != CONNECTION_OK) {
        char why[200];
        s_first_line(why, sizeof why, self->conn ? PQerrorMessage(self->conn) : "out of memory");
        s_drop(self, DB_FAILED, why);
        self->next_attempt_ms = clock_mono_ms() + DB_RETRY_MS;
        return err_set(err, ERR_DB_UNAVAILABLE, "database unavailable");
    }
    PQsetNoticeProcessor(self->conn, s_notice, self);

    char why[300] = "";
    if (s_check_encoding(self, self->refusal, sizeof self->refusal) != 0) {
        s_drop(self, DB_REFUSED, self->refusal);
        self->next_attempt_ms = clock_mono_ms() + DB_RETRY_MS;
        return err_set(err, ERR_DB_UNAVAILABLE, "database unavailable");
    }
    self->refusal[0] = '\0';
    if (s_prepare_all(self, why, sizeof why) != 0) {
        s_drop(self, DB_FAILED, why);
        self->next_attempt_ms = clock_mono_ms() + DB_RETRY_MS;
        return err_set(err, ERR_DB_UNAVAILABLE, "database unavailable");
    }
    s_load_constraints(self);
    self->stats.connects++;
    s_set_state(self, DB_CONNECTED, NULL);
    return 0;
}

/*  True when an idle connection is still usable. The server may have closed
    it while we were idle (restart, pg_terminate_backend, idle timeout): it
    sends a FATAL, then EOF. Reading what is waiting tells us before we send
    anything on a dead link. A few rounds, because the EOF can arrive just
    after the FATAL. */
static int
s_idle_connection_alive(db_t *self)
{
    for (int round = 0; round < 4; round++) {
        if (PQstatus(self->conn) != CONNECTION_OK || self->fatal_notice)
            return 0;
        struct pollfd pfd = {.fd = PQsocket(self->conn), .events = POLLIN};
        if (pfd.fd < 0)
            return 0;
        if (poll(&pfd, 1, 0) <= 0)
            return 1;
        if (!PQconsumeInput(self->conn))
            return 0;
        PGnotify *note;
        while ((note = PQnotifies(self->conn)))
            PQfreemem(note);
    }
    return PQstatus(self->conn) == CONNECTION_OK && !self->fatal_notice;
}

/*  SQLSTATE classes where the request was not applied because the database
    could not serve it (connection, shutdown, resources, conflicts, timeouts). */
static int
s_sqlstate_unavailable(const char *state)
{
    return strncmp(state, "08", 2) == 0     /* connection exception */
           || strncmp(state, "53", 2) == 0  /* insufficient resources */
           || strncmp(state, "57P", 3) == 0 /* shutdown, cannot connect now */
           || strcmp(state, "57014") == 0   /* statement timeout / cancel */
           || strncmp(state, "40", 2) == 0; /* serialization failure, deadlock */
}

/*  Turn a finished result into db_exec's answer. */
static PGresult *
s_check_result(db_t *self, PGresult *res, const char *what, err_t *err)
{
    ExecStatusType status = res ? PQresultStatus(res) : PGRES_FATAL_ERROR;
    if (status == PGRES_TUPLES_OK || status == PGRES_COMMAND_OK) {
        self->in_transaction = PQtransactionStatus(self->conn) != PQTRANS_IDLE;
        return res;
    }
    const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
    const char *constraint = res ? PQresultErrorField(res, PG_DIAG_CONSTRAINT_NAME) : NULL;
    snprintf(self->sqlstate, sizeof self->sqlstate, "%s", state ? state : "");
    snprintf(self->constraint, sizeof self->constraint, "%s", constraint ? constraint : "");
    /* A violation is the client's bad input (400 naming the field), decided
       now: the result holds the table and column, and is cleared below. */
    err_t violation;
    int violated = db_constraints_error(
        self->constraints, self->sqlstate, res ? PQresultErrorField(res, PG_DIAG_TABLE_NAME) : NULL,
        self->constraint, res ? PQresultErrorField(res, PG_DIAG_COLUMN_NAME) : NULL, &violation);

    const char *primary = res ? PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
    char line[200];
    s_first_line(line, sizeof line, primary ? primary : PQerrorMessage(self->conn));
    int lost = PQstatus(self->conn) != CONNECTION_OK;
    int unavailable = lost || !state || s_sqlstate_unavailable(self->sqlstate);
    PQclear(res);

    /* A unique violation is often an expected answer (username taken, a
       409 the caller maps): not an error here. Other violations mean the
       validation let something through: worth a warning. */
    json_t *fields = json_pack("{s:s,s:s,s:s}", "statement", what, "sqlstate", self->sqlstate, "error", line);
    if (*self->constraint)
        json_object_set_new(fields, "constraint", json_string(self->constraint));
    if (strcmp(self->sqlstate, "23505") == 0)
        log_debug("db.exec_failed", NULL, fields);
    else
        log_warn("db.exec_failed", NULL, fields);

    if (lost)
        s_drop(self, DB_FAILED, line);
    else
        self->in_transaction = PQtransactionStatus(self->conn) != PQTRANS_IDLE;
    if (unavailable)
        return err_set(err, ERR_DB_UNAVAILABLE, "database unavailable"), NULL;
    if (violated) {
        if (err)
            *err = violation;
        return NULL;
    }
    return err_set(err, ERR_INTERNAL, "database error"), NULL;
}

static const db_statement_t *
s_find(const db_t *self, const char *name)
{
    for (size_t i = 0; i < self->count; i++)
        if (strcmp(self->statements[i].name, name) == 0)
            return &self->statements[i];
    return NULL;
}

/*  Make sure there is a live connection to send on. */
static int
s_ready(db_t *self, err_t *err)
{
    self->sqlstate[0] = '\0';
    self->constraint[0] = '\0';
    if (self->conn && !s_idle_connection_alive(self))
        s_drop(self, DB_FAILED, "server closed the connection");
    if (self->broken_transaction)
        return err_set(err, ERR_DB_UNAVAILABLE, "database unavailable");
    return db_connect(self, err);
}

static bool
s_plans_each_call(const db_statement_t *st)
{
    return strncmp(st->sql, DB_PLAN_EACH_CALL, sizeof DB_PLAN_EACH_CALL - 1) == 0;
}

/*  db_exec and db_exec_binary: lengths NULL sends every parameter as text. */
static PGresult *
s_exec(db_t *self, const char *name, const char *const *params, const int *lengths, int nparams, err_t *err)
{
    const db_statement_t *st = s_find(self, name);
    assert(st && "db_exec: statement not in the table given to db_new");
    assert(st->nparams == nparams && "db_exec: wrong parameter count");
    if (!st)
        return err_set(err, ERR_INTERNAL, "unknown statement"), NULL;
    if (s_ready(self, err) != 0)
        return NULL;
    int formats[nparams > 0 ? nparams : 1];
    for (int i = 0; lengths && i < nparams; i++)
        formats[i] = lengths[i] >= 0 ? 1 : 0;
    int64_t started = clock_mono_us();
    const int *fmts = lengths ? formats : NULL;
    /* PQexecParams: an unnamed statement, planned with these values */
    PGresult *res = s_plans_each_call(st)
                        ? PQexecParams(self->conn, st->sql, nparams, NULL, params, lengths, fmts, 0)
                        : PQexecPrepared(self->conn, name, nparams, params, lengths, fmts, 0);
    res = s_check_result(self, res, name, err);
    self->stats.queries++;
    self->stats.usec += (uint64_t) (clock_mono_us() - started);
    if (!res)
        self->stats.failures++;
    return res;
}

PGresult *
db_exec(db_t *self, const char *name, const char *const *params, int nparams, err_t *err)
{
    return s_exec(self, name, params, NULL, nparams, err);
}

PGresult *
db_exec_binary(db_t *self, const char *name, const char *const *params, const int *lengths, int nparams,
               err_t *err)
{
    return s_exec(self, name, params, lengths, nparams, err);
}

int
db_exec_int64(db_t *self, const char *name, const char *const *params, int nparams, int64_t *value,
              err_t *err)
{
    PGresult *res = db_exec(self, name, params, nparams, err);
    if (!res)
        return -1;
    bool ok = PQntuples(res) == 1 && PQnfields(res) == 1 && !PQgetisnull(res, 0, 0);
    if (ok)
        *value = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
    PQclear(res);
    return ok ? 0 : err_set(err, ERR_INTERNAL, "internal error");
}

void
db_stats(const db_t *self, db_stats_t *stats)
{
    *stats = self->stats;
}

int
db_command(db_t *self, const char *sql, err_t *err)
{
    bool rollback = strcasecmp(sql, "ROLLBACK") == 0;
    bool begin = strncasecmp(sql, "BEGIN", 5) == 0;
    /* After a link died inside a transaction, only ending it makes sense:
       ROLLBACK succeeds (the server already discarded it), anything else fails. */
    if (self->broken_transaction) {
        if (rollback) {
            self->broken_transaction = 0;
            return 0;
        }
        if (!begin)
            return err_set(err, ERR_DB_UNAVAILABLE, "database unavailable");
        self->broken_transaction = 0;
    }
    /* Nothing to roll back without a transaction (a failed COMMIT already
       ended it; a lost connection took it along): no round trip, no
       "no transaction in progress" warning. */
    if (rollback
        && (!self->conn || PQstatus(self->conn) != CONNECTION_OK
            || PQtransactionStatus(self->conn) == PQTRANS_IDLE)) {
        self->in_transaction = 0;
        return 0;
    }
    if (s_ready(self, err) != 0)
        return -1;
    PGresult *res = PQexec(self->conn, sql);
    res = s_check_result(self, res, sql, err);
    if (!res)
        return -1;
    /* COMMIT of a transaction in which a statement failed is not an error to
       libpq: the server answers "ROLLBACK". Nothing was committed. */
    bool rolled_back = strcasecmp(sql, "COMMIT") == 0 && strcmp(PQcmdStatus(res), "ROLLBACK") == 0;
    PQclear(res);
    if (rolled_back) {
        log_warn("db.commit_rolled_back", NULL, NULL);
        return err_set(err, ERR_INTERNAL, "database error");
    }
    return 0;
}

const char *
db_last_sqlstate(const db_t *self)
{
    return self->sqlstate;
}

const char *
db_last_constraint(const db_t *self)
{
    return self->constraint;
}

const char *
db_refusal(const db_t *self)
{
    return self->state == DB_REFUSED ? self->refusal : NULL;
}

int
db_is_connected(const db_t *self)
{
    return self->conn && PQstatus(self->conn) == CONNECTION_OK;
}
