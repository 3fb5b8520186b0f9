/*  fuzz_auth.c - gateway/auth.h on arbitrary Authorization headers and tokens.

    The first byte picks a mode:
      even: the rest is an Authorization header value: auth_bearer_token, then
            auth_verify on what it returns (and on the raw bytes as a ?token=);
      odd:  the rest is a claims object that the harness signs with the key
            (libjwt's encoder), so the fuzzer reaches the claim checks behind
            the signature, which random bytes never would.
    A verified identity must hold a non-empty, NUL-terminated user id. */
#include <jwt.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

#define S_KEY "fuzz-secret-0123456789-abcdefghijklmnopqrstuvwxyz"
#define S_NOW 1700000000L

static auth_t *s_auth;

static void
s_verify(const char *token, size_t len)
{
    auth_identity_t id;
    err_t err = {0};
    if (auth_verify(s_auth, token, len, S_NOW, &id, &err) == 0) {
        size_t n = strnlen(id.user_id, sizeof id.user_id);
        if (n == 0 || n == sizeof id.user_id)
            abort();
    }
    else if (!err.msg[0] || (err.code != ERR_UNAUTHORIZED && err.code != ERR_INTERNAL)) {
        abort();
    }
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!s_auth && !(s_auth = auth_new(S_KEY)))
        abort();
    if (size == 0)
        return 0;
    char *text = malloc(size); /* size - 1 bytes plus a NUL */
    memcpy(text, data + 1, size - 1);
    text[size - 1] = 0;
    if ((data[0] & 1) == 0) {
        size_t len = 0;
        const char *token = auth_bearer_token(text, &len);
        if (token) {
            if (token < text || len == 0 || token + len > text + strlen(text))
                abort();
            s_verify(token, len);
        }
        s_verify((const char *) data + 1, size - 1);
    }
    else {
        jwt_t *jwt = NULL;
        char *token = NULL;
        if (jwt_new(&jwt) == 0 && jwt_add_grants_json(jwt, text) == 0
            && jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *) S_KEY, (int) strlen(S_KEY)) == 0)
            token = jwt_encode_str(jwt);
        if (token)
            s_verify(token, strlen(token));
        free(token); /* jwt_encode_str mallocs; 1.10.2 has no jwt_free_str */
        jwt_free(jwt);
    }
    free(text);
    return 0;
}
