/*  outbox_addr.h - which resolved addresses a webhook delivery may connect
    to. A merchant names the URL, so without this check anyone could make
    trade-svc POST into our own network (databases, admin ports, the cloud
    metadata service): the check runs on the address the name resolved to,
    at connect time (outbox_send.c's CURLOPT_OPENSOCKETFUNCTION), so neither
    a name nor DNS rebinding gets around it. Pure; no state. */
#ifndef P2P_OUTBOX_ADDR_H
#define P2P_OUTBOX_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

typedef enum {
    OUTBOX_ADDR_PUBLIC,   /* globally routable unicast */
    OUTBOX_ADDR_LOOPBACK, /* 127.0.0.0/8, ::1 (and ::ffff:127.x) */
    OUTBOX_ADDR_BLOCKED,  /* private, link-local, unique-local, CGNAT, metadata, multicast, reserved */
} outbox_addr_class_t;

/*  Classify a resolved IPv4 or IPv6 address (sa of len bytes). IPv4-mapped
    (::ffff:a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16) addresses
    are judged by the IPv4 address they carry; anything that is not AF_INET
    or AF_INET6 is blocked. *why (may be NULL) receives a static reason for
    a blocked address ("private", "link-local", ...). */
outbox_addr_class_t outbox_addr_classify(const struct sockaddr *sa, size_t len, const char **why);

/*  True when a webhook may connect to sa: https to a public address only,
    plain http to loopback only (development). *why as above, also for a
    public address refused to http or a loopback one refused to https. */
bool outbox_addr_allowed(const struct sockaddr *sa, size_t len, bool https, const char **why);

/*  The address as text ("10.0.0.1", "::ffff:10.0.0.1") into buf (size
    bytes; "?" when it cannot be printed). Returns buf. */
char *outbox_addr_text(const struct sockaddr *sa, size_t len, char *buf, size_t size);

#endif
