/*  err.c - error codes: one table, looked up by code or by wire string. */
#include "err.h"

#include <stdio.h>
#include <string.h>

static const struct {
    int status;
    const char *wire;
} s_errors[] = {
#define X(name, status, wire) [name] = {status, wire},
    ERR_LIST(X)
#undef X
};

int
err_set(err_t *err, err_code_t code, const char *fmt, ...)
{
    if (err) {
        err->code = code;
        va_list ap;
        va_start(ap, fmt);
        int n = vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
        /* a cut message must stay valid UTF-8 (it is sent inside JSON):
           drop a character the cut went through */
        if (n >= (int) sizeof err->msg) {
            size_t end = sizeof err->msg - 1;
            size_t lead = end;
            while (lead > 0 && ((unsigned char) err->msg[lead - 1] & 0xC0) == 0x80)
                lead--;
            if (lead > 0 && ((unsigned char) err->msg[lead - 1] & 0x80)) {
                unsigned char c = (unsigned char) err->msg[lead - 1];
                size_t want = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : 2;
                if (end - (lead - 1) < want)
                    err->msg[lead - 1] = 0;
            }
        }
    }
    return -1;
}

int
err_http_status(err_code_t code)
{
    return (unsigned) code < ERR_COUNT ? s_errors[code].status : 500;
}

const char *
err_wire_code(err_code_t code)
{
    return (unsigned) code < ERR_COUNT ? s_errors[code].wire : "INTERNAL_ERROR";
}

err_code_t
err_from_wire_code(const char *wire)
{
    for (int i = 0; wire && i < ERR_COUNT; i++)
        if (strcmp(s_errors[i].wire, wire) == 0)
            return (err_code_t) i;
    return ERR_INTERNAL;
}
