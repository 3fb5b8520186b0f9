/*  clock.h - wall and monotonic time (ms, and finer for short durations). */
#ifndef P2P_CLOCK_H
#define P2P_CLOCK_H

#include <stdint.h>
#include <time.h>

/*  Unix time in ms: deadlines crossing process boundaries use this. */
static inline int64_t
clock_wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*  Monotonic ms: local intervals (heartbeats, rate limits) use this. */
static inline int64_t
clock_mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/*  Monotonic microseconds: short durations (time spent in a statement). */
static inline int64_t
clock_mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t) ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

/*  Monotonic nanoseconds: what a single log line costs (log_cost). */
static inline uint64_t
clock_mono_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

#endif
