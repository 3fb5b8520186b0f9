/*  migrate.c - p2p-migrate, the schema migration runner.

    Applies migrations/NNN_name.sql files in version order to DATABASE_URL and
    records each one in schema_migrations, in the same transaction as the file's
    own statements, so a file is either fully applied and recorded or not at all.
    A session-level advisory lock serialises concurrent runners (several workers
    may start at once). The runner refuses to touch a database that already holds
    versions this directory does not know: that database belongs to newer code.

    It waits for the database: a server that does not answer yet (starting, or
    not reachable yet) is tried again with growing pauses for a bounded time,
    since a Kubernetes Job or a compose file without health gating may start it
    first. A server that answers and refuses (bad password, no such database)
    fails at once: waiting would not fix it. So does a database whose encoding
    is not UTF-8: the services' text is UTF-8, and such a database would count
    bytes as characters in the schema's CHECKs.

    Usage: p2p-migrate [--dir DIR] [--wait SECONDS] | --help | --version
      DIR defaults to $P2P_MIGRATIONS_DIR, else "migrations" (relative to cwd).
      SECONDS (how long to wait for the database; 0 = one attempt) defaults to
      $P2P_MIGRATE_WAIT_S, else 60.
      DATABASE_URL defaults to postgresql://p2p:p2p@127.0.0.1:5432/pxyz_fx_p2p.
    Exit: 0 success (including nothing to do), 1 failure, 2 usage error.
    Logs one JSON object per line on stderr.
*/

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

#include <libpq-fe.h>

#define MIGRATE_DEFAULT_URL "postgresql://p2p:p2p@127.0.0.1:5432/pxyz_fx_p2p"
#define MIGRATE_DEFAULT_DIR "migrations"
#define MIGRATE_DEFAULT_WAIT_S 60
//  A day: anything longer is a typo, not a plan.
#define MIGRATE_MAX_WAIT_S 86400
//  Pauses between attempts to reach the database: doubling from the first to the last.
#define MIGRATE_RETRY_FIRST_MS 250
#define MIGRATE_RETRY_MAX_MS 4000
//  libpq's own bound on one attempt (its minimum is 2 s).
#define MIGRATE_CONNECT_TIMEOUT_S 5
//  PostgreSQL's name for the only encoding we accept.
#define MIGRATE_ENCODING "UTF8"
//  Arbitrary but fixed: every p2p-migrate takes the same lock ("p2pmigrt" in ASCII).
#define MIGRATE_LOCK_KEY "8084979289137198708"
//  A migration file larger than this is almost certainly a mistake (a data dump).
#define MIGRATE_MAX_FILE_BYTES (16 * 1024 * 1024)

//  One migration file found in the directory.
typedef struct {
    char *version;  //  leading digits, e.g. "001"
    char *name;     //  the part between '_' and ".sql", e.g. "init_schema"
    char *filename; //  e.g. "001_init_schema.sql"
} migrate_file_t;

//  One extra field of a log line; raw values are written unquoted (numbers).
typedef struct {
    const char *key;
    const char *value;
    bool raw;
} migrate_field_t;

enum { MIGRATE_LOG_DEBUG, MIGRATE_LOG_INFO, MIGRATE_LOG_WARN, MIGRATE_LOG_ERROR };
static const char *s_level_names[] = {"debug", "info", "warn", "error"};
static int s_min_level = MIGRATE_LOG_INFO;

//  --------------------------------------------------------------------------
//  Logging: one JSON object per line, the same shape as the services' logs.

static void
s_json_string(FILE *out, const char *text)
{
    fputc('"', out);
    for (const unsigned char *p = (const unsigned char *) text; *p; p++) {
        switch (*p) {
        case '"':
            fputs("\\\"", out);
            break;
        case '\\':
            fputs("\\\\", out);
            break;
        case '\n':
            fputs("\\n", out);
            break;
        case '\r':
            fputs("\\r", out);
            break;
        case '\t':
            fputs("\\t", out);
            break;
        default:
            if (*p < 0x20)
                fprintf(out, "\\u%04x", *p);
            else
                fputc(*p, out);
        }
    }
    fputc('"', out);
}

static void
s_log(int level, const char *event, const migrate_field_t *fields, size_t nfields)
{
    if (level < s_min_level)
        return;
    struct timespec now;
    clock_gettime(CLOCK_REALTIME, &now);
    struct tm tm;
    gmtime_r(&now.tv_sec, &tm);
    char ts[64];
    size_t len = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + len, sizeof ts - len, ".%03ldZ", now.tv_nsec / 1000000L);

    //  Build the line in memory and write it once, so lines never interleave.
    char *line = NULL;
    size_t line_size = 0;
    FILE *out = open_memstream(&line, &line_size);
    if (!out)
        return;
    fprintf(out, "{\"ts\":\"%s\",\"level\":\"%s\",\"service\":\"migrate\",\"event\":", ts,
            s_level_names[level]);
    s_json_string(out, event);
    for (size_t i = 0; i < nfields; i++) {
        if (!fields[i].value)
            continue;
        fputc(',', out);
        s_json_string(out, fields[i].key);
        fputc(':', out);
        if (fields[i].raw)
            fputs(fields[i].value, out);
        else
            s_json_string(out, fields[i].value);
    }
    fputs("}\n", out);
    fclose(out);
    fputs(line, stderr);
    fflush(stderr);
    free(line);
}

//  Logs a message at level, trimming libpq's trailing newline.
static void
s_log_message(int level, const char *event, const char *version, const char *message)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%s", message ? message : "");
    size_t len = strlen(buf);
    while (len > 0 && (buf[len - 1] == '\n' || buf[len - 1] == ' '))
        buf[--len] = '\0';
    migrate_field_t fields[] = {{"version", version, false}, {"error", buf, false}};
    s_log(level, event, fields, 2);
}

static void
s_log_error(const char *event, const char *version, const char *message)
{
    s_log_message(MIGRATE_LOG_ERROR, event, version, message);
}

static void
s_set_log_level(void)
{
    const char *level = getenv("LOG_LEVEL");
    if (!level)
        return;
    for (int i = MIGRATE_LOG_DEBUG; i <= MIGRATE_LOG_ERROR; i++)
        if (strcasecmp(level, s_level_names[i]) == 0)
            s_min_level = i;
}

//  Server NOTICEs (e.g. "extension already exists") become warn lines instead
//  of libpq's bare text on stderr.
static void
s_notice_processor(void *arg, const char *message)
{
    (void) arg;
    s_log_message(MIGRATE_LOG_WARN, "migration.notice", NULL, message);
}

//  --------------------------------------------------------------------------
//  Migration files

static void
s_file_destroy(migrate_file_t *file)
{
    free(file->version);
    free(file->name);
    free(file->filename);
}

static void
s_files_destroy(migrate_file_t **files_p, size_t count)
{
    if (!*files_p)
        return;
    for (size_t i = 0; i < count; i++)
        s_file_destroy(&(*files_p)[i]);
    free(*files_p);
    *files_p = NULL;
}

//  Parses "NNN_name.sql" (at least three digits, a non-empty name of
//  [A-Za-z0-9_-]). Returns true and fills file (caller frees) if it matches.
static bool
s_parse_filename(const char *filename, migrate_file_t *file)
{
    size_t len = strlen(filename);
    if (len < 5 || strcmp(filename + len - 4, ".sql") != 0)
        return false;
    size_t digits = 0;
    while (isdigit((unsigned char) filename[digits]))
        digits++;
    if (digits < 3 || filename[digits] != '_')
        return false;
    size_t name_start = digits + 1;
    size_t name_end = len - 4;
    if (name_end <= name_start)
        return false;
    for (size_t i = name_start; i < name_end; i++) {
        char c = filename[i];
        if (!(isalnum((unsigned char) c) || c == '_' || c == '-'))
            return false;
    }
    file->version = strndup(filename, digits);
    file->name = strndup(filename + name_start, name_end - name_start);
    file->filename = strdup(filename);
    if (!file->version || !file->name || !file->filename) {
        s_file_destroy(file);
        return false;
    }
    return true;
}

//  Numeric version order, so 1000_x sorts after 999_y; ties cannot happen
//  because duplicates are refused.
static int
s_file_compare(const void *a, const void *b)
{
    const migrate_file_t *fa = a, *fb = b;
    size_t la = strlen(fa->version), lb = strlen(fb->version);
    //  Compare by numeric value without overflow: strip leading zeros first.
    const char *va = fa->version, *vb = fb->version;
    while (*va == '0' && la > 1) {
        va++;
        la--;
    }
    while (*vb == '0' && lb > 1) {
        vb++;
        lb--;
    }
    if (la != lb)
        return la < lb ? -1 : 1;
    int rc = strcmp(va, vb);
    return rc ? rc : strcmp(fa->filename, fb->filename);
}

//  Lists the migration files of dir, sorted. Returns 0 and an owned array in
//  *files_p (free with s_files_destroy), or -1 after logging why.
static int
s_list_files(const char *dir, migrate_file_t **files_p, size_t *count_p)
{
    int rc = -1;
    migrate_file_t *files = NULL;
    size_t count = 0, capacity = 0;
    DIR *handle = opendir(dir);
    if (!handle) {
        char msg[512];
        snprintf(msg, sizeof msg, "cannot open migrations directory %s: %s", dir, strerror(errno));
        s_log_error("migrate.failed", NULL, msg);
        return -1;
    }
    struct dirent *entry;
    while ((entry = readdir(handle))) {
        migrate_file_t file;
        if (!s_parse_filename(entry->d_name, &file)) {
            size_t len = strlen(entry->d_name);
            //  A stray .sql file is probably a misnamed migration: say so.
            if (len > 4 && strcmp(entry->d_name + len - 4, ".sql") == 0) {
                migrate_field_t fields[] = {{"file", entry->d_name, false},
                                            {"reason", "name is not NNN_name.sql", false}};
                s_log(MIGRATE_LOG_WARN, "migration.ignored", fields, 2);
            }
            continue;
        }
        if (count == capacity) {
            capacity = capacity ? capacity * 2 : 16;
            migrate_file_t *grown = realloc(files, capacity * sizeof *files);
            if (!grown) {
                s_file_destroy(&file);
                s_log_error("migrate.failed", NULL, "out of memory");
                goto cleanup;
            }
            files = grown;
        }
        files[count++] = file;
    }
    qsort(files, count, sizeof *files, s_file_compare);
    for (size_t i = 1; i < count; i++) {
        if (strcmp(files[i - 1].version, files[i].version) == 0) {
            char msg[1024];
            snprintf(msg, sizeof msg, "duplicate migration version: %s and %s", files[i - 1].filename,
                     files[i].filename);
            s_log_error("migrate.failed", files[i].version, msg);
            goto cleanup;
        }
    }
    *files_p = files;
    *count_p = count;
    files = NULL;
    rc = 0;
cleanup:
    s_files_destroy(&files, count);
    closedir(handle);
    return rc;
}

//  Reads a whole file into an owned NUL-terminated string, or NULL after logging.
static char *
s_read_file(const char *dir, const migrate_file_t *file)
{
    char *path = NULL;
    char *text = NULL;
    FILE *in = NULL;
    char msg[1024];
    if (asprintf(&path, "%s/%s", dir, file->filename) < 0) {
        path = NULL;
        s_log_error("migration.failed", file->version, "out of memory");
        goto cleanup;
    }
    in = fopen(path, "rb");
    struct stat st;
    if (!in || fstat(fileno(in), &st) != 0) {
        snprintf(msg, sizeof msg, "cannot read %s: %s", path, strerror(errno));
        s_log_error("migration.failed", file->version, msg);
        goto cleanup;
    }
    if (st.st_size > MIGRATE_MAX_FILE_BYTES) {
        snprintf(msg, sizeof msg, "%s is larger than %d bytes", path, MIGRATE_MAX_FILE_BYTES);
        s_log_error("migration.failed", file->version, msg);
        goto cleanup;
    }
    size_t size = (size_t) st.st_size;
    text = malloc(size + 1);
    if (!text || fread(text, 1, size, in) != size) {
        snprintf(msg, sizeof msg, "cannot read %s", path);
        s_log_error("migration.failed", file->version, msg);
        free(text);
        text = NULL;
        goto cleanup;
    }
    text[size] = '\0';
    //  PQexec stops at a NUL byte: the rest of the file would silently not run.
    if (strlen(text) != size) {
        snprintf(msg, sizeof msg, "%s contains a NUL byte", path);
        s_log_error("migration.failed", file->version, msg);
        free(text);
        text = NULL;
    }
cleanup:
    if (in)
        fclose(in);
    free(path);
    return text;
}

//  --------------------------------------------------------------------------
//  Reaching the database

static int64_t
s_now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

//  Parses a whole number of seconds in 0..MIGRATE_MAX_WAIT_S. Returns 0 or -1.
static int
s_parse_wait(const char *text, int *seconds)
{
    char *end;
    errno = 0;
    long value = text && *text ? strtol(text, &end, 10) : -1;
    if (value < 0 || value > MIGRATE_MAX_WAIT_S || errno || *end)
        return -1;
    *seconds = (int) value;
    return 0;
}

//  Connects to url, trying again while the server does not answer (or answers
//  "starting up") until wait_s seconds have passed. Returns the connection
//  (caller PQfinish()es), or NULL after logging why.
static PGconn *
s_connect(const char *url, int wait_s)
{
    char timeout[16];
    snprintf(timeout, sizeof timeout, "%d", MIGRATE_CONNECT_TIMEOUT_S);
    //  expand_dbname=1 parses the URL; the URL may still override these defaults.
    const char *keys[] = {"connect_timeout", "fallback_application_name", "dbname", NULL};
    const char *values[] = {timeout, "p2p-migrate", url, NULL};
    int64_t give_up = s_now_ms() + (int64_t) wait_s * 1000;
    int pause_ms = MIGRATE_RETRY_FIRST_MS;
    for (int attempt = 1;; attempt++) {
        PGconn *conn = PQconnectdbParams(keys, values, 1);
        if (conn && PQstatus(conn) == CONNECTION_OK)
            return conn;
        //  The message names host and port but never the password.
        char error[512];
        snprintf(error, sizeof error, "%s", conn ? PQerrorMessage(conn) : "out of memory");
        error[strcspn(error, "\n")] = '\0';
        PQfinish(conn);
        //  PQping tells "nobody answers / starting up" (worth waiting for) from
        //  a server that answered and refused us, or a URL that cannot work.
        PGPing ping = PQpingParams(keys, values, 1);
        bool transient = ping == PQPING_NO_RESPONSE || ping == PQPING_REJECT;
        int64_t left_ms = give_up - s_now_ms();
        if (!transient || left_ms <= 0) {
            char attempts[16], waited[16];
            snprintf(attempts, sizeof attempts, "%d", attempt);
            snprintf(waited, sizeof waited, "%d", wait_s);
            migrate_field_t fields[] = {
                {"error", error, false},
                {"attempts", attempts, true},
                {"wait_s", waited, true},
                {"reason",
                 transient ? "the database did not answer within the wait (P2P_MIGRATE_WAIT_S, --wait)"
                           : "the database answered and refused the connection",
                 false}};
            s_log(MIGRATE_LOG_ERROR, "migrate.connect_failed", fields, 4);
            return NULL;
        }
        //  The last pause ends at the deadline, for one last attempt there.
        int sleep_ms = pause_ms < left_ms ? pause_ms : (int) left_ms;
        char attempts[16], retry[16];
        snprintf(attempts, sizeof attempts, "%d", attempt);
        snprintf(retry, sizeof retry, "%d", sleep_ms);
        migrate_field_t fields[] = {
            {"error", error, false}, {"attempt", attempts, true}, {"retry_in_ms", retry, true}};
        s_log(MIGRATE_LOG_WARN, "migrate.db_waiting", fields, 3);
        struct timespec pause = {sleep_ms / 1000, (long) (sleep_ms % 1000) * 1000000L};
        nanosleep(&pause, NULL);
        pause_ms = pause_ms * 2 > MIGRATE_RETRY_MAX_MS ? MIGRATE_RETRY_MAX_MS : pause_ms * 2;
    }
}

//  Refuses a database whose encoding is not UTF-8 (the server reports it when
//  we connect). Returns 0, or -1 after logging.
static int
s_check_encoding(PGconn *conn)
{
    const char *encoding = PQparameterStatus(conn, "server_encoding");
    if (encoding && strcmp(encoding, MIGRATE_ENCODING) == 0)
        return 0;
    migrate_field_t fields[] = {
        {"encoding", encoding ? encoding : "unknown", false},
        {"error",
         "the database's encoding is not UTF8; refusing to migrate it (create it with ENCODING 'UTF8', "
         "or initdb -E UTF8)",
         false}};
    s_log(MIGRATE_LOG_ERROR, "migrate.encoding_refused", fields, 2);
    return -1;
}

//  --------------------------------------------------------------------------
//  Database steps

//  Runs one parameterised command that returns no rows we need.
//  Returns 0, or -1 after logging with event.
static int
s_exec(PGconn *conn, const char *event, const char *version, const char *sql, int nparams,
       const char *const *params)
{
    PGresult *res = PQexecParams(conn, sql, nparams, NULL, params, NULL, NULL, 0);
    ExecStatusType status = PQresultStatus(res);
    int rc = (status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK) ? 0 : -1;
    if (rc)
        s_log_error(event, version, PQerrorMessage(conn));
    PQclear(res);
    return rc;
}

//  Rolls back after a failed step; the original error was already logged.
static void
s_rollback(PGconn *conn)
{
    PGresult *res = PQexec(conn, "ROLLBACK");
    PQclear(res);
}

//  Returns true if version is in the applied result set.
static bool
s_is_applied(PGresult *applied, const char *version)
{
    for (int row = 0; row < PQntuples(applied); row++)
        if (strcmp(PQgetvalue(applied, row, 0), version) == 0)
            return true;
    return false;
}

//  Applies one file and its version row in a single transaction.
//  Returns 0, or -1 after logging (the transaction is rolled back).
static int
s_apply(PGconn *conn, const char *dir, const migrate_file_t *file)
{
    int rc = -1;
    PGresult *res = NULL;
    struct timespec start, end;
    clock_gettime(CLOCK_MONOTONIC, &start);

    char *sql = s_read_file(dir, file);
    if (!sql)
        return -1;
    if (s_exec(conn, "migration.failed", file->version, "BEGIN", 0, NULL))
        goto cleanup;

    //  A file holds several statements, which only the simple protocol accepts.
    //  It is our own trusted file, not user input.
    res = PQexec(conn, sql);
    ExecStatusType status = PQresultStatus(res);
    if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK && status != PGRES_EMPTY_QUERY) {
        s_log_error("migration.failed", file->version, PQerrorMessage(conn));
        s_rollback(conn);
        goto cleanup;
    }
    //  A file that says COMMIT itself would leave us outside the transaction, and
    //  the version row would no longer be atomic with the schema change.
    if (PQtransactionStatus(conn) != PQTRANS_INTRANS) {
        s_log_error("migration.failed", file->version,
                    "the file ended the transaction itself (COMMIT/ROLLBACK in it?); some of it "
                    "may be applied without a version row: remove them and repair by hand");
        if (PQtransactionStatus(conn) != PQTRANS_IDLE)
            s_rollback(conn);
        goto cleanup;
    }
    const char *params[] = {file->version, file->name};
    if (s_exec(conn, "migration.failed", file->version,
               "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", 2, params)) {
        s_rollback(conn);
        goto cleanup;
    }
    if (s_exec(conn, "migration.failed", file->version, "COMMIT", 0, NULL))
        goto cleanup;

    clock_gettime(CLOCK_MONOTONIC, &end);
    long ms = (end.tv_sec - start.tv_sec) * 1000L + (end.tv_nsec - start.tv_nsec) / 1000000L;
    char duration[32];
    snprintf(duration, sizeof duration, "%ld", ms);
    migrate_field_t fields[] = {{"version", file->version, false},
                                {"name", file->name, false},
                                {"file", file->filename, false},
                                {"duration_ms", duration, true}};
    s_log(MIGRATE_LOG_INFO, "migration.applied", fields, 4);
    rc = 0;
cleanup:
    PQclear(res);
    free(sql);
    return rc;
}

//  Checks that every version the database holds exists in files; a database
//  migrated by newer code must not be run by older code. Returns 0 or -1.
static int
s_check_unknown(PGresult *applied, const migrate_file_t *files, size_t count)
{
    int rc = 0;
    for (int row = 0; row < PQntuples(applied); row++) {
        const char *version = PQgetvalue(applied, row, 0);
        bool known = false;
        for (size_t i = 0; i < count && !known; i++)
            known = strcmp(files[i].version, version) == 0;
        if (!known) {
            migrate_field_t fields[] = {{"version", version, false},
                                        {"name", PQgetvalue(applied, row, 1), false},
                                        {"error",
                                         "database has a migration this directory lacks; refusing to run "
                                         "(is the binary or --dir older than the database?)",
                                         false}};
            s_log(MIGRATE_LOG_ERROR, "migration.unknown", fields, 3);
            rc = -1;
        }
    }
    return rc;
}

static void
s_usage(FILE *out)
{
    fprintf(out,
            "usage: p2p-migrate [--dir DIR] [--wait SECONDS] | --help | --version\n"
            "  Applies DIR/NNN_name.sql in order to $DATABASE_URL.\n"
            "  DIR defaults to $P2P_MIGRATIONS_DIR, else \"%s\".\n"
            "  SECONDS: how long to wait for the database to answer (0: try once);\n"
            "    defaults to $P2P_MIGRATE_WAIT_S, else %d.\n"
            "  DATABASE_URL defaults to %s.\n",
            MIGRATE_DEFAULT_DIR, MIGRATE_DEFAULT_WAIT_S, MIGRATE_DEFAULT_URL);
}

int
main(int argc, char *argv[])
{
    s_set_log_level();
    const char *dir = getenv("P2P_MIGRATIONS_DIR");
    if (!dir || !*dir)
        dir = MIGRATE_DEFAULT_DIR;
    int wait_s = MIGRATE_DEFAULT_WAIT_S;
    const char *wait_text = getenv("P2P_MIGRATE_WAIT_S");
    if (wait_text && *wait_text && s_parse_wait(wait_text, &wait_s)) {
        fprintf(stderr, "p2p-migrate: P2P_MIGRATE_WAIT_S must be a whole number of seconds from 0 to %d\n",
                MIGRATE_MAX_WAIT_S);
        return 2;
    }
    static const struct option options[] = {
        {"dir", required_argument, NULL, 'd'},
        {"wait", required_argument, NULL, 'w'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    opterr = 0;
    int opt;
    while ((opt = getopt_long(argc, argv, "d:w:hV", options, NULL)) != -1) {
        if (opt == 'd') {
            dir = optarg;
        }
        else if (opt == 'w') {
            if (s_parse_wait(optarg, &wait_s)) {
                fprintf(stderr, "p2p-migrate: --wait must be a whole number of seconds from 0 to %d\n",
                        MIGRATE_MAX_WAIT_S);
                return 2;
            }
        }
        else if (opt == 'h') {
            s_usage(stdout);
            return 0;
        }
        else if (opt == 'V') {
            printf("p2p-migrate %s\n", P2P_VERSION);
            return 0;
        }
        else {
            fprintf(stderr, "p2p-migrate: unknown or incomplete option '%s'\n", argv[optind - 1]);
            s_usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "p2p-migrate: unexpected argument '%s'\n", argv[optind]);
        s_usage(stderr);
        return 2;
    }
    const char *url = getenv("DATABASE_URL");
    if (!url || !*url)
        url = MIGRATE_DEFAULT_URL;

    int rc = 1;
    PGconn *conn = NULL;
    PGresult *applied = NULL;
    migrate_file_t *files = NULL;
    size_t count = 0, applied_now = 0, skipped = 0;

    //  Read the directory before connecting: a bad --dir fails fast and clearly.
    if (s_list_files(dir, &files, &count))
        goto cleanup;
    if (count == 0) {
        char msg[512];
        snprintf(msg, sizeof msg, "no NNN_name.sql files in %s", dir);
        s_log_error("migrate.failed", NULL, msg);
        goto cleanup;
    }

    conn = s_connect(url, wait_s);
    if (!conn || s_check_encoding(conn))
        goto cleanup;
    PQsetNoticeProcessor(conn, s_notice_processor, NULL);
    if (s_exec(conn, "migrate.failed", NULL, "SET client_min_messages = warning", 0, NULL))
        goto cleanup;

    //  Session lock, released when we disconnect (even if we crash). Taken before
    //  creating schema_migrations: concurrent CREATE TABLE IF NOT EXISTS can fail.
    const char *lock_params[] = {MIGRATE_LOCK_KEY};
    if (s_exec(conn, "migrate.lock_failed", NULL, "SELECT pg_advisory_lock($1::bigint)", 1, lock_params))
        goto cleanup;
    if (s_exec(conn, "migrate.failed", NULL,
               "CREATE TABLE IF NOT EXISTS schema_migrations ("
               " version text PRIMARY KEY,"
               " name text,"
               " applied_at timestamptz DEFAULT now())",
               0, NULL))
        goto cleanup;

    applied = PQexecParams(conn, "SELECT version, name FROM schema_migrations ORDER BY version", 0, NULL,
                           NULL, NULL, NULL, 0);
    if (PQresultStatus(applied) != PGRES_TUPLES_OK) {
        s_log_error("migrate.failed", NULL, PQerrorMessage(conn));
        goto cleanup;
    }
    if (s_check_unknown(applied, files, count))
        goto cleanup;

    for (size_t i = 0; i < count; i++) {
        if (s_is_applied(applied, files[i].version)) {
            migrate_field_t fields[] = {{"version", files[i].version, false},
                                        {"name", files[i].name, false},
                                        {"file", files[i].filename, false},
                                        {"reason", "already applied", false}};
            s_log(MIGRATE_LOG_INFO, "migration.skipped", fields, 4);
            skipped++;
            continue;
        }
        if (s_apply(conn, dir, &files[i]))
            goto cleanup;
        applied_now++;
    }
    rc = 0;

cleanup:;
    char applied_text[32], skipped_text[32];
    snprintf(applied_text, sizeof applied_text, "%zu", applied_now);
    snprintf(skipped_text, sizeof skipped_text, "%zu", skipped);
    migrate_field_t fields[] = {{"dir", dir, false},
                                {"applied", applied_text, true},
                                {"skipped", skipped_text, true},
                                {"result", rc ? "failed" : "ok", false},
                                {"version", P2P_VERSION, false}};
    s_log(rc ? MIGRATE_LOG_ERROR : MIGRATE_LOG_INFO, "migrate.done", fields, 5);
    PQclear(applied);
    if (conn)
        PQfinish(conn); //  also releases the advisory lock
    s_files_destroy(&files, count);
    return rc;
}
