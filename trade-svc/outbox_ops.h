/*  outbox_ops.h - the delivery of notifications by mail and webhook: a
    thread of trade-svc's own that drains p2p_outbox (TRADING.md
    "Notifications"; docs/DESIGN.md "The outbox").

    Why a thread: an attempt talks to someone else's server, which may take
    seconds to connect or to answer. The worker loop serves trading requests
    and must never wait for that, and curl's multi interface needs its file
    descriptors polled, which the worker loop (common/worker.c, zmq_poll over
    the gateway sockets) does not do. So the thread has its own database
    connection and its own loop: lease due rows (outbox_repo.h, one short
    statement), run up to OUTBOX_PARALLEL transfers at once on one multi
    handle (curl_multi_poll), record each outcome (one statement), repeat.
    Nothing it does blocks the worker loop, and no transaction is open while
    a transfer runs.

    Delivery guarantees, however many trade-svc processes run:
    - a due row is leased by exactly one process (FOR UPDATE SKIP LOCKED,
      attempts + 1, next_attempt_at pushed OUTBOX_LEASE_S ahead, committed
      before the send starts);
    - a row recorded as sent is never sent again;
    - a row is tried until it is sent or fails for good: at least once even
      when give_up_at passed before its first try; a failure is retried after
      outbox_ops_retry_delay_ms (doubling, jittered, capped) until give_up_at
      (24 h after the notification); a process that dies mid-send leaves its
      lease to run out, and another process sends the row then. That crash
      window (sent, not yet recorded) is the one way a receiver can get a
      delivery twice: the X-P2P-Delivery id and the mail's Message-ID are
      the same on every attempt, so receivers can tell. */
#ifndef P2P_OUTBOX_OPS_H
#define P2P_OUTBOX_OPS_H

#include <stdint.h>

#include "config.h"
#include "err.h"

/*  Transfers in flight per process. */
#define OUTBOX_PARALLEL 16

/*  How long a lease lasts: well past the longest an attempt may take
    (OUTBOX_SEND_TIMEOUT_MS), so no other process starts a row this one may
    still be sending. */
#define OUTBOX_LEASE_S 120

/*  How often an idle process looks for due rows. */
#define OUTBOX_POLL_MS 1000

/*  At shutdown, transfers in flight get this long to finish; the rest are
    abandoned and their leases given back (due again at once). */
#define OUTBOX_STOP_GRACE_MS 2000

typedef struct outbox_ops outbox_ops_t;

typedef struct {
    uint64_t sent;    /* deliveries recorded as sent */
    uint64_t failed;  /* ... as failed for good */
    uint64_t retried; /* failed attempts rescheduled */
} outbox_ops_counters_t;

/*  Check the mail settings of cfg (borrowed; must outlive the object),
    initialise libcurl and start the delivery thread with its own
    connection to cfg->database_url. NULL with err when a setting is wrong
    (a P2P_SMTP_URL that is not smtp:// or smtps://, a P2P_EMAIL_FROM that
    is not an address) or the thread cannot start; one of the two without
    the other is logged (no mail is sent). Caller destroys. Call from the
    main thread, before any other thread uses libcurl. */
outbox_ops_t *outbox_ops_new(const config_t *cfg, err_t *err);

/*  Stop the thread (transfers in flight get OUTBOX_STOP_GRACE_MS), wait for
    it, free everything; NULL-safe, NULLs *self_p. */
void outbox_ops_destroy(outbox_ops_t **self_p);

/*  The counters so far (safe from any thread). */
void outbox_ops_counters(const outbox_ops_t *self, outbox_ops_counters_t *counters);

/*  The delay before attempt attempts + 1, after attempts (>= 1) failed:
    base_ms doubled per earlier failure, capped at max_ms, then jittered
    into its upper half with random (any 32-bit value), so many deliveries
    that failed together do not come back together. */
int64_t outbox_ops_retry_delay_ms(int attempts, int64_t base_ms, int64_t max_ms, uint32_t random);

#endif
