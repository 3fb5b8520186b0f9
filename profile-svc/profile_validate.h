/*  profile_validate.h - the contract's validation of profile request bodies
    (create, update, get/stats, search), the same on REST and WebSocket.

    Every failure is ERR_INVALID with a message that names the field. Pure
    functions over jansson values: no SQL, no I/O. */
#ifndef P2P_PROFILE_VALIDATE_H
#define P2P_PROFILE_VALIDATE_H

#include <jansson.h>
#include <stdbool.h>
#include <stdint.h>

#include "err.h"
#include "tristate.h"

/*  The fields a user may set. X(enum, JSON name) */
#define PROFILE_FIELD_LIST(X)                                               \
    X(PROFILE_FIELD_USERNAME, "username")                                   \
    X(PROFILE_FIELD_PHONE_NUMBER, "phone_number")                           \
    X(PROFILE_FIELD_EMAIL, "email")                                         \
    X(PROFILE_FIELD_PROFILE_PICTURE_URL, "profile_picture_url")             \
    X(PROFILE_FIELD_PREFERRED_CURRENCY, "preferred_currency")               \
    X(PROFILE_FIELD_PREFERRED_PAYMENT_METHODS, "preferred_payment_methods") \
    X(PROFILE_FIELD_AUTO_REPLY_MESSAGE, "auto_reply_message")

typedef enum {
#define X(name, json) name,
    PROFILE_FIELD_LIST(X)
#undef X
        PROFILE_FIELD_COUNT
} profile_field_t;

/*  Validated changes. A field is present when its bit (1u << field) is in
    set; its value is the text to store (preferred_payment_methods as JSON
    array text), or NULL to clear it. Values are owned: profile_changes_reset
    frees them. Start from a zeroed struct. */
typedef struct {
    unsigned set;
    char *values[PROFILE_FIELD_COUNT];
} profile_changes_t;

/*  Free the values and zero the struct. NULL-safe. */
void profile_changes_reset(profile_changes_t *self);

/*  JSON name of field. Static. */
const char *profile_field_name(profile_field_t field);

/*  Validate a profile.create body: the settable fields (null or absent: not
    set) plus has_consent, which must be true. Field errors come before the
    consent error. Returns 0 and fills changes, or -1 with err (changes is
    then empty). */
int profile_validate_create(const json_t *data, profile_changes_t *changes, err_t *err);

/*  Validate a profile.update / PUT body: settable fields only; null clears a
    field. Returns 0 and fills changes (set == 0 for an empty body), or -1 with
    err (changes is then empty). */
int profile_validate_update(const json_t *data, profile_changes_t *changes, err_t *err);

/*  Validate a profile.get / profile.stats body: {} or {"profile_id": n > 0}
    (null means the caller's own). *profile_id is 0 for "my own". */
int profile_validate_profile_id(const json_t *data, int64_t *profile_id, err_t *err);

/*  profile.search filters. search is borrowed from the request body. */
typedef struct {
    const char *search; /* NULL or "": no text filter */
    tristate_t is_verified;
    tristate_t is_merchant;
    double min_rating; /* 0..5; 0 means no filter */
    int limit;         /* 1..100, default 20 */
    int offset;        /* 0..10000, default 0 */
} profile_search_t;

#define PROFILE_SEARCH_MAX_CHARS 100
#define PROFILE_SEARCH_DEFAULT_LIMIT 20
#define PROFILE_SEARCH_MAX_LIMIT 100
#define PROFILE_SEARCH_MAX_OFFSET 10000

/*  Matches are counted up to this many past the requested offset (search text
    shorter than 3 characters: up to one past the page). */
#define PROFILE_SEARCH_COUNT_AHEAD 1000

/*  Validate a profile.search body into filters (defaults for absent or null
    fields). Returns 0, or -1 with err naming the field. */
int profile_validate_search(const json_t *data, profile_search_t *search, err_t *err);

#endif
