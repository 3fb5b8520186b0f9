/*  int_text.h - strict decimal integers from text (REST path and query
    parameters, command-line arguments). "10abc", " 5", "+5", "0x10", ""
    and out-of-range values are refused rather than read with atoi's
    forgiveness: a caller who mistypes a number must hear about it. */
#ifndef P2P_INT_TEXT_H
#define P2P_INT_TEXT_H

#include <stdint.h>

/*  An optional '-' then one or more ASCII digits, nothing else, within
    int64_t. Returns 0 and fills *value, or -1 (*value untouched). */
int int_text_parse(const char *text, int64_t *value);

/*  int_text_parse, and min <= value <= max. Returns 0 and fills *value, or -1. */
int int_text_parse_range(const char *text, int64_t min, int64_t max, int64_t *value);

#endif
