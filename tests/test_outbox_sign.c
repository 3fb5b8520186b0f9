/*  test_outbox_sign.c - webhook signatures (trade-svc/outbox_sign.c):
    "sha256=" and the hex HMAC-SHA256 of the body with the secret, checked
    against RFC 4231's test vectors. */
#include <criterion/criterion.h>
#include <string.h>

#include "outbox_sign.h"

Test(outbox_sign, rfc4231_case_2)
{
    char sig[OUTBOX_SIGN_LEN + 1];
    const char *data = "what do ya want for nothing?";
    cr_assert_eq(outbox_sign("Jefe", data, strlen(data), sig), 0);
    cr_expect_str_eq(sig, "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
}

/*  A key of 131 bytes (longer than the block: hashed first) over a longer
    message (RFC 4231 case 7). */
Test(outbox_sign, rfc4231_case_7_long_key)
{
    char key[132];
    memset(key, 0xaa, 131);
    key[131] = '\0';
    const char *data = "This is a test using a larger than block-size key and a larger than block-size data. "
                       "The key needs to be hashed before being used by the HMAC algorithm.";
    char sig[OUTBOX_SIGN_LEN + 1];
    cr_assert_eq(outbox_sign(key, data, strlen(data), sig), 0);
    cr_expect_str_eq(sig, "sha256=9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2");
}

Test(outbox_sign, length_and_empty_body)
{
    char sig[OUTBOX_SIGN_LEN + 1];
    cr_assert_eq(outbox_sign("0123456789abcdef", "", 0, sig), 0);
    cr_expect_eq(strlen(sig), OUTBOX_SIGN_LEN);
    cr_expect_eq(strncmp(sig, "sha256=", 7), 0);
    /* the body's bytes count, not a C string's end: a NUL inside changes it */
    char a[OUTBOX_SIGN_LEN + 1], b[OUTBOX_SIGN_LEN + 1];
    outbox_sign("0123456789abcdef", "ab\0c", 4, a);
    outbox_sign("0123456789abcdef", "ab\0d", 4, b);
    cr_expect_str_neq(a, b);
}
