/*  log.h - one JSON object per line on stderr:
    {"ts":"...","level":"info","service":"gateway","event":"ws.open","request_id":"...",...}

    Never pass tokens or personal data (phone numbers, emails) as fields. */
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

#define log_debug(event, rid, fields) log_emit(P2P_LOG_DEBUG, event, rid, fields)
#define log_info(event, rid, fields) log_emit(P2P_LOG_INFO, event, rid, fields)
#define log_warn(event, rid, fields) log_emit(P2P_LOG_WARN, event, rid, fields)
#define log_error(event, rid, fields) log_emit(P2P_LOG_ERROR, event, rid, fields)

#endif
