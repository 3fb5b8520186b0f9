/*  outbox_sign.c - HMAC-SHA256 webhook signatures (see outbox_sign.h). */
#include "outbox_sign.h"

#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

int
outbox_sign(const char *secret, const void *body, size_t len, char out[OUTBOX_SIGN_LEN + 1])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int mac_len = 0;
    out[0] = '\0';
    /* HMAC() with a NULL data pointer is fine only for len 0; keep it non-NULL */
    if (!HMAC(EVP_sha256(), secret, (int) strlen(secret), body ? body : (const void *) "", len, mac, &mac_len)
        || mac_len != 32)
        return -1;
    memcpy(out, "sha256=", 7);
    for (unsigned int i = 0; i < mac_len; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
    return 0;
}
