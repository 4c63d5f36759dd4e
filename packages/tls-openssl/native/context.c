/*
 * createContext: one SSL_CTX (plus one per certificate chain on a server with several), built
 * from the options src/contexts.ts prepared. All policy lives in TypeScript; this only translates.
 */
#include <limits.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"

/* ---------- PEM loading ---------- */

static BIO *pem_bio(const unsigned char *pem, size_t len) {
  if (len > INT_MAX) {
    ERR_raise_data(ERR_LIB_SSL, ERR_R_PASSED_INVALID_ARGUMENT, "PEM data larger than 2 GiB");
    return NULL;
  }
  return BIO_new_mem_buf(pem, (int)len);
}

/* After a PEM read loop: true when it ended at the end of the data, false when a certificate in
 * the middle did not parse (the error stays queued: nothing may be dropped silently). */
static bool ended_cleanly(void) {
  unsigned long err = ERR_peek_last_error();
  if (ERR_GET_LIB(err) == ERR_LIB_PEM && ERR_GET_REASON(err) == PEM_R_NO_START_LINE) {
    ERR_clear_error();
    return true;
  }
  return err == 0;
}

/* Adds every certificate of `pem` to the trust store; 0 on failure (error queued). */
static int load_store(SSL_CTX *ctx, const unsigned char *pem, size_t len) {
  BIO *bio = pem_bio(pem, len);
  if (bio == NULL) return 0;
  X509_STORE *store = SSL_CTX_get_cert_store(ctx);
  int count = 0;
  X509 *cert;
  while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
    int added = X509_STORE_add_cert(store, cert);
    X509_free(cert);
    if (!added) {
      BIO_free(bio);
      return 0;
    }
    count++;
  }
  BIO_free(bio);
  if (!ended_cleanly()) return 0;
  if (count == 0) {
    ERR_raise_data(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED, "no certificate in the trust store");
    return 0;
  }
  return 1;
}

/* Installs leaf + intermediates + key; *leaf_out gets a reference to the leaf. 0 on failure. */
static int use_chain(SSL_CTX *ctx, const unsigned char *cert_pem, size_t cert_len, const unsigned char *key_pem, size_t key_len, X509 **leaf_out) {
  BIO *bio = pem_bio(cert_pem, cert_len);
  if (bio == NULL) return 0;
  X509 *leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL);
  if (leaf == NULL || SSL_CTX_use_certificate(ctx, leaf) != 1) {
    X509_free(leaf);
    BIO_free(bio);
    return 0;
  }
  X509 *extra;
  while ((extra = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) { /* takes ownership only on success */
      X509_free(extra);
      X509_free(leaf);
      BIO_free(bio);
      return 0;
    }
  }
  BIO_free(bio);
  if (!ended_cleanly()) {
    X509_free(leaf);
    return 0;
  }
  bio = pem_bio(key_pem, key_len);
  EVP_PKEY *key = bio == NULL ? NULL : PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
  BIO_free(bio);
  if (key == NULL || SSL_CTX_use_PrivateKey(ctx, key) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
    EVP_PKEY_free(key);
    X509_free(leaf);
    return 0;
  }
  EVP_PKEY_free(key);
  *leaf_out = leaf;
  return 1;
}

/* ---------- callbacks ---------- */

static int select_alpn(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in, unsigned int inlen, void *arg) {
  Context *context = arg;
  (void)ssl;
  if (context->alpn == NULL) return SSL_TLSEXT_ERR_NOACK;
  /* Server preference order, as node:tls does; no overlap ends the handshake (RFC 7301 3.2). */
  if (SSL_select_next_proto((unsigned char **)out, outlen, context->alpn, context->alpn_len, in, inlen) != OPENSSL_NPN_NEGOTIATED) {
    return SSL_TLSEXT_ERR_ALERT_FATAL;
  }
  return SSL_TLSEXT_ERR_OK;
}

/* Runs once the client's SNI name is parsed (not at all when it sent none). */
static int choose_chain(SSL *ssl, int *alert, void *arg) {
  Context *context = arg;
  Connection *connection = SSL_get_app_data(ssl);
  if (context->chain_count <= 1) return SSL_TLSEXT_ERR_OK;
  const char *name = SSL_get_servername(ssl, TLSEXT_NAMETYPE_host_name);
  if (name != NULL) {
    for (int i = 0; i < context->chain_count; i++) {
      if (X509_check_host(context->leaves[i], name, 0, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT, NULL) == 1) {
        if (SSL_set_SSL_CTX(ssl, context->chains[i]) == NULL) break;
        return SSL_TLSEXT_ERR_OK;
      }
    }
  }
  if (connection) connection->sni_missing = name == NULL ? 1 : 2;
  *alert = SSL_AD_UNRECOGNIZED_NAME;
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

/* Keeps the leaf of a chain OpenSSL refuses on the connection, so the error can name what it holds
 * (SSL_get0_peer_certificate stays NULL after a refusal); the verdict stays OpenSSL's. */
static int note_refused(int preverify_ok, X509_STORE_CTX *store) {
  if (preverify_ok) return preverify_ok;
  SSL *ssl = X509_STORE_CTX_get_ex_data(store, SSL_get_ex_data_X509_STORE_CTX_idx());
  Connection *connection = ssl == NULL ? NULL : SSL_get_app_data(ssl);
  X509 *leaf = X509_STORE_CTX_get0_cert(store);
  if (connection != NULL && leaf != NULL && connection->refused_leaf == NULL && X509_up_ref(leaf)) connection->refused_leaf = leaf;
  /* The certificate the verdict is about (its dates go in an expiry's message): the first refusal's. */
  X509 *at = X509_STORE_CTX_get_current_cert(store);
  if (connection != NULL && at != NULL && connection->refused_at == NULL && X509_up_ref(at)) {
    connection->refused_at = at;
    connection->refused_depth = X509_STORE_CTX_get_error_depth(store);
    /* The whole chain (leaf first): an expiry's message names the certificate nearest the leaf
       out of its period, and verification stops at this refusal, the one nearest the anchor. */
    connection->refused_chain = X509_STORE_CTX_get1_chain(store);
  }
  return preverify_ok;
}

static int accept_any(int preverify_ok, X509_STORE_CTX *store) {
  (void)preverify_ok;
  (void)store;
  return 1;
}

/* ---------- the Context ---------- */

static void context_free(Context *context) {
  if (context == NULL) return;
  SSL_CTX_free(context->ctx);
  for (int i = 0; i < context->chain_count; i++) {
    SSL_CTX_free(context->chains[i]);
    X509_free(context->leaves[i]);
  }
  free(context->alpn);
  free(context);
}

static void context_finalize(napi_env env, void *data, void *hint) {
  (void)env;
  (void)hint;
  context_free(data);
}

/* Reads an integer option; 1 when present, 0 when absent, -1 (exception pending) on failure. */
static int int_option(napi_env env, napi_value options, const char *name, int64_t *out) {
  napi_value value;
  int found = property_of(env, options, name, &value);
  if (found != 1) return found;
  if (napi_get_value_int64(env, value, out) != napi_ok) {
    throw_type_error(env, "UNITLS_INVALID_ARGUMENT", "a numeric option is not a number");
    return -1;
  }
  return 1;
}

/* Reads a string option (NULL when absent); false with an exception pending on failure. */
static bool string_option(napi_env env, napi_value options, const char *name, char **out) {
  napi_value value;
  *out = NULL;
  int found = property_of(env, options, name, &value);
  if (found < 0) return false;
  return found == 0 || string_of(env, value, name, out);
}

/* Applies the settings every SSL_CTX of a context shares. Returns false with either an OpenSSL
 * error queued (*js_error false) or a JS exception pending (*js_error true). */
static bool configure(napi_env env, SSL_CTX *ctx, napi_value options, Context *context, bool *js_error) {
  int64_t n;
  int found;
  *js_error = true;
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  /* Free the 16 KiB read and write buffers of idle connections, as node:tls does. */
  SSL_CTX_set_mode(ctx, SSL_MODE_RELEASE_BUFFERS);
  if ((found = int_option(env, options, "minVersion", &n)) < 0) return false;
  if (found && !SSL_CTX_set_min_proto_version(ctx, (int)n)) return *js_error = false;
  if ((found = int_option(env, options, "maxVersion", &n)) < 0) return false;
  if (found && !SSL_CTX_set_max_proto_version(ctx, (int)n)) return *js_error = false;
  char *ciphers, *suites;
  if (!string_option(env, options, "cipherList", &ciphers)) return false;
  if (!string_option(env, options, "cipherSuites", &suites)) {
    free(ciphers);
    return false;
  }
  /* An empty TLS 1.2 list is fine when only TLS 1.3 is allowed (and the reverse). */
  bool ok = (ciphers == NULL || ciphers[0] == '\0' || SSL_CTX_set_cipher_list(ctx, ciphers) == 1) &&
            (suites == NULL || SSL_CTX_set_ciphersuites(ctx, suites) == 1);
  free(ciphers);
  free(suites);
  if (!ok) return *js_error = false;
  napi_value value;
  unsigned char *pem;
  size_t len;
  if ((found = property_of(env, options, "trustPem", &value)) < 0) return false;
  if (found) {
    if (!bytes_of(env, value, &pem, &len)) {
      throw_type_error(env, "UNITLS_INVALID_ARGUMENT", "trustPem must be a Uint8Array");
      return false;
    }
    if (!load_store(ctx, pem, len)) return *js_error = false;
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
    if (!X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT | X509_V_FLAG_PARTIAL_CHAIN) ||
        !X509_VERIFY_PARAM_set_purpose(param, context->is_server ? X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER)) {
      return *js_error = false;
    }
    if ((found = int_option(env, options, "verifyTime", &n)) < 0) return false;
    if (found) X509_VERIFY_PARAM_set_time(param, (time_t)n);
    bool verify_off = false;
    if ((found = property_of(env, options, "skipVerify", &value)) < 0) return false;
    if (found) CHECK_OR(napi_get_value_bool(env, value, &verify_off), false);
    int verify = SSL_VERIFY_PEER | (context->is_server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0);
    /* @unitls/insecure only: still ask for a client certificate, accept whatever comes. */
    SSL_CTX_set_verify(ctx, verify, verify_off ? accept_any : note_refused);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  }
  if (context->alpn) {
    if (context->is_server) SSL_CTX_set_alpn_select_cb(ctx, select_alpn, context);
    else if (SSL_CTX_set_alpn_protos(ctx, context->alpn, context->alpn_len) != 0) return *js_error = false;
  }
  if (context->is_server && !SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"unitls", 6)) return *js_error = false;
  return true;
}

/* A configured SSL_CTX, or NULL with an exception thrown. */
static SSL_CTX *new_ctx(napi_env env, napi_value options, Context *context) {
  SSL_CTX *ctx = SSL_CTX_new(context->is_server ? TLS_server_method() : TLS_client_method());
  bool js_error = false;
  if (ctx == NULL || !configure(env, ctx, options, context, &js_error)) {
    SSL_CTX_free(ctx);
    if (js_error) ERR_clear_error();
    else throw_openssl(env, "cannot configure the TLS context", X509_V_OK);
    return NULL;
  }
  return ctx;
}

/* Reads options.alpn into the context; false with an exception pending on failure. */
static bool read_alpn(napi_env env, napi_value options, Context *context) {
  napi_value value;
  int found = property_of(env, options, "alpn", &value);
  if (found <= 0) return found == 0;
  unsigned char *bytes;
  size_t len;
  if (!bytes_of(env, value, &bytes, &len) || len > 0xffff) {
    throw_type_error(env, "UNITLS_INVALID_ARGUMENT", "alpn must be a Uint8Array of at most 65535 bytes");
    return false;
  }
  if (len == 0) return true;
  if ((context->alpn = malloc(len)) == NULL) {
    throw_error(env, "UNITLS_OUT_OF_MEMORY", "out of memory");
    return false;
  }
  memcpy(context->alpn, bytes, len);
  context->alpn_len = (unsigned int)len;
  return true;
}

/* Installs every chain of options.chains; false with an exception thrown on failure. */
static bool install_chains(napi_env env, napi_value options, Context *context) {
  napi_value chains;
  int found = property_of(env, options, "chains", &chains);
  if (found <= 0) return found == 0;
  uint32_t count = 0;
  CHECK_OR(napi_get_array_length(env, chains, &count), false);
  if (count > MAX_CHAINS) {
    char message[160];
    snprintf(message, sizeof message, "%u certificate chains given; a context takes at most %d", count, MAX_CHAINS);
    throw_range_error(env, "UNITLS_TOO_MANY_CHAINS", message);
    return false;
  }
  for (uint32_t i = 0; i < count; i++) {
    napi_value chain, cert, key;
    CHECK_OR(napi_get_element(env, chains, i, &chain), false);
    CHECK_OR(napi_get_named_property(env, chain, "cert", &cert), false);
    CHECK_OR(napi_get_named_property(env, chain, "key", &key), false);
    unsigned char *cert_pem, *key_pem;
    size_t cert_len, key_len;
    if (!bytes_of(env, cert, &cert_pem, &cert_len) || !bytes_of(env, key, &key_pem, &key_len)) {
      throw_type_error(env, "UNITLS_INVALID_ARGUMENT", "chains must hold { cert, key } Uint8Arrays");
      return false;
    }
    SSL_CTX *target = context->ctx;
    if (count > 1 && (target = new_ctx(env, options, context)) == NULL) return false;
    X509 *leaf = NULL;
    if (!use_chain(target, cert_pem, cert_len, key_pem, key_len, &leaf)) {
      if (target != context->ctx) SSL_CTX_free(target);
      char what[128];
      snprintf(what, sizeof what, "cannot use certificate chain %u (does the key match the certificate?)", i + 1);
      throw_openssl(env, what, X509_V_OK);
      return false;
    }
    if (count > 1) {
      context->chains[context->chain_count] = target;
      context->leaves[context->chain_count++] = leaf;
    } else {
      X509_free(leaf);
    }
  }
  return true;
}

/* createContext(isServer, options) -> Context */
napi_value create_context(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!args_of(env, info, 2, argv, NULL)) return NULL;
  bool is_server;
  CHECK(napi_get_value_bool(env, argv[0], &is_server));
  napi_value options = argv[1];
  Context *context = calloc(1, sizeof *context);
  if (context == NULL) {
    throw_error(env, "UNITLS_OUT_OF_MEMORY", "out of memory");
    return NULL;
  }
  context->magic = CONTEXT_MAGIC;
  context->is_server = is_server;
  if (!read_alpn(env, options, context) || (context->ctx = new_ctx(env, options, context)) == NULL ||
      !install_chains(env, options, context)) {
    context_free(context);
    return NULL;
  }
  if (is_server && context->chain_count > 1) {
    SSL_CTX_set_tlsext_servername_callback(context->ctx, choose_chain);
    SSL_CTX_set_tlsext_servername_arg(context->ctx, context);
  }
  napi_value object;
  if (napi_create_object(env, &object) != napi_ok || napi_type_tag_object(env, object, &CONTEXT_TAG) != napi_ok ||
      napi_wrap(env, object, context, context_finalize, NULL, NULL) != napi_ok) {
    context_free(context);
    throw_error(env, "UNITLS_ADDON", "cannot wrap the context");
    return NULL;
  }
  return object;
}
