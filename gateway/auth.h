/*  auth.h - verifies client JWTs (HS256 only, exp required, nbf honoured) and
    extracts the caller's identity. The only file that includes <jwt.h>. */
#ifndef P2P_AUTH_H
#define P2P_AUTH_H

#include <stdbool.h>
#include <stddef.h>

#include "err.h"

#define AUTH_USER_ID_MAX 255

typedef struct {
    char user_id[AUTH_USER_ID_MAX + 1]; /* the user_id claim, else sub */
    bool is_admin;                      /* role claim == "admin" */
} auth_identity_t;

typedef struct auth auth_t;

/*  New verifier for secret (copied). Returns NULL when secret is empty: with
    an empty key libjwt would accept forged tokens. Caller destroys. */
auth_t *auth_new(const char *secret);

/*  NULL-safe; NULLs *self_p. */
void auth_destroy(auth_t **self_p);

/*  Verify token (len bytes, not necessarily NUL-terminated) at unix time now.
    Returns 0 and fills identity, or -1 with err ERR_UNAUTHORIZED saying why.
    Tokens that verified are remembered (1024 of them): the same token again
    costs a comparison and the exp/nbf check, not the HMAC. */
int auth_verify(auth_t *self, const char *token, size_t len, long now, auth_identity_t *identity, err_t *err);

/*  Mint an HS256 token for user_id (role may be NULL) valid for ttl_s seconds
    from now. For development tooling only. Returns a new string (caller
    frees) or NULL. */
char *auth_mint(const auth_t *self, const char *user_id, const char *role, long ttl_s, long now);

/*  Pull the token out of an "Authorization" header value ("Bearer <jwt>",
    scheme case-insensitive). Returns a pointer into header and sets *len, or
    NULL when the header is not a bearer token. */
const char *auth_bearer_token(const char *header, size_t *len);

#endif
