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
        vsnprintf(err->msg, sizeof err->msg, fmt, ap);
        va_end(ap);
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
