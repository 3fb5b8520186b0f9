/*  request_fields.c - declared request fields, checked in one place (see
    request_fields.h). */
#include "request_fields.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

/*  Code points in a valid UTF-8 string (jansson guarantees validity). */
static size_t
s_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char) *s & 0xC0) != 0x80;
    return n;
}

/*  Strict decimal integer text: optional '-', digits, nothing else. */
static int
s_int_text(const char *text, int64_t *value)
{
    const char *p = text;
    if (*p == '-')
        p++;
    if (*p < '0' || *p > '9')
        return -1;
    for (; *p; p++)
        if (*p < '0' || *p > '9')
            return -1;
    errno = 0;
    long long v = strtoll(text, NULL, 10);
    if (errno)
        return -1;
    *value = v;
    return 0;
}

static int
s_int_error(const rf_field_t *f, err_t *err)
{
    if (f->max == INT64_MAX)
        return err_set(err, ERR_INVALID, "field '%s' must be an integer of at least %lld", f->name,
                       (long long) f->min);
    return err_set(err, ERR_INVALID, "field '%s' must be an integer from %lld to %lld", f->name,
                   (long long) f->min, (long long) f->max);
}

static int
s_check_int(const rf_field_t *f, int64_t v, err_t *err)
{
    return v < f->min || v > f->max ? s_int_error(f, err) : 0;
}

static int
s_check_string(const rf_field_t *f, const char *s, err_t *err)
{
    size_t n = f->kind == RF_DECIMAL ? strlen(s) : s_chars(s);
    if (f->kind == RF_DECIMAL) {
        if (n == 0 || (int64_t) n > f->max)
            return err_set(err, ERR_INVALID, "field '%s' must be a decimal string like \"12.50\"", f->name);
        return 0;
    }
    if ((int64_t) n < f->min || (int64_t) n > f->max) {
        if (f->min == f->max)
            return err_set(err, ERR_INVALID, "field '%s' must be %lld characters", f->name,
                           (long long) f->min);
        return err_set(err, ERR_INVALID, "field '%s' must be %lld to %lld characters", f->name,
                       (long long) f->min, (long long) f->max);
    }
    return 0;
}

/*  One JSON value (from a body or WebSocket data). */
static int
s_from_json(const rf_field_t *f, const json_t *v, rf_value_t *out, err_t *err)
{
    switch (f->kind) {
    case RF_INT:
        if (!json_is_integer(v))
            return s_int_error(f, err);
        out->i = json_integer_value(v);
        return s_check_int(f, out->i, err);
    case RF_BOOL:
        if (!json_is_boolean(v))
            return err_set(err, ERR_INVALID, "field '%s' must be true or false", f->name);
        out->b = json_is_true(v);
        return 0;
    case RF_DECIMAL:
        if (!json_is_string(v))
            return err_set(err, ERR_INVALID,
                           "field '%s' must be a decimal string like \"12.50\", not a number", f->name);
        out->s = json_string_value(v);
        return s_check_string(f, out->s, err);
    case RF_STRING:
        if (!json_is_string(v))
            return err_set(err, ERR_INVALID, "field '%s' must be a string", f->name);
        out->s = json_string_value(v);
        return s_check_string(f, out->s, err);
    case RF_OBJECT:
        if (!json_is_object(v))
            return err_set(err, ERR_INVALID, "field '%s' must be a JSON object", f->name);
        out->json = v;
        return 0;
    case RF_INT_ARRAY: {
        int max_count = f->max_count > RF_MAX_ITEMS ? RF_MAX_ITEMS : f->max_count;
        if (!json_is_array(v) || (int) json_array_size(v) < f->min_count
            || (int) json_array_size(v) > max_count)
            return err_set(err, ERR_INVALID, "field '%s' must be an array of %d to %d ids", f->name,
                           f->min_count, max_count);
        size_t i;
        const json_t *item;
        json_array_foreach(v, i, item)
        {
            if (!json_is_integer(item) || json_integer_value(item) < f->min
                || json_integer_value(item) > f->max)
                return err_set(err, ERR_INVALID, "field '%s' must contain integers from %lld to %lld",
                               f->name, (long long) f->min, (long long) f->max);
            for (size_t k = 0; k < i; k++)
                if (out->ints[k] == json_integer_value(item))
                    return err_set(err, ERR_INVALID, "field '%s' must not repeat %lld", f->name,
                                   (long long) json_integer_value(item));
            out->ints[i] = json_integer_value(item);
        }
        out->count = (int) json_array_size(v);
        out->json = v;
        return 0;
    }
    case RF_STRINGS: {
        int max_count = f->max_count > RF_MAX_ITEMS ? RF_MAX_ITEMS : f->max_count;
        if (json_is_string(v)) {
            out->strings[0] = out->s = json_string_value(v);
            out->count = 1;
            return 0;
        }
        if (!json_is_array(v) || json_array_size(v) == 0 || (int) json_array_size(v) > max_count)
            return err_set(err, ERR_INVALID, "field '%s' must be a string or an array of 1 to %d strings",
                           f->name, max_count);
        size_t i;
        const json_t *item;
        json_array_foreach(v, i, item)
        {
            if (!json_is_string(item))
                return err_set(err, ERR_INVALID, "field '%s' must contain strings only", f->name);
            out->strings[i] = json_string_value(item);
        }
        out->s = out->strings[0];
        out->count = (int) json_array_size(v);
        out->json = v;
        return 0;
    }
    }
    return err_set(err, ERR_INTERNAL, "unknown field kind");
}

/*  One text value (a REST query or path parameter). */
static int
s_from_text(const rf_field_t *f, const char *text, rf_value_t *out, err_t *err)
{
    switch (f->kind) {
    case RF_INT:
        if (s_int_text(text, &out->i) != 0)
            return s_int_error(f, err);
        return s_check_int(f, out->i, err);
    case RF_BOOL:
        if (strcmp(text, "true") == 0)
            out->b = true;
        else if (strcmp(text, "false") == 0)
            out->b = false;
        else
            return err_set(err, ERR_INVALID, "field '%s' must be true or false", f->name);
        return 0;
    case RF_STRING:
    case RF_DECIMAL:
        out->s = text;
        return s_check_string(f, text, err);
    case RF_STRINGS: {
        int max_count = f->max_count > RF_MAX_ITEMS ? RF_MAX_ITEMS : f->max_count;
        size_t len = strlen(text);
        if (len == 0 || len >= sizeof out->split)
            return err_set(err, ERR_INVALID, "field '%s' must be one or more comma-separated values",
                           f->name);
        memcpy(out->split, text, len + 1);
        out->count = 0;
        for (char *p = out->split, *next; p; p = next) {
            next = strchr(p, ',');
            if (next)
                *next++ = 0;
            if (!*p || out->count == max_count)
                return err_set(err, ERR_INVALID, "field '%s' must be 1 to %d comma-separated values", f->name,
                               max_count);
            out->strings[out->count++] = p;
        }
        out->s = out->strings[0];
        return 0;
    }
    case RF_OBJECT:
    case RF_INT_ARRAY:
        return err_set(err, ERR_INVALID, "field '%s' must be sent in the JSON body", f->name);
    }
    return err_set(err, ERR_INTERNAL, "unknown field kind");
}

int
request_fields_parse_from(const json_t *data, const json_t *params, bool rest, const rf_field_t *fields,
                          size_t count, rf_value_t *values, err_t *err)
{
    /* a body key nobody declared is a mistake the caller must hear about */
    const char *key;
    const json_t *unused;
    json_object_foreach((json_t *) data, key, unused)
    {
        size_t i = 0;
        while (i < count && !(strcmp(fields[i].name, key) == 0 && !(rest && (fields[i].flags & RF_PATH))))
            i++;
        if (i == count)
            return err_set(err, ERR_INVALID, "unknown field '%s'", key);
    }
    for (size_t i = 0; i < count; i++) {
        const rf_field_t *f = &fields[i];
        rf_value_t *out = &values[i];
        memset(out, 0, sizeof *out);
        out->i = f->default_int;
        const json_t *v = NULL;
        const char *text = NULL;
        if (rest && (f->flags & RF_PATH))
            text = json_string_value(json_object_get(params, f->param ? f->param : f->name));
        else {
            v = json_object_get(data, f->name);
            if ((!v || json_is_null(v)) && rest)
                text = json_string_value(json_object_get(params, f->name));
        }
        int rc = 0;
        if (v && !json_is_null(v))
            rc = s_from_json(f, v, out, err);
        else if (text)
            rc = s_from_text(f, text, out, err);
        else if (f->flags & RF_REQUIRED)
            return err_set(err, ERR_INVALID, "field '%s' is required", f->name);
        else
            continue;
        if (rc != 0)
            return -1;
        out->present = true;
    }
    return 0;
}

int
request_fields_parse(const worker_request_t *req, const rf_field_t *fields, size_t count, rf_value_t *values,
                     err_t *err)
{
    return request_fields_parse_from(req->data, req->params, req->channel == CHANNEL_REST, fields, count,
                                     values, err);
}
