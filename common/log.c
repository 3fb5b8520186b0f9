/*  log.c - JSON log lines. The process name and level are set once at start;
    they are the only module state and never change afterwards. */
#include "log.h"

#include <stdio.h>
#include <string.h>
#include <sys/time.h>
#include <time.h>

static const char *s_levels[] = {"debug", "info", "warn", "error"};
static char s_service[32] = "p2p";
static log_level_t s_min_level = P2P_LOG_INFO;

void
log_init(const char *service, const char *level)
{
    snprintf(s_service, sizeof s_service, "%s", service ? service : "p2p");
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

void
log_emit(log_level_t level, const char *event, const char *request_id, json_t *fields)
{
    if (!log_enabled(level)) {
        json_decref(fields);
        return;
    }
    struct timeval tv;
    gettimeofday(&tv, NULL);
    struct tm tm;
    gmtime_r(&tv.tv_sec, &tm);
    char ts[40];
    size_t n = strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(ts + n, sizeof ts - n, ".%03dZ", (int) (tv.tv_usec / 1000));

    json_t *line = json_object();
    json_object_set_new(line, "ts", json_string(ts));
    json_object_set_new(line, "level", json_string(s_levels[level]));
    json_object_set_new(line, "service", json_string(s_service));
    json_object_set_new(line, "event", json_string(event));
    if (request_id)
        json_object_set_new(line, "request_id", json_string(request_id));
    if (json_is_object(fields))
        json_object_update_missing(line, fields);
    json_decref(fields);

    char *text = json_dumps(line, JSON_COMPACT | JSON_REAL_PRECISION(6));
    if (text) {
        /* one fputs per line keeps lines whole when several processes share a terminal */
        fprintf(stderr, "%s\n", text);
        free(text);
    }
    json_decref(line);
}
