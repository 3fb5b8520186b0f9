/*  fuzz_request_body.c - a request body as a worker sees it: common/worker.h
    worker_request_data for the REST and the WebSocket channel, then every
    profile-svc validator (profile_validate.h) on the result; and the same
    bytes as an envelope's REST parameters (worker_request_params).

    Bad input must end in a clear ERR_INVALID that says something, never a
    crash or a leak; what validates must be storable (no NUL, valid UTF-8 for
    PostgreSQL text). */
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "profile_validate.h"
#include "utf8.h"
#include "worker.h"

static void
s_check_err(const err_t *err)
{
    if (!err->msg[0] || strnlen(err->msg, sizeof err->msg) == sizeof err->msg)
        abort();
    /* the message goes back to the client inside a JSON reply */
    json_t *text = json_string(err->msg);
    if (!text)
        abort();
    json_decref(text);
}

/*  A stored value must be valid UTF-8 without NUL, as PostgreSQL text needs. */
static void
s_check_changes(const profile_changes_t *changes)
{
    for (int i = 0; i < PROFILE_FIELD_COUNT; i++) {
        const char *value = changes->values[i];
        if (value && !(changes->set & (1u << i)))
            abort();
        if (value) {
            json_t *s = json_string(value); /* NULL when not valid UTF-8 */
            if (!s)
                abort();
            json_decref(s);
        }
    }
}

static void
s_validate(const json_t *data)
{
    profile_changes_t changes = {0};
    err_t err = {0};
    if (profile_validate_create(data, &changes, &err) == 0)
        s_check_changes(&changes);
    else if (changes.set || err.code != ERR_INVALID)
        abort();
    else
        s_check_err(&err);
    profile_changes_reset(&changes);

    memset(&err, 0, sizeof err);
    if (profile_validate_update(data, &changes, &err) == 0)
        s_check_changes(&changes);
    else if (changes.set || err.code != ERR_INVALID)
        abort();
    else
        s_check_err(&err);
    profile_changes_reset(&changes);

    profile_search_t search;
    memset(&err, 0, sizeof err);
    if (profile_validate_search(data, &search, &err) == 0) {
        if (search.limit < 1 || search.limit > PROFILE_SEARCH_MAX_LIMIT || search.offset < 0
            || search.offset > PROFILE_SEARCH_MAX_OFFSET
            || !(search.min_rating >= 0 && search.min_rating <= 5)
            || (search.search && utf8_length(search.search) > PROFILE_SEARCH_MAX_CHARS))
            abort();
    }
    else {
        s_check_err(&err);
    }

    int64_t profile_id = -1;
    memset(&err, 0, sizeof err);
    if (profile_validate_profile_id(data, &profile_id, &err) == 0) {
        if (profile_id < 0)
            abort();
    }
    else {
        s_check_err(&err);
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    const envelope_channel_t channels[] = {CHANNEL_REST, CHANNEL_WEBSOCKET};
    for (size_t i = 0; i < sizeof channels / sizeof channels[0]; i++) {
        err_t err = {0};
        json_t *body = worker_request_data(channels[i], data, size, &err);
        if (!body) {
            if (err.code != ERR_INVALID)
                abort();
            s_check_err(&err);
            continue;
        }
        if (!json_is_object(body))
            abort();
        s_validate(body);
        json_decref(body);
    }
    /* the same bytes as the REST parameters text an envelope carries */
    char *text = malloc(size + 1);
    memcpy(text, data, size);
    text[size] = 0;
    err_t err = {0};
    json_t *params = worker_request_params(text, &err);
    if (params ? !json_is_object(params) : err.code != ERR_INVALID)
        abort();
    if (!params)
        s_check_err(&err);
    json_decref(params);
    free(text);
    return 0;
}
