/*  rfc3339.c - RFC 3339 date-times (see rfc3339.h). */
#include "rfc3339.h"

#include <stdbool.h>
#include <stdio.h>
#include <time.h>

/*  Exactly n digits at *p, advancing it. -1 when not. */
static int
s_digits(const char **p, int n)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -1;
        v = v * 10 + (**p - '0');
    }
    return v;
}

/*  Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's
    days_from_civil): timegm() would depend on the C library's range. */
static int64_t
s_days_from_civil(int64_t y, int m, int d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    int64_t yoe = y - era * 400;
    int64_t doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
    int64_t doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + doe - 719468;
}

static int
s_days_in_month(int year, int month)
{
    static const int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : days[month - 1];
}

int
rfc3339_parse(const char *text, int64_t *unix_ms)
{
    if (!text)
        return -1;
    const char *p = text;
    int year = s_digits(&p, 4);
    if (year < 1 || *p++ != '-')
        return -1;
    int month = s_digits(&p, 2);
    if (month < 1 || month > 12 || *p++ != '-')
        return -1;
    int day = s_digits(&p, 2);
    if (day < 1 || day > s_days_in_month(year, month))
        return -1;
    if (*p != 'T' && *p != 't' && *p != ' ')
        return -1;
    p++;
    int hour = s_digits(&p, 2);
    if (hour < 0 || hour > 23 || *p++ != ':')
        return -1;
    int minute = s_digits(&p, 2);
    if (minute < 0 || minute > 59 || *p++ != ':')
        return -1;
    int second = s_digits(&p, 2);
    if (second < 0 || second > 59) /* leap seconds (60) are not representable downstream */
        return -1;
    int64_t ms = 0;
    if (*p == '.') {
        p++;
        int n = 0;
        for (; *p >= '0' && *p <= '9'; p++, n++)
            if (n < 3)
                ms = ms * 10 + (*p - '0');
        if (n == 0)
            return -1;
        for (; n < 3; n++)
            ms *= 10;
    }
    int64_t offset_min = 0;
    if (*p == 'Z' || *p == 'z') {
        p++;
    }
    else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1;
        int oh = s_digits(&p, 2);
        if (oh < 0 || oh > 23 || *p++ != ':')
            return -1;
        int om = s_digits(&p, 2);
        if (om < 0 || om > 59)
            return -1;
        offset_min = sign * (oh * 60 + om);
    }
    else {
        return -1;
    }
    if (*p)
        return -1;
    int64_t seconds =
        s_days_from_civil(year, month, day) * 86400 + hour * 3600 + minute * 60 + second - offset_min * 60;
    *unix_ms = seconds * 1000 + ms;
    return 0;
}

void
rfc3339_format_ms(int64_t unix_ms, char *buf, size_t size)
{
    int64_t ms = unix_ms % 1000;
    int64_t seconds = unix_ms / 1000;
    if (ms < 0) {
        ms += 1000;
        seconds -= 1;
    }
    time_t t = (time_t) seconds;
    struct tm tm;
    gmtime_r(&t, &tm);
    snprintf(buf, size, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
             tm.tm_hour, tm.tm_min, tm.tm_sec, (int) ms);
}
