/*  tristate.c - yes / no / either filters (see tristate.h). */
#include "tristate.h"

#include <string.h>

int
tristate_from_json(const json_t *value, const char *field, tristate_t *out, err_t *err)
{
    if (!value || json_is_null(value))
        return 0;
    if (!json_is_boolean(value))
        return err_set(err, ERR_INVALID, "field '%s' must be true or false", field);
    *out = json_is_true(value) ? TRISTATE_TRUE : TRISTATE_FALSE;
    return 0;
}

int
tristate_from_text(const char *text, const char *name, tristate_t *out, err_t *err)
{
    if (!text || !*text)
        return 0;
    if (strcmp(text, "true") == 0)
        *out = TRISTATE_TRUE;
    else if (strcmp(text, "false") == 0)
        *out = TRISTATE_FALSE;
    else
        return err_set(err, ERR_INVALID, "parameter '%s' must be 'true' or 'false'", name);
    return 0;
}

const char *
tristate_sql_array(tristate_t value)
{
    switch (value) {
    case TRISTATE_TRUE:
        return "{t}";
    case TRISTATE_FALSE:
        return "{f}";
    case TRISTATE_ANY:
        break;
    }
    return "{t,f}";
}
