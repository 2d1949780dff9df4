#ifndef CRUMBS_COPENSSL_SHIM_H
#define CRUMBS_COPENSSL_SHIM_H

// libcrypto only: Crumbs signs, encrypts and draws random bytes but never speaks TLS.
#include <openssl/crypto.h>
#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/rand.h>

// An OSSL_PARAM keeps the pointers to its name and value. Swift passes macro strings such
// as OSSL_MAC_PARAM_DIGEST as temporary copies that are gone once the call returns, so
// these build the parameters from the C literals themselves.
static inline OSSL_PARAM crumbs_param_digest_sha1(void) {
    return OSSL_PARAM_construct_utf8_string(OSSL_ALG_PARAM_DIGEST, (char *)"SHA1", 0);
}

static inline OSSL_PARAM crumbs_param_digest_sha256(void) {
    return OSSL_PARAM_construct_utf8_string(OSSL_ALG_PARAM_DIGEST, (char *)"SHA256", 0);
}

static inline OSSL_PARAM crumbs_param_kdf_key(void *bytes, size_t count) {
    return OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, bytes, count);
}

static inline OSSL_PARAM crumbs_param_kdf_salt(void *bytes, size_t count) {
    return OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, bytes, count);
}

static inline OSSL_PARAM crumbs_param_kdf_info(void *bytes, size_t count) {
    return OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, bytes, count);
}

#endif
