/*  outbox_addr.c - the webhook address filter (see outbox_addr.h). The
    ranges are IANA's special-purpose registries (RFC 6890 and successors)
    plus the cloud metadata addresses that sit outside them. */
#include "outbox_addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

typedef struct {
    uint32_t net; /* host byte order */
    int prefix;
    outbox_addr_class_t class;
    const char *why;
} s_v4_range_t;

/*  Every IPv4 range that is not a public unicast destination. First match wins. */
static const s_v4_range_t s_v4[] = {
    {0x7f000000, 8, OUTBOX_ADDR_LOOPBACK, "loopback"},      /* 127.0.0.0/8 */
    {0x00000000, 8, OUTBOX_ADDR_BLOCKED, "this-network"},   /* 0.0.0.0/8 */
    {0x0a000000, 8, OUTBOX_ADDR_BLOCKED, "private"},        /* 10.0.0.0/8 */
    {0x64400000, 10, OUTBOX_ADDR_BLOCKED, "cgnat"},         /* 100.64.0.0/10 (Alibaba's metadata too) */
    {0xa9fe0000, 16, OUTBOX_ADDR_BLOCKED, "link-local"},    /* 169.254.0.0/16, 169.254.169.254 metadata */
    {0xac100000, 12, OUTBOX_ADDR_BLOCKED, "private"},       /* 172.16.0.0/12 */
    {0xc0000000, 24, OUTBOX_ADDR_BLOCKED, "reserved"},      /* 192.0.0.0/24 IETF protocol assignments */
    {0xc0000200, 24, OUTBOX_ADDR_BLOCKED, "documentation"}, /* 192.0.2.0/24 */
    {0xc0586300, 24, OUTBOX_ADDR_BLOCKED, "reserved"},      /* 192.88.99.0/24 6to4 relays (deprecated) */
    {0xc0a80000, 16, OUTBOX_ADDR_BLOCKED, "private"},       /* 192.168.0.0/16 */
    {0xc6120000, 15, OUTBOX_ADDR_BLOCKED, "reserved"},      /* 198.18.0.0/15 benchmarking */
    {0xc6336400, 24, OUTBOX_ADDR_BLOCKED, "documentation"}, /* 198.51.100.0/24 */
    {0xcb007100, 24, OUTBOX_ADDR_BLOCKED, "documentation"}, /* 203.0.113.0/24 */
    {0xe0000000, 4, OUTBOX_ADDR_BLOCKED, "multicast"},      /* 224.0.0.0/4 */
    {0xf0000000, 4, OUTBOX_ADDR_BLOCKED, "reserved"},       /* 240.0.0.0/4, broadcast included */
    {0xa83f8110, 32, OUTBOX_ADDR_BLOCKED, "metadata"},      /* 168.63.129.16 Azure's host endpoint */
};

static outbox_addr_class_t
s_classify_v4(uint32_t addr, const char **why)
{
    for (size_t i = 0; i < sizeof s_v4 / sizeof s_v4[0]; i++) {
        uint32_t mask = s_v4[i].prefix ? 0xffffffffu << (32 - s_v4[i].prefix) : 0;
        if ((addr & mask) == s_v4[i].net) {
            *why = s_v4[i].why;
            return s_v4[i].class;
        }
    }
    *why = "public";
    return OUTBOX_ADDR_PUBLIC;
}

static uint32_t
s_v4_at(const uint8_t *b)
{
    return (uint32_t) b[0] << 24 | (uint32_t) b[1] << 16 | (uint32_t) b[2] << 8 | b[3];
}

/*  True when the first bits of a match prefix's. */
static bool
s_in6(const uint8_t *a, const uint8_t *prefix, int bits)
{
    int whole = bits / 8, rest = bits % 8;
    if (memcmp(a, prefix, (size_t) whole) != 0)
        return false;
    return rest == 0 || ((a[whole] ^ prefix[whole]) & (0xff << (8 - rest))) == 0;
}

/*  An IPv4 address carried in an IPv6 one is judged as IPv4, except that
    its loopback is nobody's loopback once translated: blocked. */
static outbox_addr_class_t
s_carried_v4(const uint8_t *v4, bool translated, const char **why)
{
    outbox_addr_class_t class = s_classify_v4(s_v4_at(v4), why);
    if (translated && class == OUTBOX_ADDR_LOOPBACK)
        return OUTBOX_ADDR_BLOCKED;
    return class;
}

static outbox_addr_class_t
s_classify_v6(const uint8_t *a, const char **why)
{
    static const uint8_t loopback[16] = {[15] = 1};
    static const uint8_t mapped[12] = {[10] = 0xff, [11] = 0xff};
    static const uint8_t nat64[12] = {0x00, 0x64, 0xff, 0x9b};
    static const uint8_t six_to_four[2] = {0x20, 0x02};
    static const uint8_t ietf[3] = {0x20, 0x01, 0x00};                /* 2001::/23, Teredo among them */
    static const uint8_t documentation[4] = {0x20, 0x01, 0x0d, 0xb8}; /* 2001:db8::/32 */
    static const uint8_t documentation2[3] = {0x3f, 0xff, 0x00};      /* 3fff::/20 */
    if (memcmp(a, loopback, 16) == 0) {
        *why = "loopback";
        return OUTBOX_ADDR_LOOPBACK;
    }
    if (memcmp(a, mapped, 12) == 0)
        return s_carried_v4(a + 12, false, why);
    if (memcmp(a, nat64, 12) == 0)
        return s_carried_v4(a + 12, true, why);
    if (s_in6(a, six_to_four, 16))
        return s_carried_v4(a + 2, true, why);
    /* global unicast is 2000::/3; everything else (unspecified, IPv4-
       compatible, discard, unique-local fc00::/7 with AWS's fd00:ec2::254,
       link-local fe80::/10, site-local, multicast ff00::/8) is not */
    if ((a[0] & 0xe0) != 0x20) {
        *why = (a[0] & 0xfe) == 0xfc                     ? "unique-local"
               : a[0] == 0xff                            ? "multicast"
               : (a[0] == 0xfe && (a[1] & 0xc0) == 0x80) ? "link-local"
                                                         : "reserved";
        return OUTBOX_ADDR_BLOCKED;
    }
    if (s_in6(a, ietf, 23) || s_in6(a, documentation, 32) || s_in6(a, documentation2, 20)) {
        *why = s_in6(a, ietf, 23) ? "reserved" : "documentation";
        return OUTBOX_ADDR_BLOCKED;
    }
    *why = "public";
    return OUTBOX_ADDR_PUBLIC;
}

outbox_addr_class_t
outbox_addr_classify(const struct sockaddr *sa, size_t len, const char **why)
{
    const char *unused;
    if (!why)
        why = &unused;
    if (sa && sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in)) {
        const struct sockaddr_in *in = (const struct sockaddr_in *) sa;
        return s_classify_v4(ntohl(in->sin_addr.s_addr), why);
    }
    if (sa && sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6)) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *) sa;
        return s_classify_v6(in6->sin6_addr.s6_addr, why);
    }
    *why = "not an internet address";
    return OUTBOX_ADDR_BLOCKED;
}

bool
outbox_addr_allowed(const struct sockaddr *sa, size_t len, bool https, const char **why)
{
    const char *unused;
    if (!why)
        why = &unused;
    outbox_addr_class_t class = outbox_addr_classify(sa, len, why);
    if (class == OUTBOX_ADDR_PUBLIC && !https) {
        *why = "plain http beyond loopback";
        return false;
    }
    if (class == OUTBOX_ADDR_LOOPBACK && https) {
        *why = "loopback";
        return false;
    }
    return class != OUTBOX_ADDR_BLOCKED;
}

char *
outbox_addr_text(const struct sockaddr *sa, size_t len, char *buf, size_t size)
{
    const void *raw = NULL;
    if (sa && sa->sa_family == AF_INET && len >= sizeof(struct sockaddr_in))
        raw = &((const struct sockaddr_in *) sa)->sin_addr;
    else if (sa && sa->sa_family == AF_INET6 && len >= sizeof(struct sockaddr_in6))
        raw = &((const struct sockaddr_in6 *) sa)->sin6_addr;
    if (!raw || !inet_ntop(sa->sa_family, raw, buf, (socklen_t) size))
        snprintf(buf, size, "?");
    return buf;
}
