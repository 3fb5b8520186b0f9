/*  auth.c - JWT verification on libjwt 1.10.2.

    libjwt checks the signature when given the key; everything else (the
    algorithm, exp, nbf, the identity claims) is checked here, on the claims
    as JSON, because 1.10.2 has no claim validation of its own and its integer
    getter cannot tell a missing claim from a zero. */
#include "auth.h"

#include <ctype.h>
#include <stdint.h>
#include <jansson.h>
#include <jwt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/*  Tokens larger than this are refused before any parsing. */
#define AUTH_TOKEN_MAX 8192

/*  Verified tokens, so a REST client that sends the same token with every
    request pays for the HMAC and the claim parsing once. Direct-mapped by a
    hash of the token; a hit needs the whole token to match (compared in
    constant time) and its exp/nbf to hold now. Only valid tokens enter. */
#define AUTH_CACHE_SLOTS 1024

typedef struct {
    char *token; /* owned copy; NULL: empty */
    size_t len;
    double exp;
    double nbf; /* -1 when the token has none */
    auth_identity_t identity;
} s_cached_t;

struct auth {
    unsigned char *key;
    size_t key_len;
    s_cached_t cache[AUTH_CACHE_SLOTS];
};

auth_t *
auth_new(const char *secret)
{
    if (!secret || !*secret)
        return NULL;
    auth_t *self = calloc(1, sizeof *self);
    if (!self)
        return NULL;
    self->key_len = strlen(secret);
    self->key = (unsigned char *) strdup(secret);
    if (!self->key) {
        free(self);
        return NULL;
    }
    return self;
}

void
auth_destroy(auth_t **self_p)
{
    if (self_p && *self_p) {
        for (size_t i = 0; i < AUTH_CACHE_SLOTS; i++)
            free((*self_p)->cache[i].token);
        free((*self_p)->key);
        free(*self_p);
        *self_p = NULL;
    }
}

const char *
auth_bearer_token(const char *header, size_t *len)
{
    if (!header || strncasecmp(header, "Bearer ", 7) != 0)
        return NULL;
    const char *token = header + 7;
    while (*token == ' ')
        token++;
    size_t n = strlen(token);
    while (n && isspace((unsigned char) token[n - 1]))
        n--;
    if (n == 0)
        return NULL;
    *len = n;
    return token;
}

/*  A NumericDate claim: integer or real; -1 when missing, -2 when malformed. */
static double
s_numeric_date(json_t *claims, const char *name)
{
    json_t *value = json_object_get(claims, name);
    if (!value)
        return -1;
    if (!json_is_number(value))
        return -2;
    return json_number_value(value);
}

static int
s_identity(json_t *claims, auth_identity_t *identity, err_t *err)
{
    json_t *id = json_object_get(claims, "user_id");
    if (!id || json_is_null(id))
        id = json_object_get(claims, "sub");
    char buf[32];
    const char *text = NULL;
    size_t len = 0;
    if (json_is_string(id)) {
        text = json_string_value(id);
        len = json_string_length(id);
    }
    else if (json_is_integer(id)) {
        /* numeric user ids are common in upstream auth services */
        len = (size_t) snprintf(buf, sizeof buf, "%lld", (long long) json_integer_value(id));
        text = buf;
    }
    if (!text || len == 0)
        return err_set(err, ERR_UNAUTHORIZED, "token has no user_id or sub claim");
    if (len > AUTH_USER_ID_MAX || memchr(text, 0, len))
        return err_set(err, ERR_UNAUTHORIZED, "token user id is invalid");
    memcpy(identity->user_id, text, len);
    identity->user_id[len] = 0;
    json_t *role = json_object_get(claims, "role");
    identity->is_admin = json_is_string(role) && strcmp(json_string_value(role), "admin") == 0;
    return 0;
}

static s_cached_t *
s_slot(auth_t *self, const char *token, size_t len)
{
    uint64_t hash = 14695981039346656037ull; /* FNV-1a */
    for (size_t i = 0; i < len; i++)
        hash = (hash ^ (unsigned char) token[i]) * 1099511628211ull;
    return &self->cache[hash & (AUTH_CACHE_SLOTS - 1)];
}

/*  Equal in time that depends on the length only: a near miss against a
    cached token must not tell how much of it was right. */
static bool
s_same_token(const s_cached_t *slot, const char *token, size_t len)
{
    if (!slot->token || slot->len != len)
        return false;
    unsigned char diff = 0;
    for (size_t i = 0; i < len; i++)
        diff |= (unsigned char) (slot->token[i] ^ token[i]);
    return diff == 0;
}

static void
s_remember(s_cached_t *slot, const char *token, size_t len, double exp, double nbf,
           const auth_identity_t *identity)
{
    char *copy = malloc(len);
    if (!copy)
        return; /* not cached: the next call verifies again */
    memcpy(copy, token, len);
    free(slot->token);
    *slot = (s_cached_t){.token = copy, .len = len, .exp = exp, .nbf = nbf, .identity = *identity};
}

int
auth_verify(auth_t *self, const char *token, size_t len, long now, auth_identity_t *identity, err_t *err)
{
    memset(identity, 0, sizeof *identity);
    if (!token || len == 0)
        return err_set(err, ERR_UNAUTHORIZED, "missing token");
    if (len > AUTH_TOKEN_MAX || memchr(token, 0, len))
        return err_set(err, ERR_UNAUTHORIZED, "malformed token");
    s_cached_t *slot = s_slot(self, token, len);
    if (s_same_token(slot, token, len) && slot->exp > (double) now && slot->nbf <= (double) now) {
        *identity = slot->identity;
        return 0;
    }
    char *text = strndup(token, len);
    if (!text)
        return err_set(err, ERR_INTERNAL, "out of memory");

    int rc = -1;
    jwt_t *jwt = NULL;
    char *grants = NULL;
    json_t *claims = NULL;
    /* the key is always passed: without it libjwt accepts alg "none" */
    if (jwt_decode(&jwt, text, self->key, (int) self->key_len) != 0 || !jwt) {
        err_set(err, ERR_UNAUTHORIZED, "invalid token");
        goto done;
    }
    if (jwt_get_alg(jwt) != JWT_ALG_HS256) {
        err_set(err, ERR_UNAUTHORIZED, "token algorithm must be HS256");
        goto done;
    }
    grants = jwt_get_grants_json(jwt, NULL);
    claims = grants ? json_loads(grants, 0, NULL) : NULL;
    if (!json_is_object(claims)) {
        err_set(err, ERR_UNAUTHORIZED, "invalid token claims");
        goto done;
    }
    double exp = s_numeric_date(claims, "exp");
    if (exp < 0) {
        err_set(err, ERR_UNAUTHORIZED, exp == -1 ? "token has no exp claim" : "token exp is invalid");
        goto done;
    }
    if (exp <= (double) now) {
        err_set(err, ERR_UNAUTHORIZED, "token expired");
        goto done;
    }
    double nbf = s_numeric_date(claims, "nbf");
    if (nbf == -2 || nbf > (double) now) {
        err_set(err, ERR_UNAUTHORIZED, "token not valid yet");
        goto done;
    }
    rc = s_identity(claims, identity, err);
    if (rc == 0)
        s_remember(slot, token, len, exp, nbf, identity);
done:
    json_decref(claims);
    free(grants);
    jwt_free(jwt);
    free(text);
    return rc;
}

char *
auth_mint(const auth_t *self, const char *user_id, const char *role, long ttl_s, long now)
{
    jwt_t *jwt = NULL;
    char *token = NULL;
    if (jwt_new(&jwt) != 0)
        return NULL;
    if (jwt_add_grant(jwt, "user_id", user_id) == 0 && jwt_add_grant(jwt, "sub", user_id) == 0
        && jwt_add_grant_int(jwt, "iat", now) == 0 && jwt_add_grant_int(jwt, "exp", now + ttl_s) == 0
        && (!role || !*role || jwt_add_grant(jwt, "role", role) == 0)
        && jwt_set_alg(jwt, JWT_ALG_HS256, self->key, (int) self->key_len) == 0)
        token = jwt_encode_str(jwt);
    jwt_free(jwt);
    return token;
}
