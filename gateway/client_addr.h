/*  client_addr.h - who is at the other end of a connection, as the limits
    see it: one key per client address (an IPv6 client is its /64, which
    one host usually owns whole, so it cannot dodge a per-address limit by
    cycling through its own addresses; an IPv4-mapped IPv6 address is the
    IPv4 address), and whether it is this host (loopback). */
#ifndef P2P_CLIENT_ADDR_H
#define P2P_CLIENT_ADDR_H

#include <stdbool.h>
#include <stddef.h>
#include <sys/socket.h>

/*  Room for a key: "ip6:" + a /64 prefix in text. */
#define CLIENT_ADDR_KEY_MAX 64

typedef struct {
    char key[CLIENT_ADDR_KEY_MAX]; /* "ip:192.0.2.7", "ip6:2001:db8:1:2::/64" */
    bool loopback;                 /* 127.0.0.0/8 or ::1 */
} client_addr_t;

/*  Describe the address in sa (len bytes). Returns 0, or -1 (out->key
    "ip:unknown", not loopback) for an address family that is neither IPv4
    nor IPv6. */
int client_addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, client_addr_t *out);

/*  Describe the peer of connected socket fd (getpeername). Returns 0, or -1
    as above when the peer cannot be told. */
int client_addr_of_fd(int fd, client_addr_t *out);

#endif
