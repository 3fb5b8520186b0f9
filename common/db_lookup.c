/*  db_lookup.c - the database host's name lookup, bounded in time (see
    db_lookup.h). */
/* getaddrinfo_a needs _GNU_SOURCE, which the build defines */
#include "db_lookup.h"

#include <arpa/inet.h>
#include <libpq-fe.h>
#include <netdb.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "clock.h"
#include "stop_signal.h"

/*  libpq tries each address in turn; more than this is a misconfiguration. */
#define DB_LOOKUP_MAX_ADDRESSES 8

/*  A wait is cut into slices this long, so a stop request ends it soon even
    when the signal landed on another thread. */
#define DB_LOOKUP_SLICE_MS 100

/*  One getaddrinfo_a request. glibc's helper thread writes into it until it
    completes, so it owns its copy of the name and may outlive the lookup
    that started it (s_abandoned). */
typedef struct s_request {
    struct gaicb cb;
    struct addrinfo hints;
    struct s_request *next; /* on s_abandoned */
    char name[];
} s_request_t;

struct db_lookup {
    char *name;
    int timeout_ms;       /* the connection string's connect_timeout; 0: none given */
    s_request_t *request; /* in flight, or NULL */
    bool overdue;         /* the request in flight outlasted a whole wait */
    char *host;           /* the name once per address: "db,db" */
    char *hostaddr;       /* the addresses: "10.0.0.5,fd00::5" */
};

/*  Requests still running when their lookup was destroyed: reachable, never
    freed (glibc may still write to them; the process is on its way out). */
static pthread_mutex_t s_abandoned_lock = PTHREAD_MUTEX_INITIALIZER;
static s_request_t *s_abandoned;

static bool
s_numeric(const char *host)
{
    unsigned char addr[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, host, addr) == 1 || inet_pton(AF_INET6, host, addr) == 1;
}

/*  A connect_timeout as libpq reads it (seconds, at least 2) in ms; -1 for
    "no bound" (0 or less). */
static int
s_timeout_ms(const char *seconds_text)
{
    long seconds = strtol(seconds_text, NULL, 10);
    if (seconds <= 0)
        return -1;
    return (int) (seconds < 2 ? 2 : seconds > 3600 ? 3600 : seconds) * 1000;
}

/*  True when libpq would call getaddrinfo for this host: one name, not an
    address, not a socket directory, no hostaddr beside it. */
static bool
s_needs_lookup(const char *host, const char *hostaddr)
{
    if (!host || !*host || (hostaddr && *hostaddr))
        return false;
    if (host[0] == '/' || host[0] == '@' || strchr(host, ','))
        return false;
    return !s_numeric(host);
}

db_lookup_t *
db_lookup_new(const char *conninfo)
{
    char *parse_error = NULL;
    PQconninfoOption *options = PQconninfoParse(conninfo ? conninfo : "", &parse_error);
    if (!options) {
        PQfreemem(parse_error); /* libpq says the same when it connects */
        return NULL;
    }
    const char *host = NULL, *hostaddr = NULL, *timeout = NULL;
    for (const PQconninfoOption *o = options; o->keyword; o++) {
        if (strcmp(o->keyword, "host") == 0)
            host = o->val;
        else if (strcmp(o->keyword, "hostaddr") == 0)
            hostaddr = o->val;
        else if (strcmp(o->keyword, "connect_timeout") == 0)
            timeout = o->val;
    }
    if (!host || !*host)
        host = getenv("PGHOST");
    if (!hostaddr || !*hostaddr)
        hostaddr = getenv("PGHOSTADDR");
    db_lookup_t *self = NULL;
    if (s_needs_lookup(host, hostaddr) && (self = calloc(1, sizeof *self)) && !(self->name = strdup(host))) {
        free(self);
        self = NULL;
    }
    if (self && timeout && *timeout)
        self->timeout_ms = s_timeout_ms(timeout);
    PQconninfoFree(options);
    return self;
}

static void
s_request_free(s_request_t *request)
{
    if (request->cb.ar_result)
        freeaddrinfo(request->cb.ar_result);
    free(request);
}

void
db_lookup_destroy(db_lookup_t **self_p)
{
    if (!self_p || !*self_p)
        return;
    db_lookup_t *self = *self_p;
    if (self->request) {
        int rc = gai_cancel(&self->request->cb);
        if (rc == EAI_CANCELED || rc == EAI_ALLDONE)
            s_request_free(self->request);
        else {
            pthread_mutex_lock(&s_abandoned_lock);
            self->request->next = s_abandoned;
            s_abandoned = self->request;
            pthread_mutex_unlock(&s_abandoned_lock);
        }
    }
    free(self->name);
    free(self->host);
    free(self->hostaddr);
    free(self);
    *self_p = NULL;
}

const char *
db_lookup_name(const db_lookup_t *self)
{
    return self->name;
}

static int
s_start(db_lookup_t *self, char *why, size_t why_size)
{
    size_t length = strlen(self->name);
    s_request_t *request = calloc(1, sizeof *request + length + 1);
    if (!request) {
        snprintf(why, why_size, "cannot look up %s: out of memory", self->name);
        return -1;
    }
    memcpy(request->name, self->name, length + 1);
    /* what libpq asks for */
    request->hints.ai_family = AF_UNSPEC;
    request->hints.ai_socktype = SOCK_STREAM;
    request->cb.ar_name = request->name;
    request->cb.ar_request = &request->hints;
    struct gaicb *list[] = {&request->cb};
    int rc = getaddrinfo_a(GAI_NOWAIT, list, 1, NULL);
    if (rc != 0) {
        snprintf(why, why_size, "cannot look up %s: %s", self->name, gai_strerror(rc));
        free(request);
        return -1;
    }
    self->request = request;
    return 0;
}

/*  Wait for the request in flight until it completes, the deadline (< 0:
    none) passes, or a stop is requested. Returns its gai_error. */
static int
s_wait(db_lookup_t *self, int64_t deadline_ms)
{
    const struct gaicb *list[] = {&self->request->cb};
    int rc;
    while ((rc = gai_error(&self->request->cb)) == EAI_INPROGRESS) {
        int64_t slice = DB_LOOKUP_SLICE_MS;
        if (deadline_ms >= 0 && deadline_ms - clock_mono_ms() < slice)
            slice = deadline_ms - clock_mono_ms();
        if (slice <= 0 || stop_signal_requested())
            break;
        struct timespec wait = {.tv_sec = slice / 1000, .tv_nsec = (long) (slice % 1000) * 1000000L};
        gai_suspend(list, 1, &wait); /* done, timed out or interrupted: the loop looks */
    }
    return rc;
}

/*  Turn the results into libpq's host and hostaddr lists. */
static int
s_take_addresses(db_lookup_t *self, const struct addrinfo *results, char *why, size_t why_size)
{
    char addresses[DB_LOOKUP_MAX_ADDRESSES * (NI_MAXHOST + 1)] = "";
    size_t used = 0, count = 0;
    for (const struct addrinfo *ai = results; ai && count < DB_LOOKUP_MAX_ADDRESSES; ai = ai->ai_next) {
        char text[NI_MAXHOST];
        if ((ai->ai_family != AF_INET && ai->ai_family != AF_INET6)
            || getnameinfo(ai->ai_addr, ai->ai_addrlen, text, sizeof text, NULL, 0, NI_NUMERICHOST) != 0)
            continue;
        used += (size_t) snprintf(addresses + used, sizeof addresses - used, "%s%s", count ? "," : "", text);
        count++;
    }
    if (count == 0) {
        snprintf(why, why_size, "cannot look up %s: no IPv4 or IPv6 address", self->name);
        return -1;
    }
    size_t name_length = strlen(self->name);
    char *host = malloc(count * (name_length + 1));
    char *hostaddr = strdup(addresses);
    if (!host || !hostaddr) {
        free(host);
        free(hostaddr);
        snprintf(why, why_size, "cannot look up %s: out of memory", self->name);
        return -1;
    }
    for (size_t i = 0; i < count; i++) {
        memcpy(host + i * (name_length + 1), self->name, name_length);
        host[i * (name_length + 1) + name_length] = i + 1 < count ? ',' : '\0';
    }
    free(self->host);
    free(self->hostaddr);
    self->host = host;
    self->hostaddr = hostaddr;
    return 0;
}

int
db_lookup_resolve(db_lookup_t *self, const char *default_timeout, const char **host, const char **hostaddr,
                  char *why, size_t why_size)
{
    int timeout_ms = self->timeout_ms ? self->timeout_ms : s_timeout_ms(default_timeout);
    /* a resolver that let one whole wait pass is not waited for again: later
       attempts only look whether that lookup has finished, and fail at once */
    int64_t deadline_ms = timeout_ms < 0 ? -1 : clock_mono_ms() + (self->overdue ? 0 : timeout_ms);
    if (!self->request && s_start(self, why, why_size) != 0)
        return -1;
    int rc = s_wait(self, deadline_ms);
    if (rc == EAI_INPROGRESS) {
        /* left running: the next attempt takes its answer */
        if (stop_signal_requested())
            snprintf(why, why_size, "look-up of %s abandoned: stopping", self->name);
        else {
            self->overdue = true;
            snprintf(why, why_size, "look-up of %s took longer than %d ms", self->name, timeout_ms);
        }
        return -1;
    }
    s_request_t *request = self->request;
    self->request = NULL;
    self->overdue = false;
    int result = -1;
    if (rc != 0)
        snprintf(why, why_size, "cannot look up %s: %s", self->name, gai_strerror(rc));
    else
        result = s_take_addresses(self, request->cb.ar_result, why, why_size);
    s_request_free(request);
    if (result == 0) {
        *host = self->host;
        *hostaddr = self->hostaddr;
    }
    return result;
}
