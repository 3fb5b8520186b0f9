/*  outbox_send.h - one delivery attempt as a libcurl transfer: a webhook
    POST (signed, to an allowed address only, no redirects, no proxy) or a
    notification mail over SMTP (smtp:// with STARTTLS when offered, or
    smtps://). The caller runs the transfer on a multi handle
    (outbox_ops.c) and asks here how it went. Bounded in time: a transfer
    that is not done after OUTBOX_SEND_TIMEOUT_MS fails (and is retried). */
#ifndef P2P_OUTBOX_SEND_H
#define P2P_OUTBOX_SEND_H

#include <curl/curl.h>
#include <stdbool.h>

#include "outbox_repo.h"

/*  Connecting may take this long, the whole attempt this long. The lease
    (outbox_ops.h) is longer, so no other process starts the same delivery
    while this one may still be sending it. */
#define OUTBOX_SEND_CONNECT_TIMEOUT_MS 10000
#define OUTBOX_SEND_TIMEOUT_MS 30000

typedef struct outbox_send outbox_send_t;

/*  How an attempt went. error never holds an email address, a secret or a
    URL's path (it goes to the log and to p2p_outbox.last_error). */
typedef struct {
    bool ok;        /* sent: a 2xx answer to the POST, or the mail accepted */
    bool permanent; /* failed in a way a retry cannot fix (webhook deleted, address not
                       allowed, a bad payload, the mail server refused the mail for good) */
    bool blocked;   /* the webhook's host resolved only to addresses it may not reach */
    char error[256];
} outbox_result_t;

/*  Check that a webhook URL may be delivered to at all (http or https, a
    host); *https tells which. 0, or -1 with the reason in err. */
int outbox_send_check_url(const char *url, bool *https, err_t *err);

/*  Check a webhook URL as webhook.set takes it, with curl's own parser (what
    it accepts here it can deliver to): http or https, a host in ASCII, a
    valid port, no user information, http only to a loopback host. 0, or -1
    with err ERR_INVALID naming field 'url'. Where it resolves to is judged
    at each delivery (outbox_addr.h). */
int outbox_send_check_webhook_url(const char *url, err_t *err);

/*  Check smtp_url (P2P_SMTP_URL): smtp:// or smtps:// with a host. 0, or -1
    with err naming the key. */
int outbox_send_check_smtp_url(const char *smtp_url, err_t *err);

/*  Check from (P2P_EMAIL_FROM): an address, or "Name <address>", on one
    line. 0, or -1 with err naming the key. */
int outbox_send_check_from(const char *from, err_t *err);

/*  A transfer for a leased delivery (borrowed; what the transfer needs is
    copied): a webhook POST, or for a mail, one through smtp_url. NULL when
    the delivery cannot be attempted at all (the webhook was deleted, a bad
    URL or payload; out of memory), with *result saying why. Caller
    destroys. */
outbox_send_t *outbox_send_new(const outbox_item_t *item, const char *smtp_url, outbox_result_t *result);

/*  The transfer's easy handle, to add to a multi handle (borrowed: remove
    it from the multi handle before outbox_send_destroy). */
CURL *outbox_send_easy(outbox_send_t *self);

/*  Once curl reported the transfer done with code: how it went. */
void outbox_send_result(outbox_send_t *self, CURLcode code, outbox_result_t *result);

/*  Free the transfer; NULL-safe, NULLs *self_p. */
void outbox_send_destroy(outbox_send_t **self_p);

#endif
