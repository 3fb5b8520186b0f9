/*  load_hist.c - the load generators' latency histogram (see load_hist.h). */
#include "load_hist.h"

#include <inttypes.h>

static int
s_index(uint64_t v)
{
    if (v < 128)
        return (int) v;
    int e = 63 - __builtin_clzll(v);
    if (e > LOAD_HIST_MAX_EXP)
        return LOAD_HIST_BUCKETS - 1;
    int shift = e - 6;
    int sub = (int) (v >> shift); /* 64..127 */
    return 128 + (e - 7) * LOAD_HIST_SUB + (sub - LOAD_HIST_SUB);
}

/*  The largest value that falls in bucket i (reported, so percentiles err high). */
static uint64_t
s_upper(int i)
{
    if (i < 128)
        return (uint64_t) i;
    int e = (i - 128) / LOAD_HIST_SUB + 7;
    int sub = (i - 128) % LOAD_HIST_SUB + LOAD_HIST_SUB;
    int shift = e - 6;
    return (((uint64_t) sub + 1) << shift) - 1;
}

void
load_hist_add(load_hist_t *self, uint64_t value_ns)
{
    self->counts[s_index(value_ns)]++;
    self->total++;
    if (value_ns > self->max)
        self->max = value_ns;
}

uint64_t
load_hist_percentile(const load_hist_t *self, double p)
{
    if (!self->total)
        return 0;
    uint64_t want = (uint64_t) (p / 100.0 * (double) self->total + 0.5);
    if (want < 1)
        want = 1;
    uint64_t seen = 0;
    for (int i = 0; i < LOAD_HIST_BUCKETS; i++) {
        seen += self->counts[i];
        if (seen >= want)
            return s_upper(i) < self->max ? s_upper(i) : self->max;
    }
    return self->max;
}

void
load_hist_print_json(const load_hist_t *self, FILE *out)
{
    fputc('[', out);
    const char *sep = "";
    for (int i = 0; i < LOAD_HIST_BUCKETS; i++)
        if (self->counts[i]) {
            fprintf(out, "%s[%" PRIu64 ",%" PRIu64 "]", sep, s_upper(i), self->counts[i]);
            sep = ",";
        }
    fputc(']', out);
}
