/*  log.h - one JSON object per line on stderr:
    {"ts":"...","level":"info","service":"gateway","event":"ws.open","request_id":"...",...}

    Never pass tokens or personal data (phone numbers, emails) as fields.

    Lines leave at once unless the process called log_set_buffered (its event
    loop then calls log_flush at the end of every turn); see log.c. */
#ifndef P2P_LOG_H
#define P2P_LOG_H

#include <jansson.h>
#include <stdbool.h>

typedef enum { P2P_LOG_DEBUG, P2P_LOG_INFO, P2P_LOG_WARN, P2P_LOG_ERROR } log_level_t;

/*  Set the process's service name and minimum level ("debug", "info", "warn",
    "error"; unknown text means info). Call once from main. */
void log_init(const char *service, const char *level);

/*  True when a line at level would be written (skip building fields if not). */
bool log_enabled(log_level_t level);

/*  Write one line. request_id may be NULL. fields is a JSON object whose
    reference is stolen (may be NULL). */
void log_emit(log_level_t level, const char *event, const char *request_id, json_t *fields);

/*  Buffer lines from now on (call once, from main, before the loop): they
    leave at each log_flush, when the buffer fills, at exit, on a fatal signal
    (the complete lines written so far), and at once for warn and error. */
void log_set_buffered(void);

/*  Write out the lines buffered so far (the end of an event-loop turn). */
void log_flush(void);

/*  A line without a JSON tree, for the hot paths (one per request):
        if (log_begin(P2P_LOG_INFO, "request.done", rid)) {
            log_str("type", name); log_int("status", 200); log_num("ms", 1.5);
            log_end();
        }
    log_begin returns false (and holds nothing) when the level is off; between
    a true log_begin and its log_end, call only the log_<value> functions. */
bool log_begin(log_level_t level, const char *event, const char *request_id);
void log_str(const char *key, const char *value); /* NULL prints null */
void log_int(const char *key, long long value);
void log_num(const char *key, double value);          /* as jansson prints a real (6 digits) */
void log_usec_as_ms(const char *key, long long usec); /* 1234 -> 1.234: milliseconds, 3 decimals */
void log_json(const char *key, const json_t *value);
void log_end(void);

/*  A request's id as the gateway and its worker both print it, so one
    request can be followed across processes: 16 hex digits. */
#define LOG_ID_SIZE 17
void log_format_id(char out[LOG_ID_SIZE], unsigned long long id);

/*  What this process's lines have cost so far: lines written, and the time
    spent building them and writing them out (monotonic clock around each
    line and each write; the loop is on CPU there, so it is CPU time). The
    gateway's /metrics shows both, its own and each worker's (heartbeats):
    bench/run turns them into logging's cost per request. */
typedef struct {
    unsigned long long lines;
    unsigned long long nsec;
} log_cost_t;
log_cost_t log_cost(void);

#define log_debug(event, rid, fields) log_emit(P2P_LOG_DEBUG, event, rid, fields)
#define log_info(event, rid, fields) log_emit(P2P_LOG_INFO, event, rid, fields)
#define log_warn(event, rid, fields) log_emit(P2P_LOG_WARN, event, rid, fields)
#define log_error(event, rid, fields) log_emit(P2P_LOG_ERROR, event, rid, fields)

#endif
