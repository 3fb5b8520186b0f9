/*  test_outbox_addr.c - the webhook address filter (trade-svc/outbox_addr.c):
    which resolved addresses a delivery may connect to, IPv4 and IPv6,
    including IPv4 carried in IPv6 (mapped, NAT64, 6to4). */
#include <arpa/inet.h>
#include <criterion/criterion.h>
#include <netinet/in.h>
#include <string.h>

#include "outbox_addr.h"

typedef struct {
    const char *text;
    outbox_addr_class_t class;
} s_case_t;

static outbox_addr_class_t
s_classify(const char *text, const char **why)
{
    struct sockaddr_storage ss = {0};
    size_t len;
    if (strchr(text, ':')) {
        struct sockaddr_in6 *in6 = (struct sockaddr_in6 *) &ss;
        in6->sin6_family = AF_INET6;
        cr_assert_eq(inet_pton(AF_INET6, text, &in6->sin6_addr), 1, "%s", text);
        len = sizeof *in6;
    }
    else {
        struct sockaddr_in *in = (struct sockaddr_in *) &ss;
        in->sin_family = AF_INET;
        cr_assert_eq(inet_pton(AF_INET, text, &in->sin_addr), 1, "%s", text);
        len = sizeof *in;
    }
    return outbox_addr_classify((struct sockaddr *) &ss, len, why);
}

static const s_case_t s_cases[] = {
    /* public */
    {"1.1.1.1", OUTBOX_ADDR_PUBLIC},
    {"8.8.8.8", OUTBOX_ADDR_PUBLIC},
    {"172.32.0.1", OUTBOX_ADDR_PUBLIC},  /* just past 172.16.0.0/12 */
    {"100.128.0.1", OUTBOX_ADDR_PUBLIC}, /* just past 100.64.0.0/10 */
    {"169.253.255.255", OUTBOX_ADDR_PUBLIC},
    {"2606:4700:4700::1111", OUTBOX_ADDR_PUBLIC},
    {"2a00:1450:4001:80b::200e", OUTBOX_ADDR_PUBLIC},
    {"::ffff:8.8.8.8", OUTBOX_ADDR_PUBLIC},   /* mapped: judged as its IPv4 */
    {"64:ff9b::808:808", OUTBOX_ADDR_PUBLIC}, /* NAT64 of 8.8.8.8 */
    /* loopback */
    {"127.0.0.1", OUTBOX_ADDR_LOOPBACK},
    {"127.255.0.9", OUTBOX_ADDR_LOOPBACK},
    {"::1", OUTBOX_ADDR_LOOPBACK},
    {"::ffff:127.0.0.1", OUTBOX_ADDR_LOOPBACK},
    /* private, link-local, CGNAT, metadata, reserved */
    {"10.0.0.1", OUTBOX_ADDR_BLOCKED},
    {"10.255.255.255", OUTBOX_ADDR_BLOCKED},
    {"172.16.0.1", OUTBOX_ADDR_BLOCKED},
    {"172.31.255.254", OUTBOX_ADDR_BLOCKED},
    {"192.168.1.1", OUTBOX_ADDR_BLOCKED},
    {"169.254.169.254", OUTBOX_ADDR_BLOCKED}, /* AWS, GCP, Azure metadata */
    {"100.64.0.1", OUTBOX_ADDR_BLOCKED},
    {"100.100.100.200", OUTBOX_ADDR_BLOCKED}, /* Alibaba metadata (CGNAT) */
    {"168.63.129.16", OUTBOX_ADDR_BLOCKED},   /* Azure host endpoint */
    {"0.0.0.0", OUTBOX_ADDR_BLOCKED},
    {"0.1.2.3", OUTBOX_ADDR_BLOCKED},
    {"192.0.0.170", OUTBOX_ADDR_BLOCKED},
    {"192.0.2.1", OUTBOX_ADDR_BLOCKED},
    {"198.18.0.1", OUTBOX_ADDR_BLOCKED},
    {"198.51.100.7", OUTBOX_ADDR_BLOCKED},
    {"203.0.113.9", OUTBOX_ADDR_BLOCKED},
    {"224.0.0.1", OUTBOX_ADDR_BLOCKED},
    {"239.255.255.250", OUTBOX_ADDR_BLOCKED},
    {"240.0.0.1", OUTBOX_ADDR_BLOCKED},
    {"255.255.255.255", OUTBOX_ADDR_BLOCKED},
    {"::", OUTBOX_ADDR_BLOCKED},
    {"::a00:1", OUTBOX_ADDR_BLOCKED},         /* IPv4-compatible (deprecated) */
    {"::ffff:10.0.0.1", OUTBOX_ADDR_BLOCKED}, /* mapped private */
    {"::ffff:169.254.169.254", OUTBOX_ADDR_BLOCKED},
    {"::ffff:100.64.1.1", OUTBOX_ADDR_BLOCKED},
    {"64:ff9b::a00:1", OUTBOX_ADDR_BLOCKED},    /* NAT64 of 10.0.0.1 */
    {"64:ff9b::7f00:1", OUTBOX_ADDR_BLOCKED},   /* NAT64 of 127.0.0.1: not our loopback */
    {"2002:a00:1::1", OUTBOX_ADDR_BLOCKED},     /* 6to4 of 10.0.0.1 */
    {"2002:a9fe:a9fe::1", OUTBOX_ADDR_BLOCKED}, /* 6to4 of the metadata address */
    {"fc00::1", OUTBOX_ADDR_BLOCKED},
    {"fd00:ec2::254", OUTBOX_ADDR_BLOCKED}, /* AWS metadata over IPv6 */
    {"fe80::1", OUTBOX_ADDR_BLOCKED},
    {"febf::1", OUTBOX_ADDR_BLOCKED},
    {"fec0::1", OUTBOX_ADDR_BLOCKED},
    {"ff02::1", OUTBOX_ADDR_BLOCKED},
    {"100::1", OUTBOX_ADDR_BLOCKED},      /* discard */
    {"2001::1", OUTBOX_ADDR_BLOCKED},     /* Teredo */
    {"2001:db8::1", OUTBOX_ADDR_BLOCKED}, /* documentation */
    {"3fff::1", OUTBOX_ADDR_BLOCKED},     /* documentation */
    {"4000::1", OUTBOX_ADDR_BLOCKED},     /* outside global unicast */
};

Test(outbox_addr, classifies_every_special_range)
{
    for (size_t i = 0; i < sizeof s_cases / sizeof s_cases[0]; i++) {
        const char *why = NULL;
        cr_expect_eq(s_classify(s_cases[i].text, &why), s_cases[i].class, "%s: got %s", s_cases[i].text,
                     why ? why : "(no reason)");
        cr_expect(why && *why, "%s has a reason", s_cases[i].text);
    }
}

Test(outbox_addr, names_why)
{
    const char *why;
    s_classify("169.254.169.254", &why);
    cr_expect_str_eq(why, "link-local");
    s_classify("100.64.0.1", &why);
    cr_expect_str_eq(why, "cgnat");
    s_classify("fd00::1", &why);
    cr_expect_str_eq(why, "unique-local");
    s_classify("::ffff:192.168.0.1", &why);
    cr_expect_str_eq(why, "private");
    s_classify("168.63.129.16", &why);
    cr_expect_str_eq(why, "metadata");
}

static bool
s_allowed(const char *text, bool https)
{
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
    struct sockaddr_in in = {.sin_family = AF_INET};
    if (strchr(text, ':')) {
        cr_assert_eq(inet_pton(AF_INET6, text, &in6.sin6_addr), 1);
        return outbox_addr_allowed((struct sockaddr *) &in6, sizeof in6, https, NULL);
    }
    cr_assert_eq(inet_pton(AF_INET, text, &in.sin_addr), 1);
    return outbox_addr_allowed((struct sockaddr *) &in, sizeof in, https, NULL);
}

/*  https only to public addresses, plain http only to loopback. */
Test(outbox_addr, https_public_http_loopback)
{
    cr_expect(s_allowed("8.8.8.8", true));
    cr_expect(s_allowed("2606:4700:4700::1111", true));
    cr_expect_not(s_allowed("8.8.8.8", false));
    cr_expect(s_allowed("127.0.0.1", false));
    cr_expect(s_allowed("::1", false));
    cr_expect(s_allowed("::ffff:127.0.0.1", false));
    cr_expect_not(s_allowed("127.0.0.1", true));
    cr_expect_not(s_allowed("::1", true));
    cr_expect_not(s_allowed("10.0.0.1", true));
    cr_expect_not(s_allowed("10.0.0.1", false));
    cr_expect_not(s_allowed("::ffff:10.0.0.1", true));
}

Test(outbox_addr, refuses_other_families_and_short_lengths)
{
    struct sockaddr sa = {.sa_family = AF_UNIX};
    cr_expect_eq(outbox_addr_classify(&sa, sizeof sa, NULL), OUTBOX_ADDR_BLOCKED);
    struct sockaddr_in in = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(0x08080808)};
    cr_expect_eq(outbox_addr_classify((struct sockaddr *) &in, 4, NULL), OUTBOX_ADDR_BLOCKED);
    cr_expect_eq(outbox_addr_classify(NULL, 0, NULL), OUTBOX_ADDR_BLOCKED);
    cr_expect_not(outbox_addr_allowed(&sa, sizeof sa, true, NULL));
}

Test(outbox_addr, prints_addresses)
{
    struct sockaddr_in6 in6 = {.sin6_family = AF_INET6};
    inet_pton(AF_INET6, "::ffff:10.0.0.1", &in6.sin6_addr);
    char buf[64];
    cr_expect_str_eq(outbox_addr_text((struct sockaddr *) &in6, sizeof in6, buf, sizeof buf),
                     "::ffff:10.0.0.1");
    struct sockaddr sa = {.sa_family = AF_UNIX};
    cr_expect_str_eq(outbox_addr_text(&sa, sizeof sa, buf, sizeof buf), "?");
}
