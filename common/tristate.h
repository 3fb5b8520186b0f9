/*  tristate.h - yes / no / either filters (is_verified, is_suspended, ...):
    read from a JSON body or a REST query parameter, and handed to SQL as the
    boolean[] of allowed values, so one prepared statement serves all three
    ("col = ANY($n::boolean[])"). */
#ifndef P2P_TRISTATE_H
#define P2P_TRISTATE_H

#include <jansson.h>

#include "err.h"

typedef enum {
    TRISTATE_ANY = -1, /* no filter */
    TRISTATE_FALSE = 0,
    TRISTATE_TRUE = 1,
} tristate_t;

/*  A body field: JSON true / false, or null (left as it is). Returns 0, or
    -1 with err ERR_INVALID "field '<field>' must be true or false". */
int tristate_from_json(const json_t *value, const char *field, tristate_t *out, err_t *err);

/*  A REST parameter: "true" or "false" exactly; NULL or "" leaves *out as it
    is. Returns 0, or -1 with err ERR_INVALID "parameter '<name>' must be
    'true' or 'false'". */
int tristate_from_text(const char *text, const char *name, tristate_t *out, err_t *err);

/*  The boolean[] literal of the allowed values: "{t,f}", "{t}" or "{f}". Static. */
const char *tristate_sql_array(tristate_t value);

#endif
