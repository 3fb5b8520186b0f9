/*  outbox_sign.h - the signature of a webhook delivery (TRADING.md
    "Webhooks"): X-P2P-Signature: sha256=<hex HMAC-SHA256 of the body with
    the webhook's secret>, so the merchant's receiver can tell our POSTs
    from anyone else's. Pure; OpenSSL's libcrypto does the HMAC. */
#ifndef P2P_OUTBOX_SIGN_H
#define P2P_OUTBOX_SIGN_H

#include <stddef.h>

/*  "sha256=" and 64 hex digits. */
#define OUTBOX_SIGN_LEN (7 + 64)

/*  Write "sha256=<hex>" of body (len bytes) under secret (a C string) into
    out (OUTBOX_SIGN_LEN + 1 bytes, NUL-terminated). 0, or -1 when libcrypto
    fails (out is then ""). */
int outbox_sign(const char *secret, const void *body, size_t len, char out[OUTBOX_SIGN_LEN + 1]);

#endif
