/*  test_client_addr.c - gateway/client_addr.h: IPv4 keys by address, IPv6 by
    /64, IPv4-mapped IPv6 as IPv4; loopback is 127/8 and ::1 only. */
#include <criterion/criterion.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <unistd.h>

#include "client_addr.h"

static client_addr_t
s_v4(const char *text)
{
    struct sockaddr_in sa = {.sin_family = AF_INET};
    cr_assert_eq(inet_pton(AF_INET, text, &sa.sin_addr), 1);
    client_addr_t out;
    cr_assert_eq(client_addr_from_sockaddr((struct sockaddr *) &sa, sizeof sa, &out), 0);
    return out;
}

static client_addr_t
s_v6(const char *text)
{
    struct sockaddr_in6 sa = {.sin6_family = AF_INET6};
    cr_assert_eq(inet_pton(AF_INET6, text, &sa.sin6_addr), 1);
    client_addr_t out;
    cr_assert_eq(client_addr_from_sockaddr((struct sockaddr *) &sa, sizeof sa, &out), 0);
    return out;
}

Test(client_addr, ipv4_is_keyed_by_address)
{
    client_addr_t a = s_v4("192.0.2.7");
    cr_assert_str_eq(a.key, "ip:192.0.2.7");
    cr_assert_not(a.loopback);
    cr_assert(s_v4("127.0.0.1").loopback);
    cr_assert(s_v4("127.10.3.250").loopback, "all of 127/8 is this host");
    cr_assert_not(s_v4("128.0.0.1").loopback);
    cr_assert_not(s_v4("10.127.0.1").loopback);
}

Test(client_addr, ipv6_is_keyed_by_its_64)
{
    client_addr_t a = s_v6("2001:db8:1:2:aaaa:bbbb:cccc:dddd");
    client_addr_t b = s_v6("2001:db8:1:2::1");
    client_addr_t c = s_v6("2001:db8:1:3::1");
    cr_assert_str_eq(a.key, "ip6:2001:db8:1:2::/64");
    cr_assert_str_eq(a.key, b.key, "one /64 is one client");
    cr_assert_str_neq(a.key, c.key);
    cr_assert_not(a.loopback);
    client_addr_t lo = s_v6("::1");
    cr_assert(lo.loopback);
    cr_assert_str_eq(lo.key, "ip6:::1");
}

Test(client_addr, ipv4_mapped_ipv6_is_the_ipv4_address)
{
    client_addr_t a = s_v6("::ffff:192.0.2.7");
    cr_assert_str_eq(a.key, "ip:192.0.2.7");
    cr_assert(s_v6("::ffff:127.0.0.1").loopback);
}

Test(client_addr, other_families_and_bad_fds_are_unknown)
{
    struct sockaddr sa = {.sa_family = AF_UNIX};
    client_addr_t out;
    cr_assert_eq(client_addr_from_sockaddr(&sa, sizeof sa, &out), -1);
    cr_assert_str_eq(out.key, "ip:unknown");
    cr_assert_not(out.loopback);
    cr_assert_eq(client_addr_from_sockaddr(NULL, 0, &out), -1);
    cr_assert_eq(client_addr_of_fd(-1, &out), -1);
}

Test(client_addr, a_connected_socket_tells_its_peer)
{
    int server = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    cr_assert_eq(bind(server, (struct sockaddr *) &sa, sizeof sa), 0);
    socklen_t len = sizeof sa;
    getsockname(server, (struct sockaddr *) &sa, &len);
    listen(server, 1);
    int client = socket(AF_INET, SOCK_STREAM, 0);
    cr_assert_eq(connect(client, (struct sockaddr *) &sa, sizeof sa), 0);
    client_addr_t out;
    cr_assert_eq(client_addr_of_fd(client, &out), 0);
    cr_assert_str_eq(out.key, "ip:127.0.0.1");
    cr_assert(out.loopback);
    close(client);
    close(server);
}
