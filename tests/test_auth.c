/*  test_auth.c - gateway/auth.h: which JWTs are accepted and what identity
    they yield. Tokens are minted here with libjwt, or by hand for the shapes
    libjwt will not produce (alg "none", tampered payloads). */
#include <criterion/criterion.h>
#include <jwt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "auth.h"

#define SECRET "test-secret-that-is-at-least-32-bytes-long"
#define NOW 1700000000L

static auth_t *s_auth;

static void
s_setup(void)
{
    s_auth = auth_new(SECRET);
    cr_assert_not_null(s_auth);
}

static void
s_teardown(void)
{
    auth_destroy(&s_auth);
    cr_assert_null(s_auth);
}

TestSuite(auth, .init = s_setup, .fini = s_teardown);

/*  A token signed with alg/key carrying the claims in grants (a JSON object
    text). Caller frees. */
static char *
s_mint(jwt_alg_t alg, const char *key, const char *grants)
{
    jwt_t *jwt = NULL;
    cr_assert_eq(jwt_new(&jwt), 0);
    cr_assert_eq(jwt_set_alg(jwt, alg, (const unsigned char *) key, (int) strlen(key)), 0);
    if (grants && *grants)
        cr_assert_eq(jwt_add_grants_json(jwt, grants), 0, "bad grants %s", grants);
    char *token = jwt_encode_str(jwt);
    cr_assert_not_null(token);
    jwt_free(jwt);
    return token;
}

/*  HS256 with the right key. */
static char *
s_token(const char *grants)
{
    return s_mint(JWT_ALG_HS256, SECRET, grants);
}

static char *
s_b64url(const char *data)
{
    static const char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t len = strlen(data);
    char *out = malloc(len * 4 / 3 + 4);
    cr_assert_not_null(out);
    size_t o = 0;
    const unsigned char *in = (const unsigned char *) data;
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = in[i] << 16;
        if (i + 1 < len)
            v |= in[i + 1] << 8;
        if (i + 2 < len)
            v |= in[i + 2];
        out[o++] = alphabet[(v >> 18) & 63];
        out[o++] = alphabet[(v >> 12) & 63];
        if (i + 1 < len)
            out[o++] = alphabet[(v >> 6) & 63];
        if (i + 2 < len)
            out[o++] = alphabet[v & 63];
    }
    out[o] = 0;
    return out;
}

/*  header.payload.signature from plain JSON texts (signature as given). */
static char *
s_hand_token(const char *header, const char *payload, const char *signature)
{
    char *h = s_b64url(header);
    char *p = s_b64url(payload);
    char *token = NULL;
    cr_assert_neq(asprintf(&token, "%s.%s.%s", h, p, signature), -1);
    free(h);
    free(p);
    return token;
}

/*  Verify a NUL-terminated token. */
static int
s_verify(const char *token, auth_identity_t *id, err_t *err)
{
    memset(err, 0, sizeof *err);
    return auth_verify(s_auth, token, strlen(token), NOW, id, err);
}

/*  Assert token is refused with ERR_UNAUTHORIZED and no identity. */
static void
s_assert_refused(const char *token, const char *why)
{
    auth_identity_t id;
    memset(&id, 'x', sizeof id);
    err_t err;
    cr_assert_eq(s_verify(token, &id, &err), -1, "accepted: %s", why);
    cr_assert_eq(err.code, ERR_UNAUTHORIZED, "%s: code %d", why, err.code);
    cr_assert_neq(err.msg[0], 0, "%s: the error says why", why);
    cr_assert_str_eq(id.user_id, "", "%s: no identity on failure", why);
    cr_assert_not(id.is_admin, "%s", why);
}

/* ---- construction ---- */

Test(auth, new_refuses_a_missing_or_empty_secret)
{
    cr_assert_null(auth_new(NULL));
    cr_assert_null(auth_new(""));
}

Test(auth, destroy_is_null_safe)
{
    auth_t *none = NULL;
    auth_destroy(&none);
    auth_destroy(NULL);
    cr_assert_null(none);
}

Test(auth, secret_is_copied)
{
    char secret[] = SECRET;
    auth_t *a = auth_new(secret);
    cr_assert_not_null(a);
    memset(secret, 'z', sizeof secret - 1);
    char *token = s_token("{\"user_id\":\"u1\",\"exp\":1700003600}");
    auth_identity_t id;
    err_t err;
    cr_assert_eq(auth_verify(a, token, strlen(token), NOW, &id, &err), 0, "%s", err.msg);
    free(token);
    auth_destroy(&a);
}

/* ---- accepted tokens ---- */

Test(auth, valid_hs256_token_yields_the_user)
{
    jwt_t *jwt = NULL;
    cr_assert_eq(jwt_new(&jwt), 0);
    cr_assert_eq(jwt_set_alg(jwt, JWT_ALG_HS256, (const unsigned char *) SECRET, (int) strlen(SECRET)), 0);
    cr_assert_eq(jwt_add_grant(jwt, "user_id", "user-123"), 0);
    cr_assert_eq(jwt_add_grant_int(jwt, "exp", NOW + 3600), 0);
    char *token = jwt_encode_str(jwt);
    jwt_free(jwt);
    cr_assert_not_null(token);

    auth_identity_t id;
    err_t err;
    cr_assert_eq(s_verify(token, &id, &err), 0, "%s", err.msg);
    cr_assert_str_eq(id.user_id, "user-123");
    cr_assert_not(id.is_admin);
    free(token);
}

Test(auth, token_need_not_be_nul_terminated)
{
    char *token = s_token("{\"user_id\":\"u1\",\"exp\":1700003600}");
    size_t len = strlen(token);
    char *padded = NULL;
    cr_assert_neq(asprintf(&padded, "%s, trailing header junk", token), -1);
    auth_identity_t id;
    err_t err;
    cr_assert_eq(auth_verify(s_auth, padded, len, NOW, &id, &err), 0, "%s", err.msg);
    cr_assert_str_eq(id.user_id, "u1");
    free(padded);
    free(token);
}

Test(auth, user_id_wins_over_sub)
{
    char *token = s_token("{\"user_id\":\"from-user-id\",\"sub\":\"from-sub\",\"exp\":1700003600}");
    auth_identity_t id;
    err_t err;
    cr_assert_eq(s_verify(token, &id, &err), 0, "%s", err.msg);
    cr_assert_str_eq(id.user_id, "from-user-id");
    free(token);
}

Test(auth, sub_alone_is_the_user)
{
    char *token = s_token("{\"sub\":\"subject-7\",\"exp\":1700003600}");
    auth_identity_t id;
    err_t err;
    cr_assert_eq(s_verify(token, &id, &err), 0, "%s", err.msg);
    cr_assert_str_eq(id.user_id, "subject-7");
    free(token);
}

Test(auth, null_user_id_falls_back_to_sub)
{
    char *token = s_token("{\"user_id\":null,\"sub\":\"subject-8\",\"exp\":1700003600}");
    auth_identity_t id;
    err_t err;
    cr_assert_eq(s_verify(token, &id, &err), 0, "%s", err.msg);
    cr_assert_str_eq(id.user_id, "subject-8");
    free(token);
}

Test(auth, numeric_user_id_is_accepted_as_text)
{
    char *token = s_token("{\"user_id\":12345,\"exp\":1700003600}");
    auth_identity_t id;
    err_t err;
    cr_assert_eq(s_verify(token, &id, &err), 0, "%s", err.msg);
    cr_assert_str_eq(id.user_id, "12345");
    free(token);
}

Test(auth, role_admin_grants_admin)
{
    char *token = s_token("{\"user_id\":\"boss\",\"role\":\"admin\",\"exp\":1700003600}");
    auth_identity_t id;
    err_t err;
    cr_assert_eq(s_verify(token, &id, &err), 0, "%s", err.msg);
    cr_assert_str_eq(id.user_id, "boss");
    cr_assert(id.is_admin);
    free(token);
}

Test(auth, any_other_role_is_not_admin)
{
    const char *roles[] = {"\"user\"", "\"Admin\"", "\"ADMIN\"",   "\"admin \"",
                           "\"\"",     "true",      "[\"admin\"]", "null"};
    for (size_t i = 0; i < sizeof roles / sizeof roles[0]; i++) {
        char grants[128];
        snprintf(grants, sizeof grants, "{\"user_id\":\"u\",\"role\":%s,\"exp\":1700003600}", roles[i]);
        char *token = s_token(grants);
        auth_identity_t id;
        err_t err;
        cr_assert_eq(s_verify(token, &id, &err), 0, "%s: %s", roles[i], err.msg);
        cr_assert_not(id.is_admin, "role %s granted admin", roles[i]);
        free(token);
    }
}

Test(auth, exp_as_a_real_number_in_the_future_is_accepted)
{
    char *token = s_token("{\"user_id\":\"u\",\"exp\":1700003600.5}");
    auth_identity_t id;
    err_t err;
    cr_assert_eq(s_verify(token, &id, &err), 0, "%s", err.msg);
    cr_assert_str_eq(id.user_id, "u");
    free(token);
}

Test(auth, nbf_in_the_past_or_now_is_accepted)
{
    const char *grants[] = {"{\"user_id\":\"u\",\"exp\":1700003600,\"nbf\":1699990000}",
                            "{\"user_id\":\"u\",\"exp\":1700003600,\"nbf\":1700000000}"};
    for (size_t i = 0; i < 2; i++) {
        char *token = s_token(grants[i]);
        auth_identity_t id;
        err_t err;
        cr_assert_eq(s_verify(token, &id, &err), 0, "%s: %s", grants[i], err.msg);
        free(token);
    }
}

Test(auth, user_id_of_255_bytes_is_accepted)
{
    char uid[AUTH_USER_ID_MAX + 1];
    memset(uid, 'a', AUTH_USER_ID_MAX);
    uid[AUTH_USER_ID_MAX] = 0;
    char grants[512];
    snprintf(grants, sizeof grants, "{\"user_id\":\"%s\",\"exp\":1700003600}", uid);
    char *token = s_token(grants);
    auth_identity_t id;
    err_t err;
    cr_assert_eq(s_verify(token, &id, &err), 0, "%s", err.msg);
    cr_assert_str_eq(id.user_id, uid);
    free(token);
}

/* ---- refused tokens ---- */

Test(auth, alg_none_is_refused)
{
    char *token = s_hand_token("{\"alg\":\"none\",\"typ\":\"JWT\"}",
                               "{\"user_id\":\"mallory\",\"role\":\"admin\",\"exp\":1700003600}", "");
    /* well formed: libjwt without a key takes it, which is why auth always passes one */
    jwt_t *jwt = NULL;
    cr_assert_eq(jwt_decode(&jwt, token, NULL, 0), 0);
    cr_assert_eq(jwt_get_alg(jwt), JWT_ALG_NONE);
    cr_assert_str_eq(jwt_get_grant(jwt, "user_id"), "mallory");
    jwt_free(jwt);
    s_assert_refused(token, "alg none");
    free(token);
}

Test(auth, alg_none_with_a_signature_is_refused)
{
    char *token = s_hand_token("{\"alg\":\"none\",\"typ\":\"JWT\"}",
                               "{\"user_id\":\"mallory\",\"exp\":1700003600}", "c2lnbmF0dXJl");
    s_assert_refused(token, "alg none with signature");
    free(token);
}

Test(auth, hs512_is_refused_even_with_the_right_key)
{
    char *token = s_mint(JWT_ALG_HS512, SECRET, "{\"user_id\":\"u\",\"exp\":1700003600}");
    s_assert_refused(token, "HS512");
    free(token);
}

Test(auth, hs384_is_refused_even_with_the_right_key)
{
    char *token = s_mint(JWT_ALG_HS384, SECRET, "{\"user_id\":\"u\",\"exp\":1700003600}");
    s_assert_refused(token, "HS384");
    free(token);
}

Test(auth, wrong_key_is_refused)
{
    char *token = s_mint(JWT_ALG_HS256, "another-secret-that-is-also-32-bytes-long",
                         "{\"user_id\":\"u\",\"exp\":1700003600}");
    s_assert_refused(token, "wrong key");
    free(token);
}

Test(auth, tampered_payload_is_refused)
{
    char *token = s_token("{\"user_id\":\"alice\",\"exp\":1700003600}");
    char *first_dot = strchr(token, '.');
    char *second_dot = strchr(first_dot + 1, '.');
    cr_assert_not_null(second_dot);
    char *forged_payload = s_b64url("{\"user_id\":\"alice\",\"role\":\"admin\",\"exp\":1700003600}");
    char *forged = NULL;
    cr_assert_neq(
        asprintf(&forged, "%.*s.%s%s", (int) (first_dot - token), token, forged_payload, second_dot), -1);
    s_assert_refused(forged, "tampered payload");
    free(forged);
    free(forged_payload);
    free(token);
}

Test(auth, tampered_signature_is_refused)
{
    char *token = s_token("{\"user_id\":\"alice\",\"exp\":1700003600}");
    size_t len = strlen(token);
    token[len - 2] = token[len - 2] == 'A' ? 'B' : 'A';
    s_assert_refused(token, "tampered signature");
    free(token);
}

Test(auth, missing_exp_is_refused)
{
    char *token = s_token("{\"user_id\":\"u\"}");
    s_assert_refused(token, "no exp");
    free(token);
}

Test(auth, exp_that_is_not_a_number_is_refused)
{
    const char *grants[] = {"{\"user_id\":\"u\",\"exp\":\"1700003600\"}", "{\"user_id\":\"u\",\"exp\":null}",
                            "{\"user_id\":\"u\",\"exp\":true}"};
    for (size_t i = 0; i < sizeof grants / sizeof grants[0]; i++) {
        char *token = s_token(grants[i]);
        s_assert_refused(token, grants[i]);
        free(token);
    }
}

Test(auth, exp_in_the_past_or_now_is_refused)
{
    const char *grants[] = {"{\"user_id\":\"u\",\"exp\":1699999999}",
                            "{\"user_id\":\"u\",\"exp\":1700000000}",
                            "{\"user_id\":\"u\",\"exp\":1699999999.9}", "{\"user_id\":\"u\",\"exp\":0}",
                            "{\"user_id\":\"u\",\"exp\":-5}"};
    for (size_t i = 0; i < sizeof grants / sizeof grants[0]; i++) {
        char *token = s_token(grants[i]);
        s_assert_refused(token, grants[i]);
        free(token);
    }
}

Test(auth, the_same_token_expires_as_time_passes)
{
    char *token = s_token("{\"user_id\":\"u\",\"exp\":1700000060}");
    auth_identity_t id;
    err_t err;
    cr_assert_eq(auth_verify(s_auth, token, strlen(token), NOW + 59, &id, &err), 0, "%s", err.msg);
    cr_assert_eq(auth_verify(s_auth, token, strlen(token), NOW + 60, &id, &err), -1);
    cr_assert_eq(err.code, ERR_UNAUTHORIZED);
    free(token);
}

Test(auth, nbf_in_the_future_is_refused)
{
    char *token = s_token("{\"user_id\":\"u\",\"exp\":1700003600,\"nbf\":1700000001}");
    s_assert_refused(token, "nbf in the future");
    auth_identity_t id;
    err_t err;
    cr_assert_eq(auth_verify(s_auth, token, strlen(token), NOW + 1, &id, &err), 0,
                 "valid once nbf is reached");
    free(token);
}

Test(auth, nbf_that_is_not_a_number_is_refused)
{
    char *token = s_token("{\"user_id\":\"u\",\"exp\":1700003600,\"nbf\":\"soon\"}");
    s_assert_refused(token, "nbf string");
    free(token);
}

Test(auth, empty_user_id_is_refused)
{
    char *token = s_token("{\"user_id\":\"\",\"exp\":1700003600}");
    s_assert_refused(token, "empty user_id");
    free(token);
    token = s_token("{\"user_id\":\"\",\"sub\":\"fallback\",\"exp\":1700003600}");
    s_assert_refused(token, "empty user_id beside a sub");
    free(token);
    token = s_token("{\"sub\":\"\",\"exp\":1700003600}");
    s_assert_refused(token, "empty sub");
    free(token);
}

Test(auth, no_id_at_all_is_refused)
{
    char *token = s_token("{\"exp\":1700003600,\"role\":\"admin\"}");
    s_assert_refused(token, "no user_id and no sub");
    free(token);
}

Test(auth, user_id_of_another_json_type_is_refused)
{
    const char *grants[] = {"{\"user_id\":true,\"exp\":1700003600}",
                            "{\"user_id\":{\"id\":1},\"exp\":1700003600}",
                            "{\"user_id\":[\"u\"],\"exp\":1700003600}"};
    for (size_t i = 0; i < sizeof grants / sizeof grants[0]; i++) {
        char *token = s_token(grants[i]);
        s_assert_refused(token, grants[i]);
        free(token);
    }
}

Test(auth, user_id_longer_than_255_is_refused)
{
    char uid[AUTH_USER_ID_MAX + 2];
    memset(uid, 'a', AUTH_USER_ID_MAX + 1);
    uid[AUTH_USER_ID_MAX + 1] = 0;
    char grants[512];
    snprintf(grants, sizeof grants, "{\"user_id\":\"%s\",\"exp\":1700003600}", uid);
    char *token = s_token(grants);
    s_assert_refused(token, "256-byte user_id");
    free(token);
}

Test(auth, malformed_tokens_are_refused)
{
    const char *tokens[] = {"x",
                            "a.b",
                            "a.b.c",
                            "...",
                            "not a token at all",
                            "eyJhbGciOiJIUzI1NiJ9..",
                            "eyJhbGciOiJIUzI1NiJ9.e30.",
                            "ZZZZ.ZZZZ.ZZZZ"};
    for (size_t i = 0; i < sizeof tokens / sizeof tokens[0]; i++)
        s_assert_refused(tokens[i], tokens[i]);
}

Test(auth, empty_token_is_refused)
{
    auth_identity_t id;
    err_t err = {0};
    cr_assert_eq(auth_verify(s_auth, "", 0, NOW, &id, &err), -1);
    cr_assert_eq(err.code, ERR_UNAUTHORIZED);
    cr_assert_eq(auth_verify(s_auth, NULL, 0, NOW, &id, &err), -1);
    cr_assert_eq(err.code, ERR_UNAUTHORIZED);
}

Test(auth, token_with_a_nul_byte_is_refused)
{
    char *token = s_token("{\"user_id\":\"u\",\"exp\":1700003600}");
    size_t len = strlen(token);
    char *copy = malloc(len + 2);
    memcpy(copy, token, len);
    copy[len] = 0;
    copy[len + 1] = 'x';
    auth_identity_t id;
    err_t err = {0};
    cr_assert_eq(auth_verify(s_auth, copy, len + 2, NOW, &id, &err), -1);
    cr_assert_eq(err.code, ERR_UNAUTHORIZED);
    free(copy);
    free(token);
}

Test(auth, oversized_token_is_refused)
{
    char big[1 << 14];
    memset(big, 'A', sizeof big);
    auth_identity_t id;
    err_t err = {0};
    cr_assert_eq(auth_verify(s_auth, big, sizeof big, NOW, &id, &err), -1);
    cr_assert_eq(err.code, ERR_UNAUTHORIZED);
}

/* ---- bearer header ---- */

Test(auth, bearer_token_is_extracted)
{
    size_t len = 0;
    const char *header = "Bearer abc.def.ghi";
    const char *token = auth_bearer_token(header, &len);
    cr_assert_eq(token, header + 7);
    cr_assert_eq(len, 11);
}

Test(auth, bearer_scheme_is_case_insensitive)
{
    const char *headers[] = {"bearer x", "BEARER x", "BeArEr x"};
    for (size_t i = 0; i < 3; i++) {
        size_t len = 0;
        const char *token = auth_bearer_token(headers[i], &len);
        cr_assert_not_null(token, "%s", headers[i]);
        cr_assert_eq(len, 1);
        cr_assert_eq(token[0], 'x');
    }
}

Test(auth, bearer_token_trims_surrounding_spaces)
{
    size_t len = 0;
    const char *token = auth_bearer_token("Bearer   tok  \r\n", &len);
    cr_assert_not_null(token);
    cr_assert_eq(len, 3);
    cr_assert_eq(strncmp(token, "tok", 3), 0);
}

Test(auth, non_bearer_headers_give_no_token)
{
    const char *headers[] = {"Basic x", "Bearer ", "Bearer    ", "Bearer",
                             "Bearerx", "",        "x Bearer y", "Token x"};
    for (size_t i = 0; i < sizeof headers / sizeof headers[0]; i++) {
        size_t len = 999;
        cr_assert_null(auth_bearer_token(headers[i], &len), "'%s'", headers[i]);
    }
    size_t len = 0;
    cr_assert_null(auth_bearer_token(NULL, &len));
}

Test(auth, bearer_header_then_verify_end_to_end)
{
    char *token = s_token("{\"sub\":\"e2e\",\"role\":\"admin\",\"exp\":1700003600}");
    char *header = NULL;
    cr_assert_neq(asprintf(&header, "Bearer %s", token), -1);
    size_t len = 0;
    const char *t = auth_bearer_token(header, &len);
    cr_assert_not_null(t);
    auth_identity_t id;
    err_t err;
    cr_assert_eq(auth_verify(s_auth, t, len, NOW, &id, &err), 0, "%s", err.msg);
    cr_assert_str_eq(id.user_id, "e2e");
    cr_assert(id.is_admin);
    free(header);
    free(token);
}

/* ---- the cache of verified tokens ---- */

Test(auth, a_remembered_token_gives_the_same_identity)
{
    char *token = s_token("{\"user_id\":\"u-cache\",\"role\":\"admin\",\"exp\":1700000600}");
    for (int round = 0; round < 3; round++) {
        auth_identity_t id;
        err_t err;
        cr_assert_eq(s_verify(token, &id, &err), 0, "round %d: %s", round, err.msg);
        cr_assert_str_eq(id.user_id, "u-cache");
        cr_assert(id.is_admin);
    }
    free(token);
}

Test(auth, a_remembered_token_still_expires)
{
    char *token = s_token("{\"user_id\":\"u-exp\",\"exp\":1700000060,\"nbf\":1699999990}");
    auth_identity_t id;
    err_t err = {0};
    cr_assert_eq(s_verify(token, &id, &err), 0, "%s", err.msg);
    cr_assert_eq(auth_verify(s_auth, token, strlen(token), NOW + 60, &id, &err), -1);
    cr_assert_str_eq(err.msg, "token expired");
    cr_assert_str_eq(id.user_id, "");
    /* and is not valid before its nbf either */
    cr_assert_eq(auth_verify(s_auth, token, strlen(token), NOW - 20, &id, &err), -1);
    cr_assert_str_eq(err.msg, "token not valid yet");
    free(token);
}

Test(auth, a_token_one_byte_off_a_remembered_one_is_refused)
{
    char *token = s_token("{\"user_id\":\"u-real\",\"exp\":1700000600}");
    auth_identity_t id;
    err_t err;
    cr_assert_eq(s_verify(token, &id, &err), 0, "%s", err.msg);
    size_t len = strlen(token);
    char *forged = strdup(token);
    forged[len - 2] = forged[len - 2] == 'A' ? 'B' : 'A'; /* the signature */
    s_assert_refused(forged, "signature changed after the real token was remembered");
    char *longer = NULL;
    cr_assert_neq(asprintf(&longer, "%sA", token), -1);
    s_assert_refused(longer, "a byte appended");
    free(longer);
    free(forged);
    free(token);
}
