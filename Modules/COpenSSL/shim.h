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

#endif
