/*  load_hist.h - a latency histogram for the bench's load generators.

    Values in ns: one bucket per ns below 128, then 64 sub-buckets per power
    of two (HdrHistogram style, < 1.6 % error) up to 2^40 ns. A plain value
    struct (about 17 KB): embed it or allocate it, nothing to free. Printed
    as [upper bound ns, count] pairs so bench/run can merge processes. */
#ifndef P2P_LOAD_HIST_H
#define P2P_LOAD_HIST_H

#include <stdint.h>
#include <stdio.h>

#define LOAD_HIST_SUB 64
#define LOAD_HIST_MAX_EXP 40
#define LOAD_HIST_BUCKETS (128 + (LOAD_HIST_MAX_EXP - 7 + 1) * LOAD_HIST_SUB)

typedef struct {
    uint64_t counts[LOAD_HIST_BUCKETS];
    uint64_t total;
    uint64_t max;
} load_hist_t;

/*  Count one value (ns). */
void load_hist_add(load_hist_t *self, uint64_t value_ns);

/*  The value (ns) at percentile p (0-100), erring high by at most one
    bucket and never above the largest value seen; 0 when empty. */
uint64_t load_hist_percentile(const load_hist_t *self, double p);

/*  Write the non-empty buckets as a JSON array of [upper bound ns, count]. */
void load_hist_print_json(const load_hist_t *self, FILE *out);

#endif
