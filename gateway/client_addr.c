/*  client_addr.c - a client's address as the per-address limits key it (see
    client_addr.h). */
#include "client_addr.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

static int
s_unknown(client_addr_t *out)
{
    snprintf(out->key, sizeof out->key, "ip:unknown");
    out->loopback = false;
    return -1;
}

static void
s_ipv4(const struct in_addr *in, client_addr_t *out)
{
    char text[INET_ADDRSTRLEN];
    inet_ntop(AF_INET, in, text, sizeof text);
    snprintf(out->key, sizeof out->key, "ip:%s", text);
    out->loopback = (ntohl(in->s_addr) >> 24) == 127;
}

int
client_addr_from_sockaddr(const struct sockaddr *sa, socklen_t len, client_addr_t *out)
{
    if (sa && sa->sa_family == AF_INET && len >= (socklen_t) sizeof(struct sockaddr_in)) {
        s_ipv4(&((const struct sockaddr_in *) sa)->sin_addr, out);
        return 0;
    }
    if (!sa || sa->sa_family != AF_INET6 || len < (socklen_t) sizeof(struct sockaddr_in6))
        return s_unknown(out);
    const struct in6_addr *in6 = &((const struct sockaddr_in6 *) sa)->sin6_addr;
    if (IN6_IS_ADDR_V4MAPPED(in6)) {
        struct in_addr in;
        memcpy(&in, in6->s6_addr + 12, sizeof in);
        s_ipv4(&in, out);
        return 0;
    }
    out->loopback = IN6_IS_ADDR_LOOPBACK(in6);
    struct in6_addr prefix = *in6;
    if (!out->loopback)
        memset(prefix.s6_addr + 8, 0, 8); /* the /64: one host's, usually */
    char text[INET6_ADDRSTRLEN];
    inet_ntop(AF_INET6, &prefix, text, sizeof text);
    snprintf(out->key, sizeof out->key, out->loopback ? "ip6:%s" : "ip6:%s/64", text);
    return 0;
}

int
client_addr_of_fd(int fd, client_addr_t *out)
{
    struct sockaddr_storage ss;
    socklen_t len = sizeof ss;
    if (fd < 0 || getpeername(fd, (struct sockaddr *) &ss, &len) != 0)
        return s_unknown(out);
    return client_addr_from_sockaddr((const struct sockaddr *) &ss, len, out);
}
