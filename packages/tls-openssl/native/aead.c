/*
 * An AEAD keyed once (issue #17): one EVP_CIPHER_CTX per key, a new nonce (and the direction) per
 * call through EVP_EncryptInit_ex / EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, nonce), which keep the
 * key schedule, sealing and opening into memory the caller gives. No JavaScript memory per call: node:crypto's Cipheriv takes one IV for life and
 * returns a fresh ArrayBuffer from every update, which is what sets off V8's "external memory
 * pressure" scavenges and then its Mark-Compacts in tls-pure's bulk transfers.
 *
 * Only the primitive: no TLS here (the record layer, nonces and additional data are tls-pure's).
 * AES-GCM and ChaCha20-Poly1305, 12-byte nonces and 16-byte tags (RFC 8446 §5.3, RFC 5116).
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"

enum { AEAD_MAGIC = 0x75616561, NONCE_LENGTH = 12, TAG_LENGTH = 16 };

typedef struct {
  uint32_t magic; /* AEAD_MAGIC */
  EVP_CIPHER_CTX *ctx;
} Aead;

static void aead_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  Aead *aead = data;
  EVP_CIPHER_CTX_free(aead->ctx); /* wipes the key schedule */
  free(aead);
}

/* The cipher for a name tls-pure uses, or NULL. */
static const EVP_CIPHER *cipher_named(const char *name) {
  if (strcmp(name, "aes-128-gcm") == 0) return EVP_aes_128_gcm();
  if (strcmp(name, "aes-256-gcm") == 0) return EVP_aes_256_gcm();
  if (strcmp(name, "chacha20-poly1305") == 0) return EVP_chacha20_poly1305();
  return NULL;
}

/* aeadCreate(algorithm, key) -> an opaque AEAD object (the key is copied into OpenSSL's context). */
napi_value aead_create(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!args_of(env, info, 2, argv, NULL)) return NULL;
  char *name = NULL;
  if (!string_of(env, argv[0], "algorithm", &name)) return NULL;
  const EVP_CIPHER *cipher = cipher_named(name);
  free(name);
  if (cipher == NULL) {
    throw_range_error(env, "UNITLS_INVALID_ARGUMENT", "algorithm must be aes-128-gcm, aes-256-gcm or chacha20-poly1305");
    return NULL;
  }
  unsigned char *key;
  size_t key_len;
  if (!bytes_arg(env, argv[1], "key", &key, &key_len)) return NULL;
  if (key_len != (size_t)EVP_CIPHER_get_key_length(cipher)) {
    throw_range_error(env, "UNITLS_INVALID_ARGUMENT", "key has the wrong length for the algorithm");
    return NULL;
  }
  Aead *aead = calloc(1, sizeof *aead);
  if (aead == NULL) {
    throw_error(env, "UNITLS_OUT_OF_MEMORY", "out of memory");
    return NULL;
  }
  aead->magic = AEAD_MAGIC;
  aead->ctx = EVP_CIPHER_CTX_new();
  /* The key once; the nonce length stays the default 12 bytes of both ciphers. Both directions of
   * GCM and ChaCha20-Poly1305 use the cipher's encryption, so one key schedule serves both. */
  if (aead->ctx == NULL || EVP_CipherInit_ex(aead->ctx, cipher, NULL, key, NULL, 1) != 1) {
    throw_openssl(env, "cannot key the AEAD", 0);
    aead_finalize(env, aead, NULL);
    return NULL;
  }
  napi_value object;
  if (napi_create_object(env, &object) != napi_ok || napi_wrap(env, object, aead, aead_finalize, NULL, NULL) != napi_ok) {
    aead_finalize(env, aead, NULL);
    throw_error(env, "UNITLS_ADDON", "cannot wrap the AEAD");
    return NULL;
  }
  return object;
}

/* `this` as a live AEAD; false with a TypeError thrown otherwise. */
static bool aead_of(napi_env env, napi_value value, Aead **out) {
  void *found = NULL;
  if (napi_unwrap(env, value, &found) == napi_ok && found != NULL && ((Aead *)found)->magic == AEAD_MAGIC) {
    *out = found;
    return true;
  }
  throw_type_error(env, "UNITLS_ADDON", "not a tls-openssl AEAD");
  return false;
}

/* One call's arguments: (nonce, additionalData, input, target, offset) with `this` an AEAD, the
 * nonce 12 bytes and the offset inside the target; false with an exception pending. */
typedef struct {
  Aead *aead;
  unsigned char *nonce, *aad, *input, *target;
  size_t aad_len, input_len, room; /* room: the target's bytes from offset */
} Call;

static bool call_args(napi_env env, napi_callback_info info, const char *input_name, Call *call) {
  napi_value argv[5], self;
  size_t argc = 5, nonce_len, target_len;
  int64_t offset;
  CHECK_OR(napi_get_cb_info(env, info, &argc, argv, &self, NULL), false);
  if (!aead_of(env, self, &call->aead) || !bytes_arg(env, argv[0], "nonce", &call->nonce, &nonce_len) ||
      !bytes_arg(env, argv[1], "additionalData", &call->aad, &call->aad_len) || !bytes_arg(env, argv[2], input_name, &call->input, &call->input_len) ||
      !bytes_arg(env, argv[3], "target", &call->target, &target_len)) {
    return false;
  }
  CHECK_OR(napi_get_value_int64(env, argv[4], &offset), false);
  if (nonce_len != NONCE_LENGTH) {
    throw_range_error(env, "UNITLS_INVALID_ARGUMENT", "nonce must be 12 bytes");
    return false;
  }
  if (offset < 0 || (uint64_t)offset > target_len || call->input_len > INT32_MAX || call->aad_len > INT32_MAX) {
    throw_range_error(env, "UNITLS_INVALID_ARGUMENT", "the offset must lie inside the target (and the input below 2 GiB)");
    return false;
  }
  call->target += offset;
  call->room = target_len - (size_t)offset;
  return true;
}

/* Whether [a, a + a_len) and [b, b + b_len) share a byte. */
static bool overlap(const unsigned char *a, size_t a_len, const unsigned char *b, size_t b_len) {
  return a_len > 0 && b_len > 0 && a < b + b_len && b < a + a_len;
}

/*
 * aeadSeal(nonce, additionalData, plaintext, target, offset) -> bytes written (plaintext length + 16):
 * ciphertext || tag into target from offset. `this`: an AEAD. RangeError when they do not
 * fit or overlap the plaintext (nothing written).
 */
napi_value aead_seal(napi_env env, napi_callback_info info) {
  Call c;
  if (!call_args(env, info, "plaintext", &c)) return NULL;
  unsigned char *out = c.target, *plain = c.input;
  size_t plain_len = c.input_len;
  if (plain_len + TAG_LENGTH > c.room) {
    throw_range_error(env, "UNITLS_INVALID_ARGUMENT", "sealInto: the ciphertext and tag do not fit in the target from offset");
    return NULL;
  }
  EVP_CIPHER_CTX *ctx = c.aead->ctx;
  if (overlap(out, plain_len + TAG_LENGTH, plain, plain_len)) {
    throw_range_error(env, "UNITLS_INVALID_ARGUMENT", "sealInto: the target range overlaps the plaintext (sealing in place is not supported)");
    return NULL;
  }
  int len = 0;
  if (EVP_EncryptInit_ex(ctx, NULL, NULL, NULL, c.nonce) != 1 || (c.aad_len > 0 && EVP_EncryptUpdate(ctx, NULL, &len, c.aad, (int)c.aad_len) != 1) ||
      (plain_len > 0 && EVP_EncryptUpdate(ctx, out, &len, plain, (int)plain_len) != 1) || EVP_EncryptFinal_ex(ctx, out + plain_len, &len) != 1 ||
      EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_GET_TAG, TAG_LENGTH, out + plain_len) != 1) {
    OPENSSL_cleanse(out, plain_len + TAG_LENGTH);
    throw_openssl(env, "AEAD seal failed", 0);
    return NULL;
  }
  return int_value(env, (int64_t)(plain_len + TAG_LENGTH));
}

/*
 * aeadOpen(nonce, additionalData, sealed, target, offset) -> plaintext bytes written into target
 * from offset (sealed length - 16), or -1 when authentication fails (nothing of it left there).
 * `this`: an AEAD. `target` may be `sealed` itself at the same offset (in place).
 */
napi_value aead_open(napi_env env, napi_callback_info info) {
  Call c;
  if (!call_args(env, info, "sealed", &c)) return NULL;
  unsigned char *out = c.target, *sealed = c.input;
  size_t sealed_len = c.input_len;
  if (sealed_len < TAG_LENGTH) return int_value(env, -1);
  size_t plain_len = sealed_len - TAG_LENGTH;
  if (plain_len > c.room) {
    throw_range_error(env, "UNITLS_INVALID_ARGUMENT", "open: the plaintext does not fit in the target from offset");
    return NULL;
  }
  EVP_CIPHER_CTX *ctx = c.aead->ctx;
  /* OpenSSL decrypts in place only at the same address: any other overlap would read what it wrote. */
  if (out != sealed && overlap(out, plain_len, sealed, sealed_len)) {
    throw_range_error(env, "UNITLS_INVALID_ARGUMENT", "open: the target range overlaps the sealed bytes other than in place");
    return NULL;
  }
  /* The tag is read before an in-place decryption could reach it (it lies after the plaintext). */
  unsigned char tag[TAG_LENGTH];
  memcpy(tag, sealed + plain_len, TAG_LENGTH);
  int len = 0;
  if (EVP_DecryptInit_ex(ctx, NULL, NULL, NULL, c.nonce) != 1 || EVP_CIPHER_CTX_ctrl(ctx, EVP_CTRL_AEAD_SET_TAG, TAG_LENGTH, tag) != 1 ||
      (c.aad_len > 0 && EVP_DecryptUpdate(ctx, NULL, &len, c.aad, (int)c.aad_len) != 1) ||
      (plain_len > 0 && EVP_DecryptUpdate(ctx, out, &len, sealed, (int)plain_len) != 1) || EVP_DecryptFinal_ex(ctx, out + plain_len, &len) != 1) {
    /* Failed authentication: no unauthenticated plaintext is left behind. */
    OPENSSL_cleanse(out, plain_len);
    return int_value(env, -1);
  }
  return int_value(env, (int64_t)plain_len);
}
