/*  outbox_ops.c - the delivery thread (see outbox_ops.h). Owns its
    database connection, the curl multi handle and the slots of the
    transfers in flight; shares only the stop flag and the counters. */
#include "outbox_ops.h"

#include <curl/curl.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "db.h"
#include "log.h"
#include "outbox_repo.h"
#include "outbox_send.h"

typedef enum {
    S_FREE,
    S_SENDING, /* on the multi handle */
    S_DONE,    /* the outcome waits to be recorded (the database may be away) */
} s_slot_state_t;

typedef struct {
    s_slot_state_t state;
    outbox_item_t item;
    outbox_send_t *send;
    outbox_result_t result;
    int64_t started_ms;
} s_slot_t;

struct outbox_ops {
    const config_t *cfg;
    bool email; /* P2P_SMTP_URL and P2P_EMAIL_FROM are set: mail rows are ours to send */
    db_t *db;
    CURLM *multi;
    pthread_t thread;
    bool thread_started;
    bool claim_failing; /* log a failing claim once, not every poll */
    int64_t next_claim_ms;
    s_slot_t slots[OUTBOX_PARALLEL];
    atomic_bool stop;
    atomic_uint_fast64_t sent, failed, retried;
};

static const char *
s_channel(outbox_channel_t channel)
{
    return channel == OUTBOX_EMAIL ? "email" : "webhook";
}

int64_t
outbox_ops_retry_delay_ms(int attempts, int64_t base_ms, int64_t max_ms, uint32_t random)
{
    int64_t delay = base_ms > 0 ? base_ms : 1;
    for (int i = 1; i < attempts && delay < max_ms; i++)
        delay *= 2;
    if (delay > max_ms)
        delay = max_ms;
    int64_t half = delay / 2;
    return delay - half + (int64_t) (random % (uint64_t) (half + 1));
}

/*  ---------------------------------------------------------------- outcomes */

/*  Record a slot's outcome; the slot is free again once that worked. */
static void
s_record(outbox_ops_t *self, s_slot_t *slot)
{
    outbox_item_t *item = &slot->item;
    outbox_result_t *r = &slot->result;
    err_t err;
    int64_t delay = 0;
    int rc;
    if (r->ok)
        rc = outbox_repo_sent(self->db, item->id, &err);
    else {
        delay = outbox_ops_retry_delay_ms(item->attempts, self->cfg->outbox_retry_base_ms,
                                          self->cfg->outbox_retry_max_ms, arc4random());
        rc = outbox_repo_failed(self->db, item->id, item->attempts, r->error, delay, r->permanent, &err);
    }
    if (rc < 0) {
        /* The database away: the outcome is kept and recorded on a later
           turn. The database refusing this record itself: trying it again
           every turn would hold the slot for ever, so the slot is freed.
           Either way, should the lease run out first, the row is attempted
           again (at least once). */
        bool away = err.code == ERR_DB_UNAVAILABLE;
        json_t *fields = json_pack("{s:I, s:s, s:s}", "outbox_id", (json_int_t) item->id, "channel",
                                   s_channel(item->channel), "error", err.msg);
        if (away) {
            log_warn("outbox.record_failed", NULL, fields);
            return;
        }
        log_error("outbox.record_refused", NULL, fields);
        outbox_repo_item_clear(item);
        memset(slot, 0, sizeof *slot);
        return;
    }
    json_t *fields =
        json_pack("{s:I, s:I, s:s, s:i, s:I}", "outbox_id", (json_int_t) item->id, "notification_id",
                  (json_int_t) item->notification_id, "channel", s_channel(item->channel), "attempt",
                  item->attempts, "ms", (json_int_t) (clock_mono_ms() - slot->started_ms));
    if (r->ok) {
        atomic_fetch_add(&self->sent, 1);
        log_info("outbox.sent", NULL, fields);
    }
    else if (rc == 1) {
        atomic_fetch_add(&self->failed, 1);
        json_object_set_new(fields, "error", json_string(r->error));
        json_object_set_new(fields, "blocked", json_boolean(r->blocked));
        json_object_set_new(fields, "permanent", json_boolean(r->permanent));
        log_warn("outbox.failed", NULL, fields);
    }
    else if (rc == 0) {
        atomic_fetch_add(&self->retried, 1);
        json_object_set_new(fields, "error", json_string(r->error));
        json_object_set_new(fields, "retry_in_ms", json_integer(delay));
        log_info("outbox.retry", NULL, fields);
    }
    else {
        json_object_set_new(fields, "error", json_string(r->error));
        log_warn("outbox.lease_lost", NULL, fields);
    }
    outbox_repo_item_clear(item);
    memset(slot, 0, sizeof *slot);
}

static void
s_record_done(outbox_ops_t *self)
{
    for (int i = 0; i < OUTBOX_PARALLEL; i++)
        if (self->slots[i].state == S_DONE)
            s_record(self, &self->slots[i]);
}

/*  Take finished transfers off the multi handle. */
static void
s_collect(outbox_ops_t *self)
{
    CURLMsg *msg;
    int left;
    while ((msg = curl_multi_info_read(self->multi, &left))) {
        if (msg->msg != CURLMSG_DONE)
            continue;
        CURLcode code = msg->data.result;
        CURL *easy = msg->easy_handle;
        curl_multi_remove_handle(self->multi, easy);
        for (int i = 0; i < OUTBOX_PARALLEL; i++) {
            s_slot_t *s = &self->slots[i];
            if (s->state == S_SENDING && outbox_send_easy(s->send) == easy) {
                outbox_send_result(s->send, code, &s->result);
                outbox_send_destroy(&s->send);
                s->state = S_DONE;
                s_record(self, s);
            }
        }
    }
}

/*  ---------------------------------------------------------------- claiming */

static int
s_free_slots(const outbox_ops_t *self)
{
    int n = 0;
    for (int i = 0; i < OUTBOX_PARALLEL; i++)
        n += self->slots[i].state == S_FREE;
    return n;
}

static void
s_start(outbox_ops_t *self, outbox_item_t *item)
{
    s_slot_t *slot = NULL;
    for (int i = 0; i < OUTBOX_PARALLEL && !slot; i++)
        if (self->slots[i].state == S_FREE)
            slot = &self->slots[i];
    slot->item = *item; /* taken */
    memset(item, 0, sizeof *item);
    slot->started_ms = clock_mono_ms();
    slot->send = outbox_send_new(&slot->item, self->cfg->smtp_url, &slot->result);
    if (slot->send && curl_multi_add_handle(self->multi, outbox_send_easy(slot->send)) == CURLM_OK) {
        slot->state = S_SENDING;
        return;
    }
    if (slot->send) {
        outbox_send_destroy(&slot->send);
        slot->result = (outbox_result_t){.error = "cannot start the transfer"};
    }
    /* never went on the network: a bad payload, a deleted webhook */
    slot->state = S_DONE;
    s_record(self, slot);
}

static void
s_claim(outbox_ops_t *self)
{
    int64_t now = clock_mono_ms();
    int room = s_free_slots(self);
    if (room == 0 || now < self->next_claim_ms)
        return;
    self->next_claim_ms = now + OUTBOX_POLL_MS;
    err_t err;
    outbox_item_t *items = NULL;
    size_t count = 0;
    if (outbox_repo_claim(self->db, room, self->email, OUTBOX_LEASE_S, &items, &count, &err) != 0) {
        if (!self->claim_failing)
            log_warn("outbox.claim_failed", NULL, json_pack("{s:s}", "error", err.msg));
        self->claim_failing = true;
        return;
    }
    if (self->claim_failing)
        log_info("outbox.claiming", NULL, NULL);
    self->claim_failing = false;
    for (size_t i = 0; i < count; i++)
        s_start(self, &items[i]);
    free(items);
    /* a full batch: more may be due, look again as soon as a slot frees */
    if ((int) count == room)
        self->next_claim_ms = now;
}

/*  Run the transfers for up to wait_ms (less when curl needs it sooner or
    the thread is woken). */
static void
s_drive(outbox_ops_t *self, int wait_ms)
{
    int running = 0;
    curl_multi_poll(self->multi, NULL, 0, wait_ms, NULL);
    curl_multi_perform(self->multi, &running);
    s_collect(self);
}

static bool
s_busy(const outbox_ops_t *self)
{
    return s_free_slots(self) < OUTBOX_PARALLEL;
}

/*  At shutdown: what is still on the network is abandoned (it may or may not
    arrive; a later attempt sends it again) and its lease given back. */
static void
s_abandon(outbox_ops_t *self)
{
    for (int i = 0; i < OUTBOX_PARALLEL; i++) {
        s_slot_t *slot = &self->slots[i];
        if (slot->state == S_FREE)
            continue;
        err_t err;
        if (slot->state == S_SENDING) {
            curl_multi_remove_handle(self->multi, outbox_send_easy(slot->send));
            outbox_send_destroy(&slot->send);
            if (outbox_repo_release(self->db, slot->item.id, slot->item.attempts, &err) != 0)
                err.msg[0] = '\0';
        }
        log_warn("outbox.abandoned", NULL,
                 json_pack("{s:I, s:s, s:s}", "outbox_id", (json_int_t) slot->item.id, "channel",
                           s_channel(slot->item.channel), "state",
                           slot->state == S_SENDING ? "sending" : "unrecorded"));
        outbox_repo_item_clear(&slot->item);
        memset(slot, 0, sizeof *slot);
    }
}

static void *
s_run(void *arg)
{
    outbox_ops_t *self = arg;
    log_info("outbox.started", NULL,
             json_pack("{s:i, s:b, s:i, s:i}", "parallel", OUTBOX_PARALLEL, "email", self->email,
                       "retry_base_ms", self->cfg->outbox_retry_base_ms, "retry_max_ms",
                       self->cfg->outbox_retry_max_ms));
    while (!atomic_load(&self->stop)) {
        s_record_done(self);
        s_claim(self);
        int64_t wait = self->next_claim_ms - clock_mono_ms();
        if (s_free_slots(self) == 0 || wait > OUTBOX_POLL_MS)
            wait = OUTBOX_POLL_MS;
        s_drive(self, wait > 0 ? (int) wait : 0);
    }
    int64_t until = clock_mono_ms() + OUTBOX_STOP_GRACE_MS;
    while (s_busy(self) && clock_mono_ms() < until) {
        s_record_done(self);
        s_drive(self, 50);
    }
    s_abandon(self);
    log_info("outbox.stopped", NULL,
             json_pack("{s:I, s:I, s:I}", "sent", (json_int_t) atomic_load(&self->sent), "failed",
                       (json_int_t) atomic_load(&self->failed), "retried",
                       (json_int_t) atomic_load(&self->retried)));
    return NULL;
}

/*  ---------------------------------------------------------------- lifecycle */

static bool
s_set(const char *value)
{
    return value && *value;
}

outbox_ops_t *
outbox_ops_new(const config_t *cfg, err_t *err)
{
    if (s_set(cfg->smtp_url) && outbox_send_check_smtp_url(cfg->smtp_url, err) != 0)
        return NULL;
    if (s_set(cfg->email_from) && outbox_send_check_from(cfg->email_from, err) != 0)
        return NULL;
    if (s_set(cfg->smtp_url) != s_set(cfg->email_from))
        log_warn(
            "outbox.mail_off", NULL,
            json_pack("{s:s}", "reason", "P2P_SMTP_URL and P2P_EMAIL_FROM are both needed to send mail"));
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
        err_set(err, ERR_INTERNAL, "libcurl did not initialise");
        return NULL;
    }
    outbox_ops_t *self = calloc(1, sizeof *self);
    size_t count = 0;
    const db_statement_t *statements = outbox_repo_statements(&count);
    if (!self || !(self->db = db_new(cfg->database_url, statements, count))
        || !(self->multi = curl_multi_init())) {
        err_set(err, ERR_INTERNAL, "out of memory");
        goto fail;
    }
    self->cfg = cfg;
    self->email = s_set(cfg->smtp_url) && s_set(cfg->email_from);
    atomic_init(&self->stop, false);
    atomic_init(&self->sent, 0);
    atomic_init(&self->failed, 0);
    atomic_init(&self->retried, 0);
    /* signals are the main thread's: SIGTERM must wake its poll, not ours */
    sigset_t all, old;
    sigfillset(&all);
    pthread_sigmask(SIG_BLOCK, &all, &old);
    int rc = pthread_create(&self->thread, NULL, s_run, self);
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (rc != 0) {
        err_set(err, ERR_INTERNAL, "cannot start the delivery thread: %s", strerror(rc));
        goto fail;
    }
    self->thread_started = true;
    return self;

fail:
    if (self)
        outbox_ops_destroy(&self); /* cleans libcurl up too */
    else
        curl_global_cleanup();
    return NULL;
}

void
outbox_ops_destroy(outbox_ops_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    outbox_ops_t *self = *self_p;
    if (self->thread_started) {
        atomic_store(&self->stop, true);
        curl_multi_wakeup(self->multi);
        pthread_join(self->thread, NULL);
    }
    curl_multi_cleanup(self->multi);
    db_destroy(&self->db);
    free(self);
    *self_p = NULL;
    curl_global_cleanup();
}

void
outbox_ops_counters(const outbox_ops_t *self, outbox_ops_counters_t *counters)
{
    outbox_ops_t *s = (outbox_ops_t *) self; /* atomics are read, not changed */
    counters->sent = atomic_load(&s->sent);
    counters->failed = atomic_load(&s->failed);
    counters->retried = atomic_load(&s->retried);
}
