/*  profile_validate.c - request bodies against the contract's rules
    (/work/shared/CONTRACT.md "Validation"). Each settable field has one
    checker in a table; bodies are walked key by key so the first bad key is
    the one the error names. An empty string clears an optional field just
    like null does (forms send ""); username is the exception: "" is not a
    username. */
#include "profile_validate.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "utf8.h"

#define S_USERNAME_MIN 3
#define S_USERNAME_MAX 30
#define S_EMAIL_MAX 255
#define S_PHONE_MIN_DIGITS 7
#define S_PHONE_MAX_DIGITS 15
#define S_CURRENCY_MIN 3
#define S_CURRENCY_MAX 10
#define S_PAYMENT_METHODS_MAX 20
#define S_AUTO_REPLY_MAX 500
#define S_PICTURE_URL_MAX 500

/*  Fields that exist but only the system or an admin may change. */
static const char *s_protected[] = {
    "id",
    "user_id",
    "total_trades",
    "completed_trades",
    "cancelled_trades",
    "avg_rating",
    "total_reviews",
    "is_verified",
    "is_merchant",
    "is_suspended",
    "suspension_reason",
    "suspended_until",
    "has_consent",
    "consented_at",
    "metadata",
    "last_active_at",
    "joined_at",
    "created_at",
    "updated_at",
};

static const char *s_field_names[] = {
#define X(name, json) [name] = json,
    PROFILE_FIELD_LIST(X)
#undef X
};

const char *
profile_field_name(profile_field_t field)
{
    return (unsigned) field < PROFILE_FIELD_COUNT ? s_field_names[field] : "?";
}

void
profile_changes_reset(profile_changes_t *self)
{
    if (!self)
        return;
    for (int i = 0; i < PROFILE_FIELD_COUNT; i++)
        free(self->values[i]);
    memset(self, 0, sizeof *self);
}

/*  The string value of a field, or NULL with err when it is not a string or
    holds U+0000 (PostgreSQL text cannot store it). */
static const char *
s_string(const json_t *value, const char *field, err_t *err)
{
    if (!json_is_string(value)) {
        err_set(err, ERR_INVALID, "field '%s' must be a string", field);
        return NULL;
    }
    const char *text = json_string_value(value);
    if (strlen(text) != json_string_length(value)) {
        err_set(err, ERR_INVALID, "field '%s' must not contain NUL characters", field);
        return NULL;
    }
    return text;
}

static bool
s_has_space_or_control(const char *s)
{
    for (; *s; s++)
        if ((unsigned char) *s <= 0x20 || *s == 0x7f)
            return true;
    return false;
}

/*  Field checkers: text is a non-empty string without NUL. Return 0 or -1
    with err. */
typedef int(s_check_fn)(const char *text, const char *field, err_t *err);

static int
s_check_username(const char *text, const char *field, err_t *err)
{
    size_t len = strlen(text);
    bool ok = len >= S_USERNAME_MIN && len <= S_USERNAME_MAX;
    for (const char *p = text; ok && *p; p++)
        ok = (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') || *p == '_';
    if (!ok)
        return err_set(err, ERR_INVALID,
                       "field '%s' must be %d-%d characters of letters, digits and underscores", field,
                       S_USERNAME_MIN, S_USERNAME_MAX);
    return 0;
}

static int
s_check_phone(const char *text, const char *field, err_t *err)
{
    size_t digits = 0;
    bool ok = text[0] == '+';
    for (const char *p = text + 1; ok && *p; p++, digits++)
        ok = *p >= '0' && *p <= '9';
    if (!ok || digits < S_PHONE_MIN_DIGITS || digits > S_PHONE_MAX_DIGITS)
        return err_set(err, ERR_INVALID, "field '%s' must be in E.164 format: '+' then %d-%d digits", field,
                       S_PHONE_MIN_DIGITS, S_PHONE_MAX_DIGITS);
    return 0;
}

static int
s_check_email(const char *text, const char *field, err_t *err)
{
    if (utf8_length(text) > S_EMAIL_MAX)
        return err_set(err, ERR_INVALID, "field '%s' must be at most %d characters", field, S_EMAIL_MAX);
    const char *at = strchr(text, '@');
    bool ok = at && at != text && !strchr(at + 1, '@') && !s_has_space_or_control(text);
    if (ok) {
        /* a dot inside the domain, not at either end of it */
        const char *domain = at + 1;
        size_t len = strlen(domain);
        const char *dot = strchr(domain, '.');
        ok = len >= 3 && dot && domain[0] != '.' && domain[len - 1] != '.';
    }
    if (!ok)
        return err_set(err, ERR_INVALID, "field '%s' must be a valid email address", field);
    return 0;
}

static int
s_check_picture_url(const char *text, const char *field, err_t *err)
{
    if (utf8_length(text) > S_PICTURE_URL_MAX)
        return err_set(err, ERR_INVALID, "field '%s' must be at most %d characters", field,
                       S_PICTURE_URL_MAX);
    size_t scheme = strncasecmp(text, "https://", 8) == 0 ? 8 : strncasecmp(text, "http://", 7) == 0 ? 7 : 0;
    if (!scheme || !text[scheme] || s_has_space_or_control(text))
        return err_set(err, ERR_INVALID, "field '%s' must be an http:// or https:// URL", field);
    return 0;
}

static int
s_check_currency(const char *text, const char *field, err_t *err)
{
    size_t len = strlen(text);
    bool ok = len >= S_CURRENCY_MIN && len <= S_CURRENCY_MAX;
    for (const char *p = text; ok && *p; p++)
        ok = *p >= 'A' && *p <= 'Z';
    if (!ok)
        return err_set(err, ERR_INVALID, "field '%s' must be %d-%d uppercase letters", field, S_CURRENCY_MIN,
                       S_CURRENCY_MAX);
    return 0;
}

static int
s_check_auto_reply(const char *text, const char *field, err_t *err)
{
    if (utf8_length(text) > S_AUTO_REPLY_MAX)
        return err_set(err, ERR_INVALID, "field '%s' must be at most %d characters", field, S_AUTO_REPLY_MAX);
    return 0;
}

/*  preferred_payment_methods: the stored text (compact JSON array), or NULL
    with err. */
static char *
s_payment_methods(const json_t *value, const char *field, err_t *err)
{
    if (!json_is_array(value)) {
        err_set(err, ERR_INVALID, "field '%s' must be an array of payment method ids", field);
        return NULL;
    }
    size_t n = json_array_size(value);
    if (n > S_PAYMENT_METHODS_MAX) {
        err_set(err, ERR_INVALID, "field '%s' must have at most %d entries", field, S_PAYMENT_METHODS_MAX);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        const json_t *item = json_array_get(value, i);
        if (!json_is_integer(item) || json_integer_value(item) <= 0) {
            err_set(err, ERR_INVALID, "field '%s' must contain positive integers only", field);
            return NULL;
        }
        for (size_t j = 0; j < i; j++)
            if (json_integer_value(json_array_get(value, j)) == json_integer_value(item)) {
                err_set(err, ERR_INVALID, "field '%s' must not repeat an id (%lld)", field,
                        (long long) json_integer_value(item));
                return NULL;
            }
    }
    char *text = json_dumps(value, JSON_COMPACT);
    if (!text)
        err_set(err, ERR_INTERNAL, "out of memory");
    return text;
}

/*  String checkers by field; payment methods are handled apart. */
static s_check_fn *const s_checks[PROFILE_FIELD_COUNT] = {
    [PROFILE_FIELD_USERNAME] = s_check_username,
    [PROFILE_FIELD_PHONE_NUMBER] = s_check_phone,
    [PROFILE_FIELD_EMAIL] = s_check_email,
    [PROFILE_FIELD_PROFILE_PICTURE_URL] = s_check_picture_url,
    [PROFILE_FIELD_PREFERRED_CURRENCY] = s_check_currency,
    [PROFILE_FIELD_AUTO_REPLY_MESSAGE] = s_check_auto_reply,
};

static int
s_field_from_name(const char *name)
{
    for (int i = 0; i < PROFILE_FIELD_COUNT; i++)
        if (strcmp(s_field_names[i], name) == 0)
            return i;
    return -1;
}

static bool
s_is_protected(const char *name)
{
    for (size_t i = 0; i < sizeof s_protected / sizeof s_protected[0]; i++)
        if (strcmp(s_protected[i], name) == 0)
            return true;
    return false;
}

/*  Validate one settable field into changes. */
static int
s_set_field(profile_changes_t *changes, profile_field_t field, const json_t *value, err_t *err)
{
    const char *name = s_field_names[field];
    char *stored = NULL;
    if (json_is_null(value)) {
        /* clear */
    }
    else if (field == PROFILE_FIELD_PREFERRED_PAYMENT_METHODS) {
        if (!(stored = s_payment_methods(value, name, err)))
            return -1;
    }
    else {
        const char *text = s_string(value, name, err);
        if (!text)
            return -1;
        if (*text || field == PROFILE_FIELD_USERNAME) {
            if (s_checks[field](text, name, err) != 0)
                return -1;
            if (!(stored = strdup(text)))
                return err_set(err, ERR_INTERNAL, "out of memory");
        }
    }
    free(changes->values[field]);
    changes->values[field] = stored;
    changes->set |= 1u << field;
    return 0;
}

static int
s_require_object(const json_t *data, err_t *err)
{
    if (!json_is_object(data))
        return err_set(err, ERR_INVALID, "field 'data' must be a JSON object");
    return 0;
}

/*  Walk a create/update body. consent: NULL on update (has_consent is then
    protected), else receives has_consent (false when absent). */
static int
s_validate_changes(const json_t *data, profile_changes_t *changes, bool *consent, err_t *err)
{
    memset(changes, 0, sizeof *changes);
    if (s_require_object(data, err) != 0)
        return -1;
    const char *key;
    json_t *value;
    json_object_foreach((json_t *) data, key, value)
    {
        int field = s_field_from_name(key);
        if (field >= 0) {
            if (s_set_field(changes, (profile_field_t) field, value, err) != 0)
                goto fail;
        }
        else if (consent && strcmp(key, "has_consent") == 0) {
            if (!json_is_boolean(value)) {
                err_set(err, ERR_INVALID, "field 'has_consent' must be true or false");
                goto fail;
            }
            *consent = json_is_true(value);
        }
        else if (s_is_protected(key)) {
            err_set(err, ERR_INVALID, "field '%s' cannot be set", key);
            goto fail;
        }
        else {
            err_set(err, ERR_INVALID, "unknown field '%s'", key);
            goto fail;
        }
    }
    return 0;
fail:
    profile_changes_reset(changes);
    return -1;
}

int
profile_validate_create(const json_t *data, profile_changes_t *changes, err_t *err)
{
    bool consent = false;
    if (s_validate_changes(data, changes, &consent, err) != 0)
        return -1;
    if (!consent) {
        profile_changes_reset(changes);
        return err_set(err, ERR_INVALID, "You must accept the terms and conditions to create a P2P profile");
    }
    return 0;
}

int
profile_validate_update(const json_t *data, profile_changes_t *changes, err_t *err)
{
    return s_validate_changes(data, changes, NULL, err);
}

int
profile_validate_profile_id(const json_t *data, int64_t *profile_id, err_t *err)
{
    *profile_id = 0;
    if (s_require_object(data, err) != 0)
        return -1;
    const char *key;
    json_t *value;
    json_object_foreach((json_t *) data, key, value)
    {
        if (strcmp(key, "profile_id") != 0)
            return err_set(err, ERR_INVALID, "unknown field '%s'", key);
        if (json_is_null(value))
            continue;
        if (!json_is_integer(value) || json_integer_value(value) <= 0)
            return err_set(err, ERR_INVALID, "field 'profile_id' must be a positive integer");
        *profile_id = json_integer_value(value);
    }
    return 0;
}

/*  An optional integer in [min, max] into *out. */
static int
s_int_in_range(const json_t *value, const char *field, int min, int max, int *out, err_t *err)
{
    if (json_is_null(value))
        return 0;
    if (!json_is_integer(value) || json_integer_value(value) < min || json_integer_value(value) > max)
        return err_set(err, ERR_INVALID, "field '%s' must be an integer from %d to %d", field, min, max);
    *out = (int) json_integer_value(value);
    return 0;
}

int
profile_validate_search(const json_t *data, profile_search_t *search, err_t *err)
{
    *search = (profile_search_t){
        .search = NULL,
        .is_verified = TRISTATE_ANY,
        .is_merchant = TRISTATE_ANY,
        .min_rating = 0,
        .limit = PROFILE_SEARCH_DEFAULT_LIMIT,
        .offset = 0,
    };
    if (s_require_object(data, err) != 0)
        return -1;
    const char *key;
    json_t *value;
    json_object_foreach((json_t *) data, key, value)
    {
        int rc = 0;
        if (strcmp(key, "search") == 0) {
            if (json_is_null(value))
                continue;
            const char *text = s_string(value, key, err);
            if (!text)
                return -1;
            if (utf8_length(text) > PROFILE_SEARCH_MAX_CHARS)
                return err_set(err, ERR_INVALID, "field 'search' must be at most %d characters",
                               PROFILE_SEARCH_MAX_CHARS);
            search->search = *text ? text : NULL;
        }
        else if (strcmp(key, "is_verified") == 0) {
            rc = tristate_from_json(value, key, &search->is_verified, err);
        }
        else if (strcmp(key, "is_merchant") == 0) {
            rc = tristate_from_json(value, key, &search->is_merchant, err);
        }
        else if (strcmp(key, "min_rating") == 0) {
            if (json_is_null(value))
                continue;
            if (!json_is_number(value) || json_number_value(value) < 0 || json_number_value(value) > 5)
                return err_set(err, ERR_INVALID, "field 'min_rating' must be a number from 0 to 5");
            search->min_rating = json_number_value(value);
        }
        else if (strcmp(key, "limit") == 0) {
            rc = s_int_in_range(value, key, 1, PROFILE_SEARCH_MAX_LIMIT, &search->limit, err);
        }
        else if (strcmp(key, "offset") == 0) {
            rc = s_int_in_range(value, key, 0, PROFILE_SEARCH_MAX_OFFSET, &search->offset, err);
        }
        else {
            return err_set(err, ERR_INVALID, "unknown field '%s'", key);
        }
        if (rc != 0)
            return -1;
    }
    return 0;
}
