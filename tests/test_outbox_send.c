/*  test_outbox_send.c - delivery attempts as libcurl transfers
    (trade-svc/outbox_send.c): the URL and mail settings it accepts, mails
    whose fields could break out of their headers refused before any
    connection, and the address check at connect time, run through curl
    for real (no packet leaves for a refused address: curl never gets a
    socket). */
#include <criterion/criterion.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "outbox_send.h"

Test(outbox_send, webhook_urls)
{
    bool https = false;
    err_t err;
    cr_expect_eq(outbox_send_check_url("https://merchant.example/p2p", &https, &err), 0);
    cr_expect(https);
    cr_expect_eq(outbox_send_check_url("http://127.0.0.1:9/hook", &https, &err), 0);
    cr_expect_not(https);
    cr_expect_eq(outbox_send_check_url("ftp://merchant.example/", &https, &err), -1);
    cr_expect_eq(outbox_send_check_url("not a url", &https, &err), -1);
    cr_expect_eq(outbox_send_check_url("https://", &https, &err), -1);
    cr_expect_eq(outbox_send_check_url(NULL, &https, &err), -1);
}

/*  What webhook.set stores: only what curl can deliver to, judged by curl's
    own parser (the hand-written check took hosts curl later failed on, and
    refused [::1] and an '@' in a query). */
Test(outbox_send, webhook_urls_as_webhook_set_takes_them)
{
    static const char *const good[] = {
        "https://merchant.example/p2p",
        "https://merchant.example:8443/hook?notify=ops@merchant.example",
        "https://xn--bcher-kva.example/hook",
        "http://127.0.0.1:9/hook",
        "http://localhost:8080/",
        "http://[::1]:8080/hook",
    };
    static const char *const bad[] = {
        "http://merchant.example/hook",      /* plain http off loopback */
        "ftp://merchant.example/hook",       /* not http(s) */
        "https://user:pw@merchant.example/", /* user information */
        "https://merchant.example:99999/",   /* no such port */
        "https://b\xc3\xbc"
        "cher.example/hook",         /* UTF-8 host: curl cannot always convert it */
        "https://merchant example/", /* a space */
        "https://",                  /* no host */
        "not a url",
    };
    err_t err;
    for (size_t i = 0; i < sizeof good / sizeof good[0]; i++)
        cr_expect_eq(outbox_send_check_webhook_url(good[i], &err), 0, "%s: %s", good[i], err.msg);
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        cr_expect_eq(outbox_send_check_webhook_url(bad[i], &err), -1, "%s is refused", bad[i]);
        cr_expect(strstr(err.msg, "field 'url'") != NULL, "%s: %s", bad[i], err.msg);
    }
}

Test(outbox_send, mail_settings)
{
    err_t err;
    cr_expect_eq(outbox_send_check_smtp_url("smtp://127.0.0.1:2525", &err), 0);
    cr_expect_eq(outbox_send_check_smtp_url("smtps://user:pw@mail.example:465", &err), 0);
    cr_expect_eq(outbox_send_check_smtp_url("http://mail.example", &err), -1);
    cr_expect(strstr(err.msg, "P2P_SMTP_URL"), "%s", err.msg);
    cr_expect_eq(outbox_send_check_smtp_url("mail.example", &err), -1);
    cr_expect_eq(outbox_send_check_from("noreply@p2p.example", &err), 0);
    cr_expect_eq(outbox_send_check_from("P2P Desk <noreply@p2p.example>", &err), 0);
    cr_expect_eq(outbox_send_check_from("noreply", &err), -1);
    cr_expect(strstr(err.msg, "P2P_EMAIL_FROM"), "%s", err.msg);
    cr_expect_eq(outbox_send_check_from("a@b.example\r\nBcc: victim@x.example", &err), -1);
    cr_expect_eq(outbox_send_check_from("P2P <a@b.example", &err), -1);
}

static outbox_result_t
s_mail(const char *payload)
{
    outbox_item_t item = {.id = 1, .channel = OUTBOX_EMAIL, .attempts = 1, .payload = (char *) payload};
    outbox_result_t r = {0};
    outbox_send_t *send = outbox_send_new(&item, "smtp://127.0.0.1:1", &r);
    if (send) {
        outbox_send_destroy(&send);
        return (outbox_result_t){.ok = true};
    }
    return r;
}

#define S_MAIL(to, from, mid)                                                \
    "{\"from\":\"" from "\",\"to\":\"" to                                    \
    "\",\"subject\":\"Order paid\",\"text\":\"Hello\",\"message_id\":\"" mid \
    "\",\"date\":\"Mon, 01 Jan 2024 00:00:00 +0000\"}"

/*  A good mail sets up (the transfer is not run); one that would put a
    field outside its header, or lacks one, fails for good before any
    connection, naming the field. */
Test(outbox_send, mail_fields)
{
    cr_expect(s_mail(S_MAIL("buyer@example.com", "noreply@p2p.example", "<notification-1@p2p.invalid>")).ok);
    cr_expect(s_mail(S_MAIL("buyer@example.com", "P2P <noreply@p2p.example>", "<n-1@p2p.invalid>")).ok);
    struct {
        const char *payload, *field;
    } bad[] = {
        {S_MAIL("buyer@example.com\\r\\nBcc: x@evil.example", "noreply@p2p.example", "<n@p>"), "to"},
        {S_MAIL("a@b.example, c@d.example", "noreply@p2p.example", "<n@p>"), "to"},
        {S_MAIL("<a@b.example>", "noreply@p2p.example", "<n@p>"), "to"},
        {S_MAIL("nobody", "noreply@p2p.example", "<n@p>"), "to"},
        {S_MAIL("a@b.example", "noreply", "<n@p>"), "from"},
        {S_MAIL("a@b.example", "x@p2p.example\\nBcc: y@z.example", "<n@p>"), "from"},
        {S_MAIL("a@b.example", "noreply@p2p.example", "n@p"), "message_id"},
        {S_MAIL("a@b.example", "noreply@p2p.example", "<n@p>\\r\\nX: y"), "message_id"},
        {"{\"from\":\"a@b.example\",\"to\":\"c@d.example\"}", "subject"},
        {"not json", "from"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        outbox_result_t r = s_mail(bad[i].payload);
        cr_expect_not(r.ok, "%s", bad[i].payload);
        cr_expect(r.permanent, "%s", bad[i].payload);
        char quoted[32];
        snprintf(quoted, sizeof quoted, "'%s'", bad[i].field);
        cr_expect(strstr(r.error, quoted), "%s: %s", bad[i].payload, r.error);
        cr_expect_null(strstr(r.error, "example"), "the error quotes no address: %s", r.error);
    }
}

static outbox_result_t
s_mail_subject(const char *subject)
{
    json_t *mail = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "from", "noreply@p2p.example", "to",
                             "buyer@example.com", "subject", subject, "text", "Hello", "message_id",
                             "<notification-1@p2p.invalid>", "date", "Mon, 01 Jan 2024 00:00:00 +0000");
    char *payload = json_dumps(mail, 0);
    outbox_result_t r = s_mail(payload);
    free(payload);
    json_decref(mail);
    return r;
}

/*  Any subject sets up: one byte that needs encoding (the encoded word is
    longer than the byte: this overflowed the header's buffer once), UTF-8,
    and one far too long (cut, never inside a character). */
Test(outbox_send, mail_subjects_of_any_text)
{
    cr_expect(s_mail_subject("\xc3\xa9").ok);
    cr_expect(s_mail_subject("\t").ok);
    cr_expect(s_mail_subject("Ordre pay\xc3\xa9 \xe2\x80\x94 0,5 BTC").ok);
    char long_subject[3001];
    for (size_t i = 0; i + 3 <= 3000; i += 3)
        memcpy(long_subject + i, "\xe2\x82\xac", 3); /* the euro sign, 3 bytes */
    long_subject[3000] = '\0';
    cr_expect(s_mail_subject(long_subject).ok);
    memset(long_subject, 'a', 3000);
    cr_expect(s_mail_subject(long_subject).ok);
}

/*  Run a webhook POST to url through curl for real. */
static outbox_result_t
s_post(const char *url)
{
    outbox_item_t item = {.id = 42,
                          .channel = OUTBOX_WEBHOOK,
                          .attempts = 1,
                          .payload = "{\"id\":1}",
                          .url = (char *) url,
                          .secret = "0123456789abcdef"};
    outbox_result_t r = {0};
    outbox_send_t *send = outbox_send_new(&item, NULL, &r);
    cr_assert_not_null(send, "%s: %s", url, r.error);
    CURLcode code = curl_easy_perform(outbox_send_easy(send));
    outbox_send_result(send, code, &r);
    outbox_send_destroy(&send);
    return r;
}

/*  The check runs on the resolved address: a private literal, a name that
    resolves to loopback over https, a mapped private IPv6 literal, the
    metadata address are all refused before a socket exists, for good. */
Test(outbox_send, refused_addresses_are_never_connected)
{
    const char *urls[] = {"https://10.0.0.1/hook",
                          "https://localhost:1/hook",
                          "https://127.0.0.1:1/hook",
                          "https://[::ffff:10.0.0.1]/hook",
                          "http://169.254.169.254/latest/meta-data/",
                          "http://[::ffff:192.168.1.1]:8080/"};
    for (size_t i = 0; i < sizeof urls / sizeof urls[0]; i++) {
        outbox_result_t r = s_post(urls[i]);
        cr_expect_not(r.ok, "%s", urls[i]);
        cr_expect(r.blocked && r.permanent, "%s: %s", urls[i], r.error);
        cr_expect(strstr(r.error, "address not allowed"), "%s: %s", urls[i], r.error);
    }
}

/*  Plain http to loopback is allowed (development): a closed port is an
    ordinary failure, retried later. */
Test(outbox_send, loopback_http_is_attempted)
{
    outbox_result_t r = s_post("http://127.0.0.1:1/hook");
    cr_expect_not(r.ok);
    cr_expect_not(r.blocked);
    cr_expect_not(r.permanent, "%s", r.error);
    cr_expect(*r.error);
}

Test(outbox_send, deleted_webhook_fails_for_good)
{
    outbox_item_t item = {.id = 7, .channel = OUTBOX_WEBHOOK, .attempts = 1, .payload = "{}"};
    outbox_result_t r = {0};
    cr_expect_null(outbox_send_new(&item, NULL, &r));
    cr_expect(r.permanent);
    cr_expect_str_eq(r.error, "webhook deleted");
}
