/*
 * tls_openssl: the OpenSSL that Node ships, driven synchronously through memory BIOs.
 * The addon links no libssl of its own: every SSL_* / BIO_* / X509_* symbol resolves to the
 * copy inside the node binary. All policy lives in TypeScript; this file only translates.
 *
 * Every entry point clears OpenSSL's error queue before and after it runs (node:tls reads the
 * same thread-local queue) and reports failures as JS errors carrying OpenSSL's reason.
 */
#define NAPI_VERSION 8
#include <node_api.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <string.h>
#include <stdlib.h>

#define CHECK(call)                                                   \
  do {                                                                \
    if ((call) != napi_ok) {                                          \
      napi_throw_error(env, "UNITLS_ADDON", "N-API call failed: " #call); \
      return NULL;                                                    \
    }                                                                 \
  } while (0)

/* The most ciphertext one connection holds unread (PEP 748: processIncoming refuses beyond). */
#define MAX_INCOMING (4 * 1024 * 1024)
#define MAX_CHAINS 32

typedef struct {
  SSL_CTX *ctx;                 /* the default context (server: certificate-less when several chains) */
  SSL_CTX *chains[MAX_CHAINS];  /* server: one context per chain, chosen by SNI */
  X509 *leaves[MAX_CHAINS];
  int chain_count;
  unsigned char *alpn;          /* wire-format ALPN list */
  unsigned int alpn_len;
  int is_server;
} Context;

typedef struct {
  SSL *ssl;
  BIO *rbio;                    /* network -> SSL */
  BIO *wbio;                    /* SSL -> network */
  Context *context;
  napi_ref context_ref;
  int sni_missing;              /* server: several chains and no (matching) SNI name */
} Connection;

/* Type tags, so a context can never be taken for a connection (or the reverse). */
static const napi_type_tag CONTEXT_TAG = {0x756e69746c730001ULL, 0x636f6e7465787431ULL};
static const napi_type_tag CONNECTION_TAG = {0x756e69746c730002ULL, 0x636f6e6e65637431ULL};

/* ---------- errors ---------- */

static void throw_openssl(napi_env env, const char *what, long verify_result) {
  unsigned long err = ERR_peek_last_error();
  char reason[256] = "";
  char message[512];
  const char *lib_reason = err ? ERR_reason_error_string(err) : NULL;
  if (err) ERR_error_string_n(err, reason, sizeof reason);
  snprintf(message, sizeof message, "%s: %s", what, lib_reason ? lib_reason : (err ? reason : "unknown error"));
  napi_value error, msg, code, details;
  napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg);
  napi_create_string_utf8(env, "UNITLS_OPENSSL", NAPI_AUTO_LENGTH, &code);
  napi_create_error(env, code, msg, &error);
  napi_create_int64(env, err ? (int64_t)ERR_GET_REASON(err) : 0, &details);
  napi_set_named_property(env, error, "reasonCode", details);
  napi_create_string_utf8(env, lib_reason ? lib_reason : "", NAPI_AUTO_LENGTH, &details);
  napi_set_named_property(env, error, "reason", details);
  napi_create_string_utf8(env, reason, NAPI_AUTO_LENGTH, &details);
  napi_set_named_property(env, error, "opensslError", details);
  if (verify_result != X509_V_OK) {
    napi_create_int64(env, verify_result, &details);
    napi_set_named_property(env, error, "verifyResult", details);
    napi_create_string_utf8(env, X509_verify_cert_error_string(verify_result), NAPI_AUTO_LENGTH, &details);
    napi_set_named_property(env, error, "verifyMessage", details);
  }
  ERR_clear_error();
  napi_throw(env, error);
}

/* ---------- argument helpers ---------- */

static napi_value args_of(napi_env env, napi_callback_info info, size_t want, napi_value *argv, void **self) {
  size_t argc = want;
  napi_value this_arg;
  CHECK(napi_get_cb_info(env, info, &argc, argv, &this_arg, NULL));
  if (self) {
    bool tagged = false;
    if (napi_check_object_type_tag(env, this_arg, &CONNECTION_TAG, &tagged) != napi_ok || !tagged) {
      napi_throw_type_error(env, "UNITLS_ADDON", "not a connection");
      return NULL;
    }
    if (napi_unwrap(env, this_arg, self) != napi_ok || *self == NULL) {
      napi_throw_error(env, "UNITLS_CLOSED", "the object was already freed");
      return NULL;
    }
  }
  return this_arg;
}

static char *string_arg(napi_env env, napi_value value) {
  napi_valuetype type;
  if (napi_typeof(env, value, &type) != napi_ok || type != napi_string) return NULL;
  size_t len;
  napi_get_value_string_utf8(env, value, NULL, 0, &len);
  char *buf = malloc(len + 1);
  napi_get_value_string_utf8(env, value, buf, len + 1, &len);
  return buf;
}

static int bytes_arg(napi_env env, napi_value value, unsigned char **data, size_t *len) {
  bool is_buffer;
  if (napi_is_buffer(env, value, &is_buffer) != napi_ok || !is_buffer) return 0;
  return napi_get_buffer_info(env, value, (void **)data, len) == napi_ok;
}

static napi_value get_prop(napi_env env, napi_value object, const char *name) {
  napi_value value;
  if (napi_get_named_property(env, object, name, &value) != napi_ok) return NULL;
  napi_valuetype type;
  napi_typeof(env, value, &type);
  return type == napi_undefined || type == napi_null ? NULL : value;
}

static napi_value make_buffer(napi_env env, const unsigned char *data, size_t len) {
  napi_value out;
  void *dest;
  if (napi_create_buffer(env, len, &dest, &out) != napi_ok) return NULL;
  if (len) memcpy(dest, data, len);
  return out;
}

static napi_value int_value(napi_env env, int64_t n) {
  napi_value v;
  napi_create_int64(env, n, &v);
  return v;
}

/* ---------- PEM loading ---------- */

static int load_store(SSL_CTX *ctx, const unsigned char *pem, size_t len) {
  BIO *bio = BIO_new_mem_buf(pem, (int)len);
  X509_STORE *store = SSL_CTX_get_cert_store(ctx);
  int count = 0;
  X509 *cert;
  while ((cert = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
    if (X509_STORE_add_cert(store, cert)) count++;
    X509_free(cert);
  }
  BIO_free(bio);
  ERR_clear_error(); /* the end-of-data error from the last PEM read */
  return count;
}

static int use_chain(SSL_CTX *ctx, const unsigned char *cert_pem, size_t cert_len, const unsigned char *key_pem, size_t key_len, X509 **leaf_out) {
  BIO *bio = BIO_new_mem_buf(cert_pem, (int)cert_len);
  X509 *leaf = PEM_read_bio_X509(bio, NULL, NULL, NULL);
  if (leaf == NULL || SSL_CTX_use_certificate(ctx, leaf) != 1) {
    X509_free(leaf);
    BIO_free(bio);
    return 0;
  }
  X509 *extra;
  while ((extra = PEM_read_bio_X509(bio, NULL, NULL, NULL)) != NULL) {
    if (SSL_CTX_add0_chain_cert(ctx, extra) != 1) {
      X509_free(extra);
      X509_free(leaf);
      BIO_free(bio);
      return 0;
    }
  }
  ERR_clear_error();
  BIO_free(bio);
  bio = BIO_new_mem_buf(key_pem, (int)key_len);
  EVP_PKEY *key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
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
        SSL_set_SSL_CTX(ssl, context->chains[i]);
        return SSL_TLSEXT_ERR_OK;
      }
    }
  }
  if (connection) connection->sni_missing = name == NULL ? 1 : 2;
  *alert = SSL_AD_UNRECOGNIZED_NAME;
  return SSL_TLSEXT_ERR_ALERT_FATAL;
}

static int accept_any(int preverify_ok, X509_STORE_CTX *store) {
  (void)preverify_ok;
  (void)store;
  return 1;
}

/* ---------- Context ---------- */

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

/* Applies the settings every SSL_CTX of a context shares. Returns 0 and leaves an error queued on failure. */
static int configure(napi_env env, SSL_CTX *ctx, napi_value options, Context *context) {
  napi_value value;
  int64_t n;
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  if ((value = get_prop(env, options, "minVersion")) && napi_get_value_int64(env, value, &n) == napi_ok) SSL_CTX_set_min_proto_version(ctx, (int)n);
  if ((value = get_prop(env, options, "maxVersion")) && napi_get_value_int64(env, value, &n) == napi_ok) SSL_CTX_set_max_proto_version(ctx, (int)n);
  char *ciphers = (value = get_prop(env, options, "cipherList")) ? string_arg(env, value) : NULL;
  char *suites = (value = get_prop(env, options, "cipherSuites")) ? string_arg(env, value) : NULL;
  /* An empty TLS 1.2 list is fine when only TLS 1.3 is allowed (and the reverse). */
  int ok = (ciphers == NULL || SSL_CTX_set_cipher_list(ctx, ciphers) == 1 || ciphers[0] == '\0') &&
           (suites == NULL || SSL_CTX_set_ciphersuites(ctx, suites) == 1);
  free(ciphers);
  free(suites);
  if (!ok) return 0;
  ERR_clear_error();
  unsigned char *pem;
  size_t len;
  if ((value = get_prop(env, options, "trustPem")) && bytes_arg(env, value, &pem, &len)) {
    if (load_store(ctx, pem, len) == 0) {
      ERR_raise_data(ERR_LIB_SSL, SSL_R_CERTIFICATE_VERIFY_FAILED, "no certificate in the trust store");
      return 0;
    }
    X509_VERIFY_PARAM *param = SSL_CTX_get0_param(ctx);
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_X509_STRICT | X509_V_FLAG_PARTIAL_CHAIN);
    X509_VERIFY_PARAM_set_purpose(param, context->is_server ? X509_PURPOSE_SSL_CLIENT : X509_PURPOSE_SSL_SERVER);
    if ((value = get_prop(env, options, "verifyTime")) && napi_get_value_int64(env, value, &n) == napi_ok) X509_VERIFY_PARAM_set_time(param, (time_t)n);
    int verify = SSL_VERIFY_PEER | (context->is_server ? SSL_VERIFY_FAIL_IF_NO_PEER_CERT : 0);
    bool verify_off = false;
    if ((value = get_prop(env, options, "skipVerify"))) napi_get_value_bool(env, value, &verify_off);
    /* @unitls/insecure only: still ask for a client certificate, accept whatever comes. */
    SSL_CTX_set_verify(ctx, verify, verify_off ? accept_any : NULL);
  } else {
    SSL_CTX_set_verify(ctx, SSL_VERIFY_NONE, NULL);
  }
  if (context->alpn) {
    if (context->is_server) SSL_CTX_set_alpn_select_cb(ctx, select_alpn, context);
    else if (SSL_CTX_set_alpn_protos(ctx, context->alpn, context->alpn_len) != 0) return 0;
  }
  if (context->is_server) SSL_CTX_set_session_id_context(ctx, (const unsigned char *)"unitls", 6);
  return 1;
}

/* createContext(isServer, options) -> Context */
static napi_value create_context(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  args_of(env, info, 2, argv, NULL);
  bool is_server;
  CHECK(napi_get_value_bool(env, argv[0], &is_server));
  napi_value options = argv[1];
  ERR_clear_error();
  Context *context = calloc(1, sizeof *context);
  context->is_server = is_server;
  unsigned char *bytes;
  size_t len;
  napi_value value;
  if ((value = get_prop(env, options, "alpn")) && bytes_arg(env, value, &bytes, &len) && len > 0) {
    context->alpn = malloc(len);
    memcpy(context->alpn, bytes, len);
    context->alpn_len = (unsigned int)len;
  }
  context->ctx = SSL_CTX_new(is_server ? TLS_server_method() : TLS_client_method());
  if (context->ctx == NULL || !configure(env, context->ctx, options, context)) {
    context_free(context);
    throw_openssl(env, "cannot configure the TLS context", X509_V_OK);
    return NULL;
  }
  napi_value chains = get_prop(env, options, "chains");
  uint32_t count = 0;
  if (chains) napi_get_array_length(env, chains, &count);
  if (count > MAX_CHAINS) count = MAX_CHAINS;
  for (uint32_t i = 0; i < count; i++) {
    napi_value chain, cert, key;
    napi_get_element(env, chains, i, &chain);
    napi_get_named_property(env, chain, "cert", &cert);
    napi_get_named_property(env, chain, "key", &key);
    unsigned char *cert_pem, *key_pem;
    size_t cert_len, key_len;
    if (!bytes_arg(env, cert, &cert_pem, &cert_len) || !bytes_arg(env, key, &key_pem, &key_len)) {
      context_free(context);
      napi_throw_type_error(env, NULL, "chains must hold { cert, key } buffers");
      return NULL;
    }
    SSL_CTX *target = context->ctx;
    if (count > 1) {
      target = SSL_CTX_new(is_server ? TLS_server_method() : TLS_client_method());
      if (target == NULL || !configure(env, target, options, context)) {
        SSL_CTX_free(target);
        context_free(context);
        throw_openssl(env, "cannot configure the TLS context", X509_V_OK);
        return NULL;
      }
    }
    X509 *leaf = NULL;
    if (!use_chain(target, cert_pem, cert_len, key_pem, key_len, &leaf)) {
      if (target != context->ctx) SSL_CTX_free(target);
      context_free(context);
      throw_openssl(env, "cannot use the certificate chain (does the key match the certificate?)", X509_V_OK);
      return NULL;
    }
    if (count > 1) {
      context->chains[context->chain_count] = target;
      context->leaves[context->chain_count++] = leaf;
    } else {
      X509_free(leaf);
    }
  }
  if (is_server && context->chain_count > 1) {
    SSL_CTX_set_tlsext_servername_callback(context->ctx, choose_chain);
    SSL_CTX_set_tlsext_servername_arg(context->ctx, context);
  }
  napi_value object;
  napi_create_object(env, &object);
  napi_type_tag_object(env, object, &CONTEXT_TAG);
  if (napi_wrap(env, object, context, context_finalize, NULL, NULL) != napi_ok) {
    context_free(context);
    napi_throw_error(env, "UNITLS_ADDON", "cannot wrap the context");
    return NULL;
  }
  ERR_clear_error();
  return object;
}

/* ---------- Connection ---------- */

static void connection_free(napi_env env, Connection *connection) {
  if (connection == NULL) return;
  SSL_free(connection->ssl); /* frees both BIOs */
  if (connection->context_ref) napi_delete_reference(env, connection->context_ref);
  free(connection);
}

static void connection_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  connection_free(env, data);
}

/* createConnection(context, serverHostname | null, isIp, sessionDer | null) -> Connection */
static napi_value create_connection(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  args_of(env, info, 4, argv, NULL);
  Context *context;
  bool tagged = false;
  if (napi_check_object_type_tag(env, argv[0], &CONTEXT_TAG, &tagged) != napi_ok || !tagged ||
      napi_unwrap(env, argv[0], (void **)&context) != napi_ok || context == NULL) {
    napi_throw_error(env, "UNITLS_CLOSED", "the context was freed");
    return NULL;
  }
  ERR_clear_error();
  Connection *connection = calloc(1, sizeof *connection);
  connection->context = context;
  connection->ssl = SSL_new(context->ctx);
  connection->rbio = BIO_new(BIO_s_mem());
  connection->wbio = BIO_new(BIO_s_mem());
  if (connection->ssl == NULL || connection->rbio == NULL || connection->wbio == NULL) {
    BIO_free(connection->rbio);
    BIO_free(connection->wbio);
    connection_free(env, connection);
    throw_openssl(env, "cannot create the TLS connection", X509_V_OK);
    return NULL;
  }
  /* EOF is signalled explicitly (feedEof); until then an empty BIO means "want read". */
  BIO_set_mem_eof_return(connection->rbio, -1);
  SSL_set_bio(connection->ssl, connection->rbio, connection->wbio);
  SSL_set_app_data(connection->ssl, connection);
  char *host = string_arg(env, argv[1]);
  bool is_ip = false;
  napi_get_value_bool(env, argv[2], &is_ip);
  if (context->is_server) {
    SSL_set_accept_state(connection->ssl);
  } else {
    SSL_set_connect_state(connection->ssl);
    if (host != NULL) {
      X509_VERIFY_PARAM *param = SSL_get0_param(connection->ssl);
      X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
      int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host) : (X509_VERIFY_PARAM_set1_host(param, host, 0) && SSL_set_tlsext_host_name(connection->ssl, host));
      if (!ok) {
        free(host);
        connection_free(env, connection);
        throw_openssl(env, "invalid server name", X509_V_OK);
        return NULL;
      }
    }
    unsigned char *der;
    size_t der_len;
    if (bytes_arg(env, argv[3], &der, &der_len)) {
      const unsigned char *p = der;
      SSL_SESSION *session = d2i_SSL_SESSION(NULL, &p, (long)der_len);
      if (session != NULL) {
        SSL_set_session(connection->ssl, session);
        SSL_SESSION_free(session);
      }
    }
  }
  free(host);
  napi_value object;
  napi_create_object(env, &object);
  napi_type_tag_object(env, object, &CONNECTION_TAG);
  napi_create_reference(env, argv[0], 1, &connection->context_ref);
  if (napi_wrap(env, object, connection, connection_finalize, NULL, NULL) != napi_ok) {
    connection_free(env, connection);
    napi_throw_error(env, "UNITLS_ADDON", "cannot wrap the connection");
    return NULL;
  }
  ERR_clear_error();
  return object;
}

enum { DONE = 0, WANT_READ = 1, WANT_WRITE = 2, ZERO_RETURN = 3, EOF_RAGGED = 4 };

/* Maps an SSL_get_error result to a status, or throws. */
static napi_value status_or_throw(napi_env env, Connection *c, int ret, const char *what) {
  int err = SSL_get_error(c->ssl, ret);
  switch (err) {
    case SSL_ERROR_WANT_READ:
      ERR_clear_error();
      return int_value(env, WANT_READ);
    case SSL_ERROR_WANT_WRITE:
      ERR_clear_error();
      return int_value(env, WANT_WRITE);
    case SSL_ERROR_ZERO_RETURN:
      ERR_clear_error();
      return int_value(env, ZERO_RETURN);
    case SSL_ERROR_SYSCALL:
    case SSL_ERROR_SSL: {
      unsigned long e = ERR_peek_last_error();
      if (err == SSL_ERROR_SYSCALL || ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
        if (e == 0 || ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
          ERR_clear_error();
          return int_value(env, EOF_RAGGED);
        }
      }
      throw_openssl(env, what, SSL_get_verify_result(c->ssl));
      return NULL;
    }
    default:
      throw_openssl(env, what, X509_V_OK);
      return NULL;
  }
}

static napi_value do_handshake(napi_env env, napi_callback_info info) {
  Connection *c;
  if (!args_of(env, info, 0, NULL, (void **)&c)) return NULL;
  ERR_clear_error();
  int ret = SSL_do_handshake(c->ssl);
  if (ret == 1) return int_value(env, DONE);
  return status_or_throw(env, c, ret, "TLS handshake failed");
}

/* read(max) -> Buffer | status number */
static napi_value read_plain(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Connection *c;
  if (!args_of(env, info, 1, argv, (void **)&c)) return NULL;
  int64_t max;
  CHECK(napi_get_value_int64(env, argv[0], &max));
  if (max <= 0) max = 1;
  if (max > 1 << 20) max = 1 << 20;
  unsigned char *buffer = malloc((size_t)max);
  ERR_clear_error();
  size_t got = 0;
  int ret = SSL_read_ex(c->ssl, buffer, (size_t)max, &got);
  napi_value out = ret == 1 ? make_buffer(env, buffer, got) : status_or_throw(env, c, 0, "TLS read failed");
  free(buffer);
  return out;
}

/* write(buffer) -> bytes taken | status number (negative: -status) */
static napi_value write_plain(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Connection *c;
  if (!args_of(env, info, 1, argv, (void **)&c)) return NULL;
  unsigned char *data;
  size_t len;
  if (!bytes_arg(env, argv[0], &data, &len)) {
    napi_throw_type_error(env, NULL, "write expects a Buffer");
    return NULL;
  }
  if (len == 0) return int_value(env, 0);
  ERR_clear_error();
  size_t written = 0;
  if (SSL_write_ex(c->ssl, data, len, &written) == 1) return int_value(env, (int64_t)written);
  napi_value status = status_or_throw(env, c, 0, "TLS write failed");
  if (status == NULL) return NULL;
  int64_t s;
  napi_get_value_int64(env, status, &s);
  return int_value(env, -s);
}

/* shutdown() -> DONE when both close_notify are done, WANT_READ while waiting for the peer's */
static napi_value shutdown_tls(napi_env env, napi_callback_info info) {
  Connection *c;
  if (!args_of(env, info, 0, NULL, (void **)&c)) return NULL;
  ERR_clear_error();
  int ret = SSL_shutdown(c->ssl);
  if (ret == 1) return int_value(env, DONE);
  if (ret == 0) {
    /* Ours is sent; try to read theirs. */
    ret = SSL_shutdown(c->ssl);
    if (ret == 1) return int_value(env, DONE);
    if (ret == 0) return int_value(env, WANT_READ);
  }
  return status_or_throw(env, c, ret, "TLS shutdown failed");
}

/* feed(buffer) -> true when stored, false (nothing stored) when the incoming buffer is full */
static napi_value feed(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Connection *c;
  if (!args_of(env, info, 1, argv, (void **)&c)) return NULL;
  unsigned char *data;
  size_t len;
  if (!bytes_arg(env, argv[0], &data, &len)) {
    napi_throw_type_error(env, NULL, "feed expects a Buffer");
    return NULL;
  }
  napi_value result;
  if ((size_t)BIO_ctrl_pending(c->rbio) + len > MAX_INCOMING) {
    napi_get_boolean(env, false, &result);
    return result;
  }
  if (len > 0 && BIO_write(c->rbio, data, (int)len) != (int)len) {
    throw_openssl(env, "cannot buffer incoming data", X509_V_OK);
    return NULL;
  }
  napi_get_boolean(env, true, &result);
  return result;
}

static napi_value feed_eof(napi_env env, napi_callback_info info) {
  Connection *c;
  if (!args_of(env, info, 0, NULL, (void **)&c)) return NULL;
  BIO_set_mem_eof_return(c->rbio, 0);
  return NULL;
}

static napi_value incoming_pending(napi_env env, napi_callback_info info) {
  Connection *c;
  if (!args_of(env, info, 0, NULL, (void **)&c)) return NULL;
  return int_value(env, (int64_t)BIO_ctrl_pending(c->rbio));
}

static napi_value outgoing_pending(napi_env env, napi_callback_info info) {
  Connection *c;
  if (!args_of(env, info, 0, NULL, (void **)&c)) return NULL;
  return int_value(env, (int64_t)BIO_ctrl_pending(c->wbio));
}

/* drain(max) -> Buffer of up to max ciphertext bytes */
static napi_value drain(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Connection *c;
  if (!args_of(env, info, 1, argv, (void **)&c)) return NULL;
  int64_t max;
  CHECK(napi_get_value_int64(env, argv[0], &max));
  size_t pending = BIO_ctrl_pending(c->wbio);
  size_t take = max < 0 || (size_t)max > pending ? pending : (size_t)max;
  unsigned char *buffer = malloc(take ? take : 1);
  int got = take ? BIO_read(c->wbio, buffer, (int)take) : 0;
  napi_value out = make_buffer(env, buffer, got > 0 ? (size_t)got : 0);
  free(buffer);
  return out;
}

/* info() -> { version, cipher, alpn, peerCert, sessionReused, verifyResult, sniMissing } */
static napi_value connection_info(napi_env env, napi_callback_info info) {
  Connection *c;
  if (!args_of(env, info, 0, NULL, (void **)&c)) return NULL;
  napi_value out;
  napi_create_object(env, &out);
  napi_set_named_property(env, out, "handshakeDone", int_value(env, SSL_is_init_finished(c->ssl)));
  napi_set_named_property(env, out, "version", int_value(env, SSL_is_init_finished(c->ssl) ? SSL_version(c->ssl) : 0));
  const SSL_CIPHER *cipher = SSL_get_current_cipher(c->ssl);
  napi_set_named_property(env, out, "cipher", int_value(env, cipher && SSL_is_init_finished(c->ssl) ? SSL_CIPHER_get_protocol_id(cipher) : -1));
  const unsigned char *alpn;
  unsigned int alpn_len;
  SSL_get0_alpn_selected(c->ssl, &alpn, &alpn_len);
  if (alpn_len > 0) napi_set_named_property(env, out, "alpn", make_buffer(env, alpn, alpn_len));
  X509 *peer = SSL_get0_peer_certificate(c->ssl);
  if (peer != NULL) {
    unsigned char *der = NULL;
    int len = i2d_X509(peer, &der);
    if (len > 0) {
      napi_set_named_property(env, out, "peerCert", make_buffer(env, der, (size_t)len));
      OPENSSL_free(der);
    }
  }
  napi_set_named_property(env, out, "sessionReused", int_value(env, SSL_session_reused(c->ssl)));
  napi_set_named_property(env, out, "verifyResult", int_value(env, SSL_get_verify_result(c->ssl)));
  napi_set_named_property(env, out, "sniMissing", int_value(env, c->sni_missing));
  const char *servername = SSL_get_servername(c->ssl, TLSEXT_NAMETYPE_host_name);
  if (servername != NULL) {
    napi_value name;
    napi_create_string_utf8(env, servername, NAPI_AUTO_LENGTH, &name);
    napi_set_named_property(env, out, "servername", name);
  }
  napi_set_named_property(env, out, "shutdown", int_value(env, SSL_get_shutdown(c->ssl)));
  ERR_clear_error();
  return out;
}

static napi_value get_session(napi_env env, napi_callback_info info) {
  Connection *c;
  if (!args_of(env, info, 0, NULL, (void **)&c)) return NULL;
  SSL_SESSION *session = SSL_get1_session(c->ssl);
  if (session == NULL || !SSL_SESSION_is_resumable(session)) {
    SSL_SESSION_free(session);
    return NULL;
  }
  unsigned char *der = NULL;
  int len = i2d_SSL_SESSION(session, &der);
  SSL_SESSION_free(session);
  if (len <= 0) return NULL;
  napi_value out = make_buffer(env, der, (size_t)len);
  OPENSSL_free(der);
  return out;
}

/* free(connection): frees a connection now instead of at garbage collection. Contexts are left to
 * the garbage collector: connections keep them alive through a reference. */
static napi_value free_object(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  bool is_connection = false;
  napi_check_object_type_tag(env, argv[0], &CONNECTION_TAG, &is_connection);
  void *data = NULL;
  if (is_connection && napi_remove_wrap(env, argv[0], &data) == napi_ok && data != NULL) connection_free(env, data);
  return NULL;
}

static napi_value wrap_method(napi_env env, napi_value object, const char *name, napi_callback cb) {
  napi_value fn;
  napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, NULL, &fn);
  napi_set_named_property(env, object, name, fn);
  return object;
}

/* Connection methods are plain functions taking the connection as `this`. */
static napi_value init(napi_env env, napi_value exports) {
  wrap_method(env, exports, "createContext", create_context);
  wrap_method(env, exports, "createConnection", create_connection);
  wrap_method(env, exports, "doHandshake", do_handshake);
  wrap_method(env, exports, "read", read_plain);
  wrap_method(env, exports, "write", write_plain);
  wrap_method(env, exports, "shutdown", shutdown_tls);
  wrap_method(env, exports, "feed", feed);
  wrap_method(env, exports, "feedEof", feed_eof);
  wrap_method(env, exports, "incomingPending", incoming_pending);
  wrap_method(env, exports, "outgoingPending", outgoing_pending);
  wrap_method(env, exports, "drain", drain);
  wrap_method(env, exports, "info", connection_info);
  wrap_method(env, exports, "session", get_session);
  wrap_method(env, exports, "free", free_object);
  napi_value version;
  napi_create_string_utf8(env, OpenSSL_version(OPENSSL_VERSION), NAPI_AUTO_LENGTH, &version);
  napi_set_named_property(env, exports, "opensslVersion", version);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
