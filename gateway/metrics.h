/*  metrics.h - the gateway's Prometheus metrics (text exposition format 0.0.4)
    at GET /metrics when P2P_METRICS=1: requests by message type, channel and
    status, their latency, live sessions and workers, requests in flight,
    rate-limit refusals, and the counters each worker reports in its
    heartbeats. */
#ifndef P2P_METRICS_H
#define P2P_METRICS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "msg_type.h"

typedef struct metrics metrics_t;

/*  New, all zero. Caller destroys. */
metrics_t *metrics_new(void);

/*  NULL-safe; NULLs *self_p. */
void metrics_destroy(metrics_t **self_p);

/*  A request to a worker finished with status after usec microseconds. */
void metrics_request(metrics_t *self, msg_type_t type, envelope_channel_t channel, int status, int64_t usec);

/*  An HTTP response with status was written (every route). */
void metrics_http_response(metrics_t *self, int status);

/*  Append the exposition text to buf (a growing string: *buf may be NULL;
    caller frees). gauges: values sampled by the caller, as a JSON object of
    name -> number or name -> {label value -> number} (borrowed);
    workers: array of {"worker","kind","stats":{...}} (borrowed). */
char *metrics_render(const metrics_t *self, const json_t *gauges, const json_t *workers, size_t *len);

#endif
