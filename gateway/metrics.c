/*  metrics.c - counters and histograms in fixed arrays indexed by message
    type and channel: recording is a few additions, no allocation. */
#include "metrics.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "log.h"

/*  Latency bucket upper bounds, seconds. */
static const double s_bounds[] = {0.0005, 0.001, 0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5};
#define BUCKETS (sizeof s_bounds / sizeof s_bounds[0])
#define CHANNELS 3
#define STATUS_SLOTS 600 /* statuses 0..599 */

typedef struct {
    uint64_t buckets[BUCKETS + 1]; /* last: +Inf */
    uint64_t count;
    double sum;
} s_histogram_t;

typedef struct {
    int status;
    uint64_t count;
} s_status_count_t;

struct metrics {
    /* requests by type and channel, by status class (index status/100) */
    uint64_t requests[MSG_TYPE_COUNT][CHANNELS][6];
    s_histogram_t latency[MSG_TYPE_COUNT][CHANNELS];
    uint64_t http_responses[STATUS_SLOTS];
};

static const char *s_channels[] = {"none", "rest", "websocket"};
static const char *s_classes[] = {"0xx", "1xx", "2xx", "3xx", "4xx", "5xx"};

metrics_t *
metrics_new(void)
{
    return calloc(1, sizeof(metrics_t));
}

void
metrics_destroy(metrics_t **self_p)
{
    if (self_p && *self_p) {
        free(*self_p);
        *self_p = NULL;
    }
}

void
metrics_request(metrics_t *self, msg_type_t type, envelope_channel_t channel, int status, int64_t usec)
{
    if (type < 0 || type >= MSG_TYPE_COUNT || (unsigned) channel >= CHANNELS)
        return;
    int cls = (status >= 100 && status < 600) ? status / 100 : 0;
    self->requests[type][channel][cls]++;
    s_histogram_t *h = &self->latency[type][channel];
    double seconds = (double) usec / 1e6;
    size_t b = 0;
    while (b < BUCKETS && seconds > s_bounds[b])
        b++;
    h->buckets[b]++;
    h->count++;
    h->sum += seconds;
}

void
metrics_http_response(metrics_t *self, int status)
{
    if (status >= 0 && status < STATUS_SLOTS)
        self->http_responses[status]++;
}

/*  A growing string. */
typedef struct {
    char *text;
    size_t len, cap;
} s_buf_t;

static void __attribute__((format(printf, 2, 3))) s_printf(s_buf_t *buf, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        int n =
            vsnprintf(buf->text ? buf->text + buf->len : NULL, buf->text ? buf->cap - buf->len : 0, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if (buf->text && buf->len + (size_t) n < buf->cap) {
            buf->len += (size_t) n;
            return;
        }
        size_t cap = buf->cap ? buf->cap * 2 : 8192;
        while (cap < buf->len + (size_t) n + 1)
            cap *= 2;
        char *grown = realloc(buf->text, cap);
        if (!grown)
            return;
        buf->text = grown;
        buf->cap = cap;
    }
}

/*  Label values here come from our own tables or hex worker ids; escape anyway. */
static void
s_label(s_buf_t *buf, const char *value)
{
    for (const char *c = value; *c; c++) {
        if (*c == '\\' || *c == '"')
            s_printf(buf, "\\%c", *c);
        else if (*c == '\n')
            s_printf(buf, "\\n");
        else
            s_printf(buf, "%c", *c);
    }
}

static void
s_render_requests(const metrics_t *self, s_buf_t *buf)
{
    s_printf(buf, "# HELP p2p_gateway_requests_total Requests answered by workers (or failed on their way), "
                  "by type, channel and status class.\n"
                  "# TYPE p2p_gateway_requests_total counter\n");
    for (int t = 0; t < MSG_TYPE_COUNT; t++)
        for (int c = 0; c < CHANNELS; c++)
            for (int k = 0; k < 6; k++)
                if (self->requests[t][c][k])
                    s_printf(buf,
                             "p2p_gateway_requests_total{type=\"%s\",channel=\"%s\",status=\"%s\"} %llu\n",
                             msg_type_name((msg_type_t) t), s_channels[c], s_classes[k],
                             (unsigned long long) self->requests[t][c][k]);
    s_printf(buf,
             "# HELP p2p_gateway_request_duration_seconds Time from dispatch to a worker until the outcome.\n"
             "# TYPE p2p_gateway_request_duration_seconds histogram\n");
    for (int t = 0; t < MSG_TYPE_COUNT; t++)
        for (int c = 0; c < CHANNELS; c++) {
            const s_histogram_t *h = &self->latency[t][c];
            if (!h->count)
                continue;
            uint64_t cumulative = 0;
            for (size_t b = 0; b <= BUCKETS; b++) {
                cumulative += h->buckets[b];
                s_printf(buf, "p2p_gateway_request_duration_seconds_bucket{type=\"%s\",channel=\"%s\",le=\"",
                         msg_type_name((msg_type_t) t), s_channels[c]);
                if (b < BUCKETS)
                    s_printf(buf, "%g\"} %llu\n", s_bounds[b], (unsigned long long) cumulative);
                else
                    s_printf(buf, "+Inf\"} %llu\n", (unsigned long long) cumulative);
            }
            s_printf(buf, "p2p_gateway_request_duration_seconds_sum{type=\"%s\",channel=\"%s\"} %.6f\n",
                     msg_type_name((msg_type_t) t), s_channels[c], h->sum);
            s_printf(buf, "p2p_gateway_request_duration_seconds_count{type=\"%s\",channel=\"%s\"} %llu\n",
                     msg_type_name((msg_type_t) t), s_channels[c], (unsigned long long) h->count);
        }
    s_printf(buf, "# HELP p2p_http_responses_total HTTP responses written, by status code.\n"
                  "# TYPE p2p_http_responses_total counter\n");
    for (int s = 0; s < STATUS_SLOTS; s++)
        if (self->http_responses[s])
            s_printf(buf, "p2p_http_responses_total{code=\"%d\"} %llu\n", s,
                     (unsigned long long) self->http_responses[s]);
}

static void
s_render_gauges(const json_t *gauges, s_buf_t *buf)
{
    const char *name;
    json_t *value;
    json_object_foreach((json_t *) gauges, name, value)
    {
        json_t *help = json_object_get(value, "help");
        json_t *type = json_object_get(value, "type");
        json_t *label = json_object_get(value, "label");
        json_t *values = json_object_get(value, "values");
        s_printf(buf, "# HELP %s %s\n# TYPE %s %s\n", name, json_string_value(help), name,
                 json_string_value(type));
        if (json_is_number(values)) {
            s_printf(buf, "%s %.0f\n", name, json_number_value(values));
            continue;
        }
        const char *key;
        json_t *n;
        json_object_foreach(values, key, n)
        {
            s_printf(buf, "%s{%s=\"", name, json_string_value(label));
            s_label(buf, key);
            s_printf(buf, "\"} %.0f\n", json_number_value(n));
        }
    }
}

/*  Workers report cumulative counters in their heartbeats; each becomes a
    series labelled with the worker and its kind. */
static void
s_render_workers(const json_t *workers, s_buf_t *buf)
{
    static const struct {
        const char *stat, *metric, *type, *help;
        double scale;
    } stats[] = {
        {"served", "p2p_worker_requests_total", "counter", "Requests a worker served.", 1},
        {"errors", "p2p_worker_errors_total", "counter", "Requests a worker answered with a 5xx status.", 1},
        {"expired", "p2p_worker_expired_total", "counter",
         "Requests a worker dropped because their deadline had passed.", 1},
        {"db_queries", "p2p_worker_db_queries_total", "counter", "Database statements a worker ran.", 1},
        {"db_failures", "p2p_worker_db_failures_total", "counter", "Database statements that failed.", 1},
        {"db_usec", "p2p_worker_db_seconds_total", "counter", "Time a worker spent waiting for the database.",
         1e-6},
        /* kept listing answers (common/answer_cache.h): profile.search on
           kind="profile", ad.list on kind="trade" */
        {"listing_cache_hits", "p2p_worker_listing_cache_hits_total", "counter",
         "Listing answers (profile.search, ad.list) a worker served from its answer cache.", 1},
        {"listing_cache_misses", "p2p_worker_listing_cache_misses_total", "counter",
         "Listing answers a worker had to build in the database.", 1},
        {"listing_cache_states_reused", "p2p_worker_listing_cache_states_reused_total", "counter",
         "Listing requests that needed no state read of their own (the one just before in their batch stood "
         "for them).",
         1},
        /* profile-svc's search index (profile-svc/profile_search_sync.h) */
        {"search_index_profiles", "p2p_worker_search_index_profiles", "gauge",
         "Profiles in a worker's search index (0 while it has none).", 1},
        {"search_index_loads", "p2p_worker_search_index_loads_total", "counter",
         "Full loads of a worker's search index (at start, and after profiles were deleted).", 1},
        {"search_index_reads", "p2p_worker_search_index_reads_total", "counter",
         "State reads a worker made before searches to keep its search index exact.", 1},
        {"search_index_change_reads", "p2p_worker_search_index_change_reads_total", "counter",
         "Of those, the reads of the changed profiles themselves (the listing's version had moved).", 1},
        {"search_index_rows_applied", "p2p_worker_search_index_rows_applied_total", "counter",
         "Changed profiles those reads brought into a worker's search index.", 1},
        {"search_index_answers", "p2p_worker_search_index_answers_total", "counter",
         "Searches a worker answered from its search index.", 1},
        {"search_index_stale_pages", "p2p_worker_search_index_stale_pages_total", "counter",
         "Index pages a profile on them had changed since: the database answered instead.", 1},
        /* what its log lines cost it (common/log.h log_cost) */
        {"log_lines", "p2p_worker_log_lines_total", "counter", "Log lines a worker wrote.", 1},
        {"log_nsec", "p2p_worker_log_seconds_total", "counter",
         "Time a worker spent building its log lines and writing them out.", 1e-9},
        /* trade-svc's deliveries of notifications by mail and webhook (outbox_ops.h) */
        {"outbox_sent", "p2p_worker_outbox_sent_total", "counter",
         "Mails and webhook POSTs a worker delivered.", 1},
        {"outbox_failed", "p2p_worker_outbox_failed_total", "counter",
         "Deliveries a worker gave up (refused for good, or still failing after 24 h).", 1},
        {"outbox_retried", "p2p_worker_outbox_retried_total", "counter",
         "Failed delivery attempts a worker scheduled to try again.", 1},
    };
    for (size_t i = 0; i < sizeof stats / sizeof stats[0]; i++) {
        s_printf(buf, "# HELP %s %s\n# TYPE %s %s\n", stats[i].metric, stats[i].help, stats[i].metric,
                 stats[i].type);
        size_t index;
        json_t *worker;
        json_array_foreach((json_t *) workers, index, worker)
        {
            json_t *value = json_object_get(json_object_get(worker, "stats"), stats[i].stat);
            if (!json_is_number(value))
                continue;
            s_printf(buf, "%s{worker=\"", stats[i].metric);
            s_label(buf, json_string_value(json_object_get(worker, "worker")));
            s_printf(buf, "\",kind=\"");
            s_label(buf, json_string_value(json_object_get(worker, "kind")));
            if (stats[i].scale == 1)
                s_printf(buf, "\"} %.0f\n", json_number_value(value));
            else
                s_printf(buf, "\"} %.6f\n", json_number_value(value) * stats[i].scale);
        }
    }
}

/*  What runs: this gateway's version, and each worker's (from its
    heartbeats), so a rolling upgrade can be watched; and which workers can
    serve (their database is up). */
static void
s_render_build(const json_t *workers, s_buf_t *buf)
{
    s_printf(buf, "# HELP p2p_build_info The gateway's build (always 1), labelled with its version.\n"
                  "# TYPE p2p_build_info gauge\n");
    s_printf(buf, "p2p_build_info{version=\"");
    s_label(buf, cli_version());
    s_printf(buf, "\"} 1\n");
    s_printf(buf,
             "# HELP p2p_worker_build_info A live worker's build (always 1), labelled with its version.\n"
             "# TYPE p2p_worker_build_info gauge\n");
    size_t index;
    json_t *worker;
    json_array_foreach((json_t *) workers, index, worker)
    {
        const char *version = json_string_value(json_object_get(json_object_get(worker, "stats"), "version"));
        if (!version)
            continue;
        s_printf(buf, "p2p_worker_build_info{worker=\"");
        s_label(buf, json_string_value(json_object_get(worker, "worker")));
        s_printf(buf, "\",kind=\"");
        s_label(buf, json_string_value(json_object_get(worker, "kind")));
        s_printf(buf, "\",version=\"");
        s_label(buf, version);
        s_printf(buf, "\"} 1\n");
    }
    s_printf(buf, "# HELP p2p_worker_serving 1 while a live worker can serve (its database is up), else 0.\n"
                  "# TYPE p2p_worker_serving gauge\n");
    json_array_foreach((json_t *) workers, index, worker)
    {
        json_t *serving = json_object_get(worker, "serving");
        if (!json_is_boolean(serving))
            continue;
        s_printf(buf, "p2p_worker_serving{worker=\"");
        s_label(buf, json_string_value(json_object_get(worker, "worker")));
        s_printf(buf, "\",kind=\"");
        s_label(buf, json_string_value(json_object_get(worker, "kind")));
        s_printf(buf, "\"} %d\n", json_is_true(serving) ? 1 : 0);
    }
}

char *
metrics_render(const metrics_t *self, const json_t *gauges, const json_t *workers, size_t *len)
{
    s_buf_t buf = {0};
    s_render_build(workers, &buf);
    s_render_requests(self, &buf);
    s_render_gauges(gauges, &buf);
    s_render_workers(workers, &buf);
    log_cost_t log = log_cost();
    s_printf(&buf,
             "# HELP p2p_gateway_log_lines_total Log lines the gateway wrote.\n"
             "# TYPE p2p_gateway_log_lines_total counter\n"
             "p2p_gateway_log_lines_total %llu\n"
             "# HELP p2p_gateway_log_seconds_total Time the gateway spent building its log lines and writing "
             "them out.\n"
             "# TYPE p2p_gateway_log_seconds_total counter\n"
             "p2p_gateway_log_seconds_total %.6f\n",
             log.lines, (double) log.nsec / 1e9);
    *len = buf.len;
    return buf.text;
}
