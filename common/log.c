/*  log.c - JSON log lines.

    A line is formatted straight into a process-wide buffer (no JSON tree for
    the line itself; only a caller's jansson fields are dumped, value by value).
    Unbuffered (the default) the line leaves at once. Buffered (the event loops,
    after log_set_buffered) lines leave in one write at the end of each loop
    turn (log_flush), when the buffer fills, for any line at warn or above, at
    exit, and on a fatal signal: the handler writes the complete lines the
    buffer holds before the process dies. A SIGKILL loses at most the lines of
    the turn in progress.

    The lock only matters for a thread that logs beside the loop (rare); the
    formatting state below is the only module state besides the name and level
    set once at start. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"

#define S_BUFFER_SIZE (64 * 1024)
#define S_FLUSH_AT (48 * 1024) /* a line is rarely longer than the rest */

static const char *s_levels[] = {"debug", "info", "warn", "error"};
static char s_service[32] = "p2p";
static log_level_t s_min_level = P2P_LOG_INFO;

static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static char s_buffer[S_BUFFER_SIZE];
static size_t s_used;                    /* bytes in s_buffer, the line being built included */
static volatile sig_atomic_t s_complete; /* bytes of whole lines: what a signal handler may write */
static bool s_buffered;
static bool s_overflow;     /* the line being built did not fit: it is dropped */
static bool s_flush_urgent; /* the line being built leaves at once (warn, error) */

/* log_cost: lines finished, and ns spent in them and in writes */
static unsigned long long s_lines;
static unsigned long long s_nsec;
static uint64_t s_line_started_ns;

/* {"ts":"YYYY-MM-DDTHH:MM:SS. of the last second a line was written in */
static time_t s_ts_second = -1;
static char s_ts_text[40];
static size_t s_ts_len;

/* what follows the timestamp on every line of a level: ,"level":"info","service":"gateway" */
static char s_head[4][224];
static size_t s_head_len[4];

static const int s_fatal_signals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
#define S_FATAL_COUNT (sizeof s_fatal_signals / sizeof s_fatal_signals[0])
static struct sigaction s_previous[S_FATAL_COUNT];

/*  Each level's ,"level":"...","service":"..." (the service name as JSON
    text: jansson escapes it). */
static void
s_make_heads(void)
{
    json_t *name = json_string(s_service);
    char *quoted = name ? json_dumps(name, JSON_ENCODE_ANY) : NULL;
    for (int i = 0; i < 4; i++) {
        int n = snprintf(s_head[i], sizeof s_head[i], ",\"level\":\"%s\",\"service\":%s", s_levels[i],
                         quoted ? quoted : "\"p2p\"");
        s_head_len[i] = n > 0 && (size_t) n < sizeof s_head[i] ? (size_t) n : 0;
    }
    free(quoted);
    json_decref(name);
}

void
log_init(const char *service, const char *level)
{
    pthread_mutex_lock(&s_lock);
    snprintf(s_service, sizeof s_service, "%s", service ? service : "p2p");
    s_make_heads();
    pthread_mutex_unlock(&s_lock);
    s_min_level = P2P_LOG_INFO;
    for (int i = 0; level && i < 4; i++)
        if (strcmp(level, s_levels[i]) == 0)
            s_min_level = (log_level_t) i;
}

bool
log_enabled(log_level_t level)
{
    return level >= s_min_level;
}

/*  write(2) everything, through EINTR and short writes; async-signal-safe. */
static void
s_write_all(const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n = write(STDERR_FILENO, data, len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return; /* stderr is gone: nothing better to do with a log line */
        data += n;
        len -= (size_t) n;
    }
}

/*  With s_lock held: write the whole lines out, keep a partial one. */
static void
s_flush_locked(void)
{
    size_t whole = (size_t) s_complete;
    if (whole == 0)
        return;
    uint64_t started = clock_mono_ns();
    s_write_all(s_buffer, whole);
    s_nsec += clock_mono_ns() - started;
    memmove(s_buffer, s_buffer + whole, s_used - whole);
    s_used -= whole;
    s_complete = 0;
}

void
log_flush(void)
{
    pthread_mutex_lock(&s_lock);
    s_flush_locked();
    pthread_mutex_unlock(&s_lock);
}

static void
s_on_fatal(int sig, siginfo_t *info, void *context)
{
    (void) context;
    /* whole lines only: the loop may have been mid-line */
    s_write_all(s_buffer, (size_t) s_complete);
    s_complete = 0;
    for (size_t i = 0; i < S_FATAL_COUNT; i++)
        if (s_fatal_signals[i] == sig)
            sigaction(sig, &s_previous[i], NULL);
    /* a fault (from the kernel) returns to the faulting instruction and meets
       the previous handler: the sanitizers' report, or the default core; a
       signal that was sent (abort, kill) is sent again */
    if (info->si_code <= 0)
        raise(sig);
}

static void
s_at_exit(void)
{
    log_flush();
}

void
log_set_buffered(void)
{
    pthread_mutex_lock(&s_lock);
    bool first = !s_buffered;
    s_buffered = true;
    pthread_mutex_unlock(&s_lock);
    if (!first)
        return;
    atexit(s_at_exit);
    struct sigaction sa = {.sa_sigaction = s_on_fatal, .sa_flags = SA_SIGINFO};
    sigemptyset(&sa.sa_mask);
    for (size_t i = 0; i < S_FATAL_COUNT; i++)
        sigaction(s_fatal_signals[i], &sa, &s_previous[i]);
}

/* -------------------------------------------------------------------------
   Appending to the line being built (s_lock held). A request's line is
   built on its loop's thread: the common case (plain text, no escapes) is
   one bounds check and one copy per piece, without stdio. */

/*  Room for n more bytes of the line being built, or NULL when the line
    cannot fit: a line too long for the buffer is dropped rather than cut
    (cut JSON is worse than none). */
static char *
s_reserve(size_t n)
{
    if (s_overflow)
        return NULL;
    if (s_used + n > S_BUFFER_SIZE) {
        /* make room: the whole lines go out */
        size_t line_so_far = s_used - (size_t) s_complete;
        s_flush_locked();
        if (line_so_far + n > S_BUFFER_SIZE) {
            s_overflow = true;
            return NULL;
        }
    }
    char *at = s_buffer + s_used;
    s_used += n;
    return at;
}

static void
s_append(const char *data, size_t len)
{
    char *at = s_reserve(len);
    if (at)
        memcpy(at, data, len);
}

static void
s_append_str(const char *text)
{
    s_append(text, strlen(text));
}

static bool
s_is_plain(unsigned char c)
{
    return c >= 0x20 && c != '"' && c != '\\';
}

/*  A JSON string: quotes, escapes for ", \ and control bytes; other bytes as
    they are (callers pass UTF-8, as jansson requires of them too). before
    and after (may be empty) are written around it, with it when it is plain. */
static void
s_append_quoted_in(const char *before, size_t before_len, const char *text, const char *after,
                   size_t after_len)
{
    size_t len = 0;
    while (text[len] && s_is_plain((unsigned char) text[len]))
        len++;
    if (!text[len]) { /* nothing to escape: one piece */
        char *at = s_reserve(before_len + len + 2 + after_len);
        if (!at)
            return;
        memcpy(at, before, before_len);
        at += before_len;
        *at++ = '"';
        memcpy(at, text, len);
        at += len;
        *at++ = '"';
        memcpy(at, after, after_len);
        return;
    }
    static const char hex[] = "0123456789abcdef";
    s_append(before, before_len);
    s_append("\"", 1);
    const char *run = text;
    for (const char *p = text + len; *p; p++) {
        unsigned char c = (unsigned char) *p;
        if (s_is_plain(c))
            continue;
        s_append(run, (size_t) (p - run));
        char esc[6] = {'\\', 0};
        size_t n = 2;
        switch (c) {
        case '"':
            esc[1] = '"';
            break;
        case '\\':
            esc[1] = '\\';
            break;
        case '\n':
            esc[1] = 'n';
            break;
        case '\r':
            esc[1] = 'r';
            break;
        case '\t':
            esc[1] = 't';
            break;
        default:
            esc[1] = 'u';
            esc[2] = '0';
            esc[3] = '0';
            esc[4] = hex[c >> 4];
            esc[5] = hex[c & 15];
            n = 6;
        }
        s_append(esc, n);
        run = p + 1;
    }
    s_append_str(run);
    s_append("\"", 1);
    s_append(after, after_len);
}

static void
s_append_quoted(const char *text)
{
    s_append_quoted_in("", 0, text, "", 0);
}

/*  ,"key": */
static void
s_append_key(const char *key)
{
    s_append_quoted_in(",", 1, key, ":", 1);
}

/*  {"ts":"2026-12-04T19:35:42.957Z" (RFC 3339 UTC, milliseconds): the text
    up to the seconds is made once a second */
static void
s_append_timestamp(void)
{
    struct timeval tv;
    gettimeofday(&tv, NULL);
    if (tv.tv_sec != s_ts_second) {
        struct tm tm;
        gmtime_r(&tv.tv_sec, &tm);
        s_ts_len = strftime(s_ts_text, sizeof s_ts_text, "{\"ts\":\"%Y-%m-%dT%H:%M:%S.", &tm);
        s_ts_second = tv.tv_sec;
    }
    char *at = s_reserve(s_ts_len + 5);
    if (!at)
        return;
    memcpy(at, s_ts_text, s_ts_len);
    at += s_ts_len;
    int ms = (int) (tv.tv_usec / 1000);
    at[0] = (char) ('0' + ms / 100);
    at[1] = (char) ('0' + ms / 10 % 10);
    at[2] = (char) ('0' + ms % 10);
    at[3] = 'Z';
    at[4] = '"';
}

/* -------------------------------------------------------------------------
   The line builder */

bool
log_begin(log_level_t level, const char *event, const char *request_id)
{
    if (!log_enabled(level))
        return false;
    pthread_mutex_lock(&s_lock);
    s_line_started_ns = clock_mono_ns();
    s_overflow = false;
    if (!s_head_len[level]) /* a line before log_init */
        s_make_heads();
    s_append_timestamp();
    s_append(s_head[level], s_head_len[level]); /* ,"level":...,"service":... */
    s_append_key("event");
    s_append_quoted(event);
    if (request_id) {
        s_append_key("request_id");
        s_append_quoted(request_id);
    }
    /* warn and error leave at once, whatever the mode: they are rare and the
       ones an operator waits for */
    s_flush_urgent = level >= P2P_LOG_WARN;
    return true;
}

void
log_str(const char *key, const char *value)
{
    s_append_key(key);
    if (value)
        s_append_quoted(value);
    else
        s_append_str("null");
}

/*  ,"key":value with a point before its last `decimals` digits (0: an
    integer), exact and without stdio. */
static void
s_append_fixed(const char *key, long long value, int decimals)
{
    char text[32];
    char *at = text + sizeof text;
    unsigned long long magnitude = value < 0 ? 0ULL - (unsigned long long) value : (unsigned long long) value;
    for (int i = 0; i < decimals; i++, magnitude /= 10)
        *--at = (char) ('0' + magnitude % 10);
    if (decimals)
        *--at = '.';
    do
        *--at = (char) ('0' + magnitude % 10);
    while ((magnitude /= 10) > 0);
    if (value < 0)
        *--at = '-';
    s_append_key(key);
    s_append(at, (size_t) (text + sizeof text - at));
}

void
log_int(const char *key, long long value)
{
    s_append_fixed(key, value, 0);
}

void
log_num(const char *key, double value)
{
    /* as jansson prints a real at JSON_REAL_PRECISION(6): %.6g, and a ".0"
       when that looks like an integer */
    s_append_key(key);
    if (value != value || value - value != 0) { /* nan, inf: not JSON */
        s_append_str("null");
        return;
    }
    char text[40];
    int n = snprintf(text, sizeof text, "%.6g", value);
    if (!strpbrk(text, ".e"))
        n += snprintf(text + n, sizeof text - (size_t) n, ".0");
    s_append(text, (size_t) n);
}

void
log_usec_as_ms(const char *key, long long usec)
{
    s_append_fixed(key, usec, 3);
}

void
log_format_id(char out[LOG_ID_SIZE], unsigned long long id)
{
    static const char hex[] = "0123456789abcdef";
    for (int i = LOG_ID_SIZE - 2; i >= 0; i--, id >>= 4)
        out[i] = hex[id & 15];
    out[LOG_ID_SIZE - 1] = 0;
}

void
log_json(const char *key, const json_t *value)
{
    char *text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(6));
    s_append_key(key);
    s_append_str(text ? text : "null");
    free(text);
}

void
log_end(void)
{
    s_append("}\n", 2);
    if (s_overflow) {
        s_used = (size_t) s_complete; /* drop the line that did not fit */
    }
    else {
        s_complete = (sig_atomic_t) s_used;
        s_lines++;
    }
    s_nsec += clock_mono_ns() - s_line_started_ns;
    if (!s_buffered || s_flush_urgent || s_used >= S_FLUSH_AT)
        s_flush_locked();
    pthread_mutex_unlock(&s_lock);
}

log_cost_t
log_cost(void)
{
    pthread_mutex_lock(&s_lock);
    log_cost_t cost = {.lines = s_lines, .nsec = s_nsec};
    pthread_mutex_unlock(&s_lock);
    return cost;
}

void
log_emit(log_level_t level, const char *event, const char *request_id, json_t *fields)
{
    if (!log_begin(level, event, request_id)) {
        json_decref(fields);
        return;
    }
    if (json_is_object(fields)) {
        const char *key;
        json_t *value;
        json_object_foreach(fields, key, value)
        {
            /* a field never overrides the line's own keys */
            if (strcmp(key, "ts") == 0 || strcmp(key, "level") == 0 || strcmp(key, "service") == 0
                || strcmp(key, "event") == 0 || (request_id && strcmp(key, "request_id") == 0))
                continue;
            log_json(key, value);
        }
    }
    log_end();
    json_decref(fields);
}
