/*  rfc3339.h - RFC 3339 date-times: strict parsing of what clients and
    operators send (e.g. a suspension's "until"), and the one UTC form we
    hand to PostgreSQL. Pure functions on Unix milliseconds; parsing does not
    depend on the process's time zone or on timegm's range. */
#ifndef P2P_RFC3339_H
#define P2P_RFC3339_H

#include <stddef.h>
#include <stdint.h>

/*  Room for "YYYY-MM-DDTHH:MM:SS.mmmZ" and its NUL. */
#define RFC3339_TEXT_MAX 32

/*  An RFC 3339 date-time: YYYY-MM-DD, 'T', 't' or ' ', HH:MM:SS, an optional
    fraction (digits past milliseconds are dropped), then 'Z', 'z' or
    +HH:MM / -HH:MM. Real calendar dates only (leap years counted); no leap
    second (60). Returns 0 and fills *unix_ms, or -1. */
int rfc3339_parse(const char *text, int64_t *unix_ms);

/*  unix_ms as "YYYY-MM-DDTHH:MM:SS.mmmZ" into buf (size >= RFC3339_TEXT_MAX). */
void rfc3339_format_ms(int64_t unix_ms, char *buf, size_t size);

#endif
