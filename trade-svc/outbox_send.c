/*  outbox_send.c - delivery attempts as libcurl transfers (see
    outbox_send.h). */
#include "outbox_send.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdarg.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>

#include "outbox_addr.h"
#include "outbox_sign.h"

struct outbox_send {
    CURL *easy;
    outbox_channel_t channel;
    bool https;            /* webhook: the scheme (http is for loopback only) */
    bool connected;        /* webhook: a socket to an allowed address was opened */
    bool blocked;          /* webhook: an address was refused */
    char blocked_addr[64]; /* ... which one, and why (for the error) */
    const char *blocked_why;
    struct curl_slist *headers;
    struct curl_slist *recipients; /* mail */
    curl_mime *mime;               /* mail */
    char *body;                    /* webhook: the POST body */
    char errbuf[CURL_ERROR_SIZE];
};

static void s_result(outbox_result_t *result, bool permanent, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/*  curl's error text can quote the URL's bytes, cut at CURL_ERROR_SIZE in
    the middle of a character: it is stored in a text column, which refuses
    invalid UTF-8, so anything but printable ASCII becomes '?'. */
static void
s_printable(char *text)
{
    for (unsigned char *c = (unsigned char *) text; *c; c++)
        if (*c < ' ' || *c > '~')
            *c = '?';
}

/*  A failure before any attempt (nothing went on the network). */
static void
s_result(outbox_result_t *result, bool permanent, const char *fmt, ...)
{
    *result = (outbox_result_t){.permanent = permanent};
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(result->error, sizeof result->error, fmt, ap);
    va_end(ap);
}

/*  ---------------------------------------------------------------- URLs */

/*  Parse url with curl's own parser; *scheme and *host (curl_free them)
    when it has both, and *user / *password (NULL: none; either pointer may
    be NULL when not wanted). */
static int
s_parse_url(const char *url, char **scheme, char **host, char **user, char **password)
{
    *scheme = *host = NULL;
    if (user)
        *user = NULL;
    if (password)
        *password = NULL;
    CURLU *u = curl_url();
    int rc = -1;
    if (!u || curl_url_set(u, CURLUPART_URL, url, 0) != CURLUE_OK)
        goto done;
    if (curl_url_get(u, CURLUPART_SCHEME, scheme, 0) != CURLUE_OK
        || curl_url_get(u, CURLUPART_HOST, host, 0) != CURLUE_OK || !**host)
        goto done;
    if (user)
        curl_url_get(u, CURLUPART_USER, user, 0);
    if (password)
        curl_url_get(u, CURLUPART_PASSWORD, password, 0);
    rc = 0;
done:
    if (rc != 0) {
        curl_free(*scheme);
        curl_free(*host);
        *scheme = *host = NULL;
    }
    curl_url_cleanup(u);
    return rc;
}

int
outbox_send_check_url(const char *url, bool *https, err_t *err)
{
    char *scheme, *host;
    if (!url || s_parse_url(url, &scheme, &host, NULL, NULL) != 0)
        return err_set(err, ERR_INVALID, "webhook URL does not parse");
    *https = strcasecmp(scheme, "https") == 0;
    bool http = strcasecmp(scheme, "http") == 0;
    curl_free(scheme);
    curl_free(host);
    return *https || http ? 0 : err_set(err, ERR_INVALID, "webhook URL is neither https:// nor http://");
}

/*  curl takes a UTF-8 host name but cannot always convert it when it
    connects: the punycode form is the one that works. */
static bool
s_ascii_host(const char *host)
{
    for (const unsigned char *c = (const unsigned char *) host; *c; c++)
        if (*c >= 0x80 || *c <= ' ')
            return false;
    return true;
}

int
outbox_send_check_webhook_url(const char *url, err_t *err)
{
    char *scheme, *host, *user;
    if (!url || s_parse_url(url, &scheme, &host, &user, NULL) != 0)
        return err_set(err, ERR_INVALID,
                       "field 'url' must be a URL with a host and a valid port (https://host/path)");
    bool https = strcasecmp(scheme, "https") == 0;
    bool loopback = strcasecmp(host, "127.0.0.1") == 0 || strcasecmp(host, "localhost") == 0
                    || strcmp(host, "[::1]") == 0;
    const char *why = !https && strcasecmp(scheme, "http") != 0
                          ? "field 'url' must be an https:// URL (http:// only to loopback)"
                      : user ? "field 'url' must not carry user information"
                      : !s_ascii_host(host)
                          ? "field 'url' must have an ASCII host name (an international one in its xn-- form)"
                      : !https && !loopback
                          ? "field 'url' may use http:// only for a loopback host; use https://"
                          : NULL;
    curl_free(scheme);
    curl_free(host);
    curl_free(user);
    return why ? err_set(err, ERR_INVALID, "%s", why) : 0;
}

int
outbox_send_check_smtp_url(const char *smtp_url, err_t *err)
{
    char *scheme, *host;
    if (s_parse_url(smtp_url, &scheme, &host, NULL, NULL) != 0)
        return err_set(err, ERR_INVALID, "P2P_SMTP_URL must be smtp://host[:port] or smtps://host[:port]");
    bool ok = strcasecmp(scheme, "smtp") == 0 || strcasecmp(scheme, "smtps") == 0;
    curl_free(scheme);
    curl_free(host);
    return ok ? 0 : err_set(err, ERR_INVALID, "P2P_SMTP_URL must be smtp:// or smtps://");
}

/*  ---------------------------------------------------------------- the transfer */

/*  Where the webhook check happens: curl has resolved the name and asks for
    a socket to this address. Refusing it here, not by looking at the name,
    is what stops a name that resolves to 10.0.0.1 (or to 127.0.0.1 over
    https, or rebinds between two lookups). */
static curl_socket_t
s_open_socket(void *clientp, curlsocktype purpose, struct curl_sockaddr *address)
{
    outbox_send_t *self = clientp;
    const char *why = "not a connection";
    if (purpose != CURLSOCKTYPE_IPCXN
        || !outbox_addr_allowed(&address->addr, address->addrlen, self->https, &why)) {
        self->blocked = true;
        self->blocked_why = why;
        outbox_addr_text(&address->addr, address->addrlen, self->blocked_addr, sizeof self->blocked_addr);
        return CURL_SOCKET_BAD;
    }
    self->connected = true;
    return socket(address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
}

/*  A receiver's answer body is not ours to keep. */
static size_t
s_discard(char *data, size_t size, size_t count, void *unused)
{
    (void) data;
    (void) unused;
    return size * count;
}

/*  What every transfer shares: time bounds, no signals (a thread of its
    own), no proxy from the environment (it would see the proxy's address,
    not the receiver's), no redirects. */
static int
s_common(outbox_send_t *self, const char *url, const char *protocols)
{
    CURL *e = self->easy;
    int bad = curl_easy_setopt(e, CURLOPT_URL, url) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PROTOCOLS_STR, protocols) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_PROXY, "") != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_FOLLOWLOCATION, 0L) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_CONNECTTIMEOUT_MS, (long) OUTBOX_SEND_CONNECT_TIMEOUT_MS) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, (long) OUTBOX_SEND_TIMEOUT_MS) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_ERRORBUFFER, self->errbuf) != CURLE_OK;
    return bad ? -1 : 0;
}

static int
s_add_header(outbox_send_t *self, const char *line)
{
    struct curl_slist *more = curl_slist_append(self->headers, line);
    if (!more)
        return -1;
    self->headers = more;
    return 0;
}

static int
s_webhook(outbox_send_t *self, const outbox_item_t *item, outbox_result_t *result)
{
    if (!item->url || !item->secret) {
        s_result(result, true, "webhook deleted");
        return -1;
    }
    err_t err;
    if (outbox_send_check_url(item->url, &self->https, &err) != 0) {
        s_result(result, true, "%s", err.msg);
        return -1;
    }
    char signature[OUTBOX_SIGN_LEN + 1], line[160];
    self->body = strdup(item->payload);
    if (!self->body || outbox_sign(item->secret, self->body, strlen(self->body), signature) != 0) {
        s_result(result, false, "cannot sign the delivery");
        return -1;
    }
    int bad = s_common(self, item->url, "http,https");
    bad |= s_add_header(self, "Content-Type: application/json");
    snprintf(line, sizeof line, "X-P2P-Signature: %s", signature);
    bad |= s_add_header(self, line);
    snprintf(line, sizeof line, "X-P2P-Delivery: %" PRId64, item->id);
    bad |= s_add_header(self, line);
    bad |= s_add_header(self, "User-Agent: p2p-trade-svc/" P2P_VERSION);
    bad |= s_add_header(self, "Expect:"); /* no 100-continue round trip */
    CURL *e = self->easy;
    bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, self->headers) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDS, self->body) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) strlen(self->body)) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, s_open_socket) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_OPENSOCKETDATA, self) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_WRITEFUNCTION, s_discard) != CURLE_OK;
    if (bad) {
        s_result(result, false, "cannot set up the POST");
        return -1;
    }
    return 0;
}

/*  ---------------------------------------------------------------- mail */

/*  A header value must stay on its line: no control characters at all. */
static bool
s_header_safe(const char *text)
{
    for (const unsigned char *p = (const unsigned char *) text; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return false;
    return true;
}

/*  A bare address (one '@', nothing that could end or add an address). */
static bool
s_address_ok(const char *addr)
{
    const char *at = strchr(addr, '@');
    return *addr && at && at != addr && at[1] && !strchr(at + 1, '@') && s_header_safe(addr)
           && !strpbrk(addr, " <>,;:\"()[]\\");
}

/*  The envelope address of a From header: "Name <a@b>" -> a@b, or the
    value itself when it is a bare address. Into buf; false when neither. */
static bool
s_envelope_from(const char *from, char *buf, size_t size)
{
    const char *open = strrchr(from, '<');
    const char *close = open ? strchr(open, '>') : NULL;
    if (open && close && close[1] == '\0') {
        size_t n = (size_t) (close - open - 1);
        if (n + 1 > size)
            return false;
        memcpy(buf, open + 1, n);
        buf[n] = '\0';
    }
    else if ((size_t) snprintf(buf, size, "%s", from) >= size)
        return false;
    return s_address_ok(buf);
}

/*  The longest subject sent, in bytes: encoded, it stays well inside SMTP's
    998-character line (a title is short anyway). */
#define S_SUBJECT_MAX 300

/*  "Subject: ..." (caller frees): ASCII as it is; anything else as RFC 2047
    encoded words of at most 45 bytes of whole UTF-8 characters each, on one
    line, cut at S_SUBJECT_MAX bytes. */
static char *
s_subject_header(const char *subject)
{
    size_t len = strnlen(subject, S_SUBJECT_MAX);
    while (len > 0 && len < strlen(subject) && ((unsigned char) subject[len] & 0xc0) == 0x80)
        len--; /* never cut inside a character */
    bool plain = true;
    for (size_t i = 0; i < len; i++)
        plain &= (unsigned char) subject[i] >= 0x20 && (unsigned char) subject[i] < 0x7f;
    if (plain) {
        char *out = NULL;
        return asprintf(&out, "Subject: %.*s", (int) len, subject) < 0 ? NULL : out;
    }
    /* every word but the last holds >= 42 bytes (45 less a cut character);
       each costs " =?UTF-8?B?" "?=" (13) and base64 of n bytes (<= 4n/3 + 4) */
    size_t words = len / 42 + 1;
    char *out = malloc(sizeof "Subject:" + words * (13 + 4) + len * 4 / 3 + 1);
    if (!out)
        return NULL;
    size_t used = (size_t) sprintf(out, "Subject:");
    for (size_t at = 0; at < len;) {
        size_t n = len - at < 45 ? len - at : 45;
        while (n > 1 && at + n < len && ((unsigned char) subject[at + n] & 0xc0) == 0x80)
            n--;
        used += (size_t) sprintf(out + used, " =?UTF-8?B?");
        used += (size_t) EVP_EncodeBlock((unsigned char *) out + used, (const unsigned char *) subject + at,
                                         (int) n);
        used += (size_t) sprintf(out + used, "?=");
        at += n;
    }
    return out;
}

int
outbox_send_check_from(const char *from, err_t *err)
{
    char address[256];
    if (!s_header_safe(from) || !s_envelope_from(from, address, sizeof address))
        return err_set(err, ERR_INVALID,
                       "P2P_EMAIL_FROM must be an address (a@b.example) or \"Name <a@b.example>\"");
    return 0;
}

static const char *
s_field(json_t *mail, const char *name)
{
    return json_string_value(json_object_get(mail, name));
}

static int
s_mail(outbox_send_t *self, const outbox_item_t *item, const char *smtp_url, outbox_result_t *result)
{
    json_t *mail = json_loads(item->payload, 0, NULL);
    static const char *fields[] = {"from", "to", "subject", "text", "message_id", "date"};
    int rc = -1;
    for (size_t i = 0; i < sizeof fields / sizeof fields[0]; i++)
        if (!s_field(mail, fields[i])) {
            s_result(result, true, "mail field '%s' is missing", fields[i]);
            goto done;
        }
    const char *to = s_field(mail, "to"), *from = s_field(mail, "from");
    const char *message_id = s_field(mail, "message_id"), *date = s_field(mail, "date");
    char envelope_from[256], line[600];
    if (!s_address_ok(to)) {
        s_result(result, true, "mail field '%s' is not one plain address", "to");
        goto done;
    }
    if (!s_header_safe(from) || !s_envelope_from(from, envelope_from, sizeof envelope_from)) {
        s_result(result, true, "mail field '%s' is not an address", "from");
        goto done;
    }
    if (!s_header_safe(message_id) || message_id[0] != '<' || !strchr(message_id, '@')
        || message_id[strlen(message_id) - 1] != '>' || strlen(message_id) > 250) {
        s_result(result, true, "mail field '%s' is not <id@domain>", "message_id");
        goto done;
    }
    if (!s_header_safe(date) || strlen(date) > 64) {
        s_result(result, true, "mail field '%s' is not a date", "date");
        goto done;
    }
    char *subject = s_subject_header(s_field(mail, "subject"));
    int bad = !subject || s_common(self, smtp_url, "smtp,smtps");
    bad |= !subject || s_add_header(self, subject);
    free(subject);
    snprintf(line, sizeof line, "From: %s", from);
    bad |= s_add_header(self, line);
    snprintf(line, sizeof line, "To: %s", to);
    bad |= s_add_header(self, line);
    snprintf(line, sizeof line, "Date: %s", date);
    bad |= s_add_header(self, line);
    snprintf(line, sizeof line, "Message-ID: %s", message_id);
    bad |= s_add_header(self, line);
    snprintf(line, sizeof line, "<%s>", to);
    self->recipients = curl_slist_append(NULL, line);
    bad |= !self->recipients;
    /* the body as one text part; curl encodes it (quoted-printable keeps
       lines short and any UTF-8 intact) and dot-stuffs it */
    curl_mimepart *part = (self->mime = curl_mime_init(self->easy)) ? curl_mime_addpart(self->mime) : NULL;
    bad |= !part || curl_mime_data(part, s_field(mail, "text"), CURL_ZERO_TERMINATED) != CURLE_OK;
    bad |= !part || curl_mime_type(part, "text/plain; charset=UTF-8") != CURLE_OK;
    bad |= !part || curl_mime_encoder(part, "quoted-printable") != CURLE_OK;
    /* STARTTLS whenever the server offers it; required when the URL carries
       a password (never send it in the clear) */
    char *scheme, *host, *password;
    long use_ssl = CURLUSESSL_TRY;
    if (s_parse_url(smtp_url, &scheme, &host, NULL, &password) == 0) {
        if (password && *password)
            use_ssl = CURLUSESSL_ALL;
        curl_free(scheme);
        curl_free(host);
        curl_free(password);
    }
    char mail_from[260];
    snprintf(mail_from, sizeof mail_from, "<%s>", envelope_from);
    CURL *e = self->easy;
    bad |= curl_easy_setopt(e, CURLOPT_MAIL_FROM, mail_from) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_MAIL_RCPT, self->recipients) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_HTTPHEADER, self->headers) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_MIMEPOST, self->mime) != CURLE_OK;
    bad |= curl_easy_setopt(e, CURLOPT_USE_SSL, use_ssl) != CURLE_OK;
    if (bad) {
        s_result(result, false, "cannot set up the mail");
        goto done;
    }
    rc = 0;
done:
    json_decref(mail);
    return rc;
}

/*  ---------------------------------------------------------------- lifecycle */

outbox_send_t *
outbox_send_new(const outbox_item_t *item, const char *smtp_url, outbox_result_t *result)
{
    outbox_send_t *self = calloc(1, sizeof *self);
    if (!self || !(self->easy = curl_easy_init())) {
        s_result(result, false, "out of memory");
        outbox_send_destroy(&self);
        return NULL;
    }
    self->channel = item->channel;
    int rc = item->channel == OUTBOX_WEBHOOK ? s_webhook(self, item, result)
             : smtp_url && *smtp_url         ? s_mail(self, item, smtp_url, result)
                                             : (s_result(result, false, "no SMTP server configured"), -1);
    if (rc != 0)
        outbox_send_destroy(&self);
    return self;
}

CURL *
outbox_send_easy(outbox_send_t *self)
{
    return self->easy;
}

/*  SMTP replies a retry cannot change: the mail or its recipient refused
    for good (5xx), except the ones about logging in or TLS, which the
    operator can fix while the mail waits. */
static bool
s_smtp_permanent(long code)
{
    return code >= 500 && code < 600 && code != 530 && code != 534 && code != 535 && code != 538;
}

void
outbox_send_result(outbox_send_t *self, CURLcode code, outbox_result_t *result)
{
    long status = 0;
    curl_easy_getinfo(self->easy, CURLINFO_RESPONSE_CODE, &status);
    *result = (outbox_result_t){0};
    if (self->channel == OUTBOX_WEBHOOK) {
        if (code == CURLE_OK && status >= 200 && status < 300) {
            result->ok = true;
            return;
        }
        if (code == CURLE_OK)
            snprintf(result->error, sizeof result->error, "HTTP %ld", status);
        else if (self->blocked && !self->connected) {
            result->permanent = result->blocked = true;
            snprintf(result->error, sizeof result->error, "address not allowed: %s (%s)", self->blocked_addr,
                     self->blocked_why);
        }
        else {
            snprintf(result->error, sizeof result->error, "%s",
                     *self->errbuf ? self->errbuf : curl_easy_strerror(code));
            s_printable(result->error);
        }
        return;
    }
    if (code == CURLE_OK) {
        result->ok = true;
        return;
    }
    /* curl's own words only: the server's reply text may quote the address */
    result->permanent = s_smtp_permanent(status);
    if (status)
        snprintf(result->error, sizeof result->error, "%s (SMTP %ld)", curl_easy_strerror(code), status);
    else
        snprintf(result->error, sizeof result->error, "%s", curl_easy_strerror(code));
}

void
outbox_send_destroy(outbox_send_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    outbox_send_t *self = *self_p;
    curl_easy_cleanup(self->easy); /* before the mime and lists it uses */
    curl_mime_free(self->mime);
    curl_slist_free_all(self->headers);
    curl_slist_free_all(self->recipients);
    free(self->body);
    free(self);
    *self_p = NULL;
}
