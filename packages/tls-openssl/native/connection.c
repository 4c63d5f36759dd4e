/*
 * A connection: one SSL object between two chunk BIOs (network -> SSL, SSL -> network), driven
 * synchronously. Calls return a count or a status (WANT_READ, ...) instead of throwing, so the
 * TypeScript side pays for no exception on its hot paths; real failures throw.
 */
#include <openssl/err.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"
#include "chunk_bio.h"

static void connection_free(napi_env env, Connection *connection) {
  if (connection == NULL) return;
  SSL_free(connection->ssl); /* frees both BIOs */
  X509_free(connection->refused_leaf);
  X509_free(connection->refused_at);
  sk_X509_pop_free(connection->refused_chain, X509_free);
  if (connection->context_ref) napi_delete_reference(env, connection->context_ref);
  if (connection->deferred_error) napi_delete_reference(env, connection->deferred_error);
  free(connection);
}

static void connection_finalize(napi_env env, void *data, void *hint) {
  (void)hint;
  connection_free(env, data);
}

/* Applies the client's server name (verification and SNI) and session; 0 with an error queued. */
static int configure_client(SSL *ssl, const char *host, bool is_ip, const unsigned char *der, size_t der_len) {
  if (host != NULL) {
    X509_VERIFY_PARAM *param = SSL_get0_param(ssl);
    X509_VERIFY_PARAM_set_hostflags(param, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS | X509_CHECK_FLAG_NEVER_CHECK_SUBJECT);
    int ok = is_ip ? X509_VERIFY_PARAM_set1_ip_asc(param, host) : (X509_VERIFY_PARAM_set1_host(param, host, 0) && SSL_set_tlsext_host_name(ssl, host));
    if (!ok) return 0;
  }
  if (der != NULL) {
    /* A session that does not decode is not offered: the handshake is then a full one. */
    const unsigned char *p = der;
    SSL_SESSION *session = der_len <= LONG_MAX ? d2i_SSL_SESSION(NULL, &p, (long)der_len) : NULL;
    if (session != NULL) {
      SSL_set_session(ssl, session);
      SSL_SESSION_free(session);
    }
    ERR_clear_error();
  }
  return 1;
}

/* ---------- the bound on post-handshake handshake records ---------- */

/* What OpenSSL reads in place of the peer's next record once a flood is seen: a record header of
 * type handshake. TLS 1.3 encrypts every record under an outer type of application_data, so OpenSSL
 * refuses this one at its header (SSL_R_BAD_RECORD_TYPE) and sends a fatal unexpected_message alert:
 * OpenSSL has no public call to send an alert of our choosing, and this is the alert RFC 8446 asks
 * for. Under TLS 1.2 OpenSSL answers that record with a fatal internal_error alert instead (an empty
 * record fails its AEAD length check: tests/conformance/key-update-flood, "a TLS 1.2 flood"). */
static const unsigned char REFUSAL_RECORD[] = {SSL3_RT_HANDSHAKE, 3, 3, 0, 0};

/* REFUSAL_RECORD after the input kept: every later call fails with the flood (status_of). */
static void append_refusal(Connection *c) {
  c->refusal_due = 0;
  c->refusal_queued = true;
  (void)chunk_bio_append(c->rbio, REFUSAL_RECORD, sizeof REFUSAL_RECORD);
}

/* Drops the peer's input past the record that passed the bound, as far as it has arrived, and puts
 * REFUSAL_RECORD there; when part of that record is still to come, feeds keep that much and queue
 * the refusal after it (flooded_feed). Out of memory, no refusal: the call still fails with the
 * flood, without the alert. */
static void queue_refusal(Connection *c) {
  size_t pending = chunk_bio_pending(c->rbio);
  if (pending < c->refusal_due) {
    c->refusal_due -= pending;
    return;
  }
  chunk_bio_truncate(c->rbio, c->refusal_due);
  append_refusal(c);
}

/* OpenSSL's message callback, for every record header and handshake message read or written.
 * After the peer's Finished, each record of the peer's holding handshake data (KeyUpdate,
 * NewSessionTicket, HelloRequest, ...) counts until application data is returned (read_into); the
 * one past MAX_IDLE_HANDSHAKE_MESSAGES ends the connection. Records, as tls-pure counts: TLS 1.3
 * names a record's type once decrypted (SSL3_RT_INNER_CONTENT_TYPE, its body read), TLS 1.2 in its
 * header (SSL3_RT_HEADER, before its body is read: that many more bytes stay). The callback cannot
 * stop OpenSSL processing that record, so it replaces the input that follows: the next record
 * OpenSSL reads is REFUSAL_RECORD, the call fails there, and status_of reports the flood. */
static void on_message(int write_p, int version, int content_type, const void *buf, size_t len, SSL *ssl, void *arg) {
  (void)version;
  Connection *c = arg;
  if (write_p || len == 0) return;
  const unsigned char *bytes = buf;
  if (content_type == SSL3_RT_HANDSHAKE) {
    if (!c->peer_finished) c->peer_finished = bytes[0] == SSL3_MT_FINISHED;
    else if (c->flooded && !c->flood_named) {
      c->flood_type = bytes[0];
      c->flood_named = true;
    }
    return;
  }
  if (!c->peer_finished || c->flooded) return;
  size_t body_unread;
  if (content_type == SSL3_RT_INNER_CONTENT_TYPE) body_unread = 0;
  else if (content_type == SSL3_RT_HEADER && len >= SSL3_RT_HEADER_LENGTH && SSL_version(ssl) != TLS1_3_VERSION) body_unread = ((size_t)bytes[3] << 8) | bytes[4];
  else return;
  if (bytes[0] != SSL3_RT_HANDSHAKE || ++c->idle_records <= MAX_IDLE_HANDSHAKE_MESSAGES) return;
  c->flooded = true;
  c->refusal_due = body_unread;
  queue_refusal(c);
}

/* Input fed after a flood: what completes the record that passed the bound is kept, REFUSAL_RECORD
 * queued after it, the rest dropped (OpenSSL will never read it). refusal_due counts the bytes still
 * to come, so each feed subtracts what it kept: the input already pending was counted when it came
 * (review 11: measuring the whole pending input again counted a feed OpenSSL had not read yet twice,
 * and the refusal went inside the flooding record, where OpenSSL never reached it to send its alert). */
static bool flooded_feed(Connection *c, const unsigned char *data, size_t len) {
  if (c->refusal_queued) return true;
  size_t take = len < c->refusal_due ? len : c->refusal_due;
  if (take > 0 && !chunk_bio_append(c->rbio, data, take)) return false;
  c->refusal_due -= take;
  if (c->refusal_due == 0) append_refusal(c);
  return true;
}

static const char *message_name(unsigned char type) {
  switch (type) {
    case SSL3_MT_KEY_UPDATE:
      return "KeyUpdate";
    case SSL3_MT_NEWSESSION_TICKET:
      return "NewSessionTicket";
    case SSL3_MT_HELLO_REQUEST:
      return "HelloRequest";
    case SSL3_MT_CLIENT_HELLO:
      return "ClientHello";
    default:
      return "handshake message";
  }
}

/* The error of a connection ended by a flood (code UNITLS_HANDSHAKE_FLOOD; `reason` says what
 * happened, for the TypeScript message); NULL with an exception pending when it cannot be built. */
static napi_value flood_error(napi_env env, Connection *c, const char *what) {
  const char *name = c->flood_named ? message_name(c->flood_type) : "handshake message";
  char reason[320], message[400];
  snprintf(reason, sizeof reason,
           "a %s flood: the peer sent more than %d records of post-handshake handshake messages in a row with no application data (the last: a %s); the connection is ended with a fatal %s alert",
           name, MAX_IDLE_HANDSHAKE_MESSAGES, name, SSL_version(c->ssl) == TLS1_3_VERSION ? "unexpected_message" : "internal_error");
  snprintf(message, sizeof message, "%s: %s", what, reason);
  napi_value error, code, text, reason_value;
  if (napi_create_string_utf8(env, "UNITLS_HANDSHAKE_FLOOD", NAPI_AUTO_LENGTH, &code) != napi_ok ||
      napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &text) != napi_ok || napi_create_error(env, code, text, &error) != napi_ok ||
      napi_create_string_utf8(env, reason, NAPI_AUTO_LENGTH, &reason_value) != napi_ok || !set_property(env, error, "reason", reason_value)) {
    throw_error(env, "UNITLS_ADDON", "cannot build the error object");
    return NULL;
  }
  return error;
}

/* createConnection(context, serverHostname | null, isIp, sessionDer | null) -> Connection */
napi_value create_connection(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  if (!args_of(env, info, 4, argv, NULL)) return NULL;
  Context *context = NULL;
  bool tagged = false;
  CHECK(napi_check_object_type_tag(env, argv[0], &CONTEXT_TAG, &tagged));
  if (!tagged || napi_unwrap(env, argv[0], (void **)&context) != napi_ok || context == NULL) {
    throw_type_error(env, "UNITLS_ADDON", "not a tls-openssl context");
    return NULL;
  }
  napi_valuetype host_type;
  CHECK(napi_typeof(env, argv[1], &host_type));
  char *host = NULL;
  if (host_type != napi_null && host_type != napi_undefined && !string_of(env, argv[1], "the server name", &host)) return NULL;
  bool is_ip = false;
  CHECK(napi_get_value_bool(env, argv[2], &is_ip));
  unsigned char *der = NULL;
  size_t der_len = 0;
  if (!bytes_of(env, argv[3], &der, &der_len)) der = NULL;

  Connection *connection = calloc(1, sizeof *connection);
  SSL *ssl = connection == NULL ? NULL : SSL_new(context->ctx);
  BIO *rbio = ssl == NULL ? NULL : chunk_bio_new();
  BIO *wbio = rbio == NULL ? NULL : chunk_bio_new();
  if (wbio == NULL) {
    BIO_free(rbio);
    SSL_free(ssl);
    free(connection);
    free(host);
    throw_openssl(env, "cannot create the TLS connection", X509_V_OK);
    return NULL;
  }
  SSL_set_bio(ssl, rbio, wbio);
  connection->magic = CONNECTION_MAGIC;
  connection->ssl = ssl;
  connection->rbio = rbio;
  connection->wbio = wbio;
  connection->context = context;
  SSL_set_app_data(ssl, connection);
  SSL_set_msg_callback(ssl, on_message);
  SSL_set_msg_callback_arg(ssl, connection);
  if (context->is_server) {
    SSL_set_accept_state(ssl);
  } else {
    SSL_set_connect_state(ssl);
    if (!configure_client(ssl, host, is_ip, der, der_len)) {
      free(host);
      connection_free(env, connection);
      throw_openssl(env, "invalid server name", X509_V_OK);
      return NULL;
    }
  }
  free(host);
  napi_value object;
  if (napi_create_object(env, &object) != napi_ok || napi_type_tag_object(env, object, &CONNECTION_TAG) != napi_ok ||
      napi_create_reference(env, argv[0], 1, &connection->context_ref) != napi_ok) {
    connection_free(env, connection);
    throw_error(env, "UNITLS_ADDON", "cannot create the connection object");
    return NULL;
  }
  if (napi_wrap(env, object, connection, connection_finalize, NULL, NULL) != napi_ok) {
    connection_free(env, connection);
    throw_error(env, "UNITLS_ADDON", "cannot wrap the connection");
    return NULL;
  }
  return object;
}

/* Whether `value` is an object made by createConnection; false with an exception pending on failure. */
static bool tagged_connection(napi_env env, napi_value value, bool *tagged) {
  napi_valuetype type;
  *tagged = false;
  CHECK_OR(napi_typeof(env, value, &type), false);
  if (type == napi_object) CHECK_OR(napi_check_object_type_tag(env, value, &CONNECTION_TAG, tagged), false);
  return true;
}

/* isConnection(value) -> whether value is a live connection made by createConnection */
napi_value is_connection(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool tagged;
  void *data = NULL;
  if (!args_of(env, info, 1, argv, NULL) || !tagged_connection(env, argv[0], &tagged)) return NULL;
  if (tagged && napi_unwrap(env, argv[0], &data) != napi_ok) data = NULL;
  napi_value result;
  CHECK(napi_get_boolean(env, tagged && data != NULL, &result));
  return result;
}

/* ---------- statuses ---------- */

/* What SSL_get_error says about a failed call: a status, or -1 for a real failure (error queued). */
static int classify(Connection *c, int ret) {
  int err = SSL_get_error(c->ssl, ret);
  switch (err) {
    case SSL_ERROR_WANT_READ:
      return WANT_READ;
    case SSL_ERROR_WANT_WRITE:
      return WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
      return ZERO_RETURN;
    case SSL_ERROR_SYSCALL:
    case SSL_ERROR_SSL: {
      unsigned long e = ERR_peek_last_error();
      if (err == SSL_ERROR_SYSCALL && e == 0) return EOF_RAGGED;
      if (ERR_GET_LIB(e) == ERR_LIB_SSL && ERR_GET_REASON(e) == SSL_R_UNEXPECTED_EOF_WHILE_READING) return EOF_RAGGED;
      return -1;
    }
    default:
      return -1;
  }
}

/* The status of a failed call, or -1 with the failure thrown. Once a flood's refusal is queued
 * every call fails with the flood, whatever OpenSSL says (its reason is the refusal record's);
 * before (the record that passed the bound has not all arrived) OpenSSL's status stands, so the
 * caller feeds the rest and OpenSSL reaches the refusal and sends its alert. */
static int status_of(napi_env env, Connection *c, int ret, const char *what) {
  int status = c->refusal_queued ? -1 : classify(c, ret);
  if (status < 0) {
    c->failed = 1;
    if (!c->flooded) {
      throw_openssl(env, what, SSL_get_verify_result(c->ssl));
    } else {
      napi_value error = flood_error(env, c, what);
      ERR_clear_error();
      if (error != NULL) napi_throw(env, error);
    }
  }
  return status;
}

/* A status as the negative number the JS side expects, or NULL when it was thrown. */
static napi_value negative_status(napi_env env, Connection *c, int ret, const char *what) {
  int status = status_of(env, c, ret, what);
  return status < 0 ? NULL : int_value(env, -status);
}

napi_value do_handshake(napi_env env, napi_callback_info info) {
  Connection *c;
  if (!args_of(env, info, 0, NULL, &c)) return NULL;
  int ret = SSL_do_handshake(c->ssl);
  if (ret == 1) return int_value(env, DONE);
  int status = status_of(env, c, ret, "TLS handshake failed");
  return status < 0 ? NULL : int_value(env, status);
}

/* ---------- reading ---------- */

/* After a read that returned data met a final condition: keep it for the next read, so neither
 * the data nor the reason is lost. False with an exception pending when it cannot be kept. */
static bool defer(napi_env env, Connection *c) {
  int status = c->refusal_queued ? -1 : classify(c, 0);
  if (status == WANT_READ || status == WANT_WRITE || status == ZERO_RETURN) return true; /* OpenSSL says so again */
  if (status == EOF_RAGGED) {
    c->deferred_status = EOF_RAGGED;
    return true;
  }
  napi_value error = c->flooded ? flood_error(env, c, "TLS read failed") : openssl_error(env, "TLS read failed", SSL_get_verify_result(c->ssl));
  if (error == NULL) return false;
  CHECK_OR(napi_create_reference(env, error, 1, &c->deferred_error), false);
  c->deferred_status = -1;
  return true;
}

static napi_value report_deferred(napi_env env, Connection *c) {
  if (c->deferred_status == EOF_RAGGED) return int_value(env, -EOF_RAGGED);
  napi_value error;
  CHECK(napi_get_reference_value(env, c->deferred_error, &error));
  napi_throw(env, error);
  return NULL;
}

/* readInto(target, offset, length, all) -> bytes read (> 0) | -status. One record, or with `all`
 * every record already decryptable, up to `length` bytes, straight into the caller's memory. */
napi_value read_into(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  Connection *c;
  if (!args_of(env, info, 4, argv, &c)) return NULL;
  if (c->deferred_status != 0) return report_deferred(env, c);
  unsigned char *target;
  size_t length;
  bool all;
  if (!window_arg(env, argv, "the read target", &target, &length)) return NULL;
  CHECK(napi_get_value_bool(env, argv[3], &all));
  if (length == 0) {
    throw_range_error(env, "UNITLS_INVALID_ARGUMENT", "read: at least one byte must be asked for");
    return NULL;
  }
  /* SSL_MODE_RELEASE_BUFFERS frees OpenSSL's read buffer after every record: one malloc and free
   * of ~16 KiB per record. While this call reads several, the buffer stays; it is freed once, at
   * the end, when OpenSSL holds nothing more (an idle connection still holds no buffer). */
  if (all) SSL_clear_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS);
  size_t total = 0;
  int status = 0; /* a failed read's status (0: none, -1: thrown) */
  for (;;) {
    size_t got = 0;
    if (SSL_read_ex(c->ssl, target + total, length - total, &got) == 1) {
      c->idle_records = 0; /* application data: a run of post-handshake handshake records ends (on_message) */
      total += got;
      if (all && total < length) continue;
      break;
    }
    if (total == 0) status = status_of(env, c, 0, "TLS read failed");
    else if (!defer(env, c)) status = -1;
    break;
  }
  if (all) {
    SSL_set_mode(c->ssl, SSL_MODE_RELEASE_BUFFERS);
    if (!SSL_has_pending(c->ssl)) SSL_free_buffers(c->ssl);
  }
  if (status < 0) return NULL;
  return int_value(env, status > 0 ? -(int64_t)status : (int64_t)total);
}

/* ---------- writing ---------- */

/* write(data) -> bytes taken (>= 0) | -status. Takes no more than fits under
 * OUTGOING_BUFFER_LIMIT; -WANT_WRITE when nothing fits. */
napi_value write_plain(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Connection *c;
  if (!args_of(env, info, 1, argv, &c)) return NULL;
  unsigned char *data;
  size_t len;
  if (!bytes_arg(env, argv[0], "the data to write", &data, &len)) return NULL;
  if (len == 0) return int_value(env, 0);
  size_t queued = chunk_bio_pending(c->wbio);
  if (queued >= OUTGOING_BUFFER_LIMIT) return int_value(env, -WANT_WRITE);
  size_t take = len < OUTGOING_BUFFER_LIMIT - queued ? len : OUTGOING_BUFFER_LIMIT - queued;
  /* The records of this write land in one piece of memory (one copy out, one transport write). */
  if (!chunk_bio_reserve(c->wbio, take + (take / MAX_RECORD_PLAINTEXT + 1) * MAX_RECORD_OVERHEAD)) {
    throw_openssl(env, "cannot buffer outgoing data", X509_V_OK);
    return NULL;
  }
  size_t written = 0;
  int ok = SSL_write_ex(c->ssl, data, take, &written);
  chunk_bio_trim(c->wbio);
  if (ok == 1) return int_value(env, (int64_t)written);
  return negative_status(env, c, 0, "TLS write failed");
}

/* writeInto(data, target, offset, length) -> ciphertext bytes placed in target[offset, offset +
 * length) (>= 0) | -status. Encrypts all of `data` straight into the caller's memory (no copy out
 * of the queue): only while nothing waits for drain and data fits under OUTGOING_BUFFER_LIMIT,
 * else -WANT_WRITE and nothing is taken (use write). Records that do not fit in target stay
 * queued, after it. */
napi_value write_into(napi_env env, napi_callback_info info) {
  napi_value argv[4];
  Connection *c;
  if (!args_of(env, info, 4, argv, &c)) return NULL;
  unsigned char *data;
  size_t len;
  if (!bytes_arg(env, argv[0], "the data to write", &data, &len)) return NULL;
  unsigned char *target;
  size_t length;
  if (!window_arg(env, argv + 1, "the write target", &target, &length)) return NULL;
  if (len == 0) return int_value(env, 0);
  if (len > OUTGOING_BUFFER_LIMIT || chunk_bio_pending(c->wbio) > 0) return int_value(env, -WANT_WRITE);
  void *lent = chunk_bio_lend(c->wbio, target, length);
  if (lent == NULL) {
    throw_openssl(env, "cannot buffer outgoing data", X509_V_OK);
    return NULL;
  }
  size_t written = 0;
  int wrote = SSL_write_ex(c->ssl, data, len, &written);
  /* On failure what was produced (an alert) stays queued for drain. */
  int kept;
  size_t placed = chunk_bio_unlend(c->wbio, lent, wrote != 1, &kept);
  if (!kept) {
    throw_openssl(env, "cannot buffer outgoing data", X509_V_OK);
    return NULL;
  }
  if (wrote == 1) return int_value(env, (int64_t)placed);
  return negative_status(env, c, 0, "TLS write failed");
}

/* shutdown() -> DONE when both close_notify are done, WANT_READ while waiting for the peer's */
napi_value shutdown_tls(napi_env env, napi_callback_info info) {
  Connection *c;
  if (!args_of(env, info, 0, NULL, &c)) return NULL;
  int ret = SSL_shutdown(c->ssl);
  if (ret == 1) return int_value(env, DONE);
  if (ret == 0) {
    /* Ours is sent; try to read theirs. */
    ret = SSL_shutdown(c->ssl);
    if (ret == 1) return int_value(env, DONE);
    if (ret == 0) return int_value(env, WANT_READ);
  }
  int status = status_of(env, c, ret, "TLS shutdown failed");
  return status < 0 ? NULL : int_value(env, status);
}

/* ---------- moving ciphertext ---------- */

typedef struct {
  napi_env env;
  napi_ref ref;
} Borrowed;

static void release_borrowed(void *owner) {
  Borrowed *borrowed = owner;
  napi_delete_reference(borrowed->env, borrowed->ref);
  free(borrowed);
}

/* Keeps `len` bytes of `value` in the incoming queue, by reference when asked and worth it;
 * false with an exception pending on failure. */
static bool store_incoming(napi_env env, Connection *c, napi_value value, const unsigned char *data, size_t len, bool borrow) {
  if (!borrow || len < BORROW_MIN) {
    if (chunk_bio_append(c->rbio, data, len)) return true;
    throw_openssl(env, "cannot buffer incoming data", X509_V_OK);
    return false;
  }
  Borrowed *borrowed = malloc(sizeof *borrowed);
  if (borrowed == NULL) {
    throw_error(env, "UNITLS_OUT_OF_MEMORY", "out of memory");
    return false;
  }
  borrowed->env = env;
  if (napi_create_reference(env, value, 1, &borrowed->ref) != napi_ok) {
    free(borrowed);
    throw_error(env, "UNITLS_ADDON", "N-API call failed: napi_create_reference");
    return false;
  }
  if (chunk_bio_borrow(c->rbio, data, len, release_borrowed, borrowed)) return true;
  release_borrowed(borrowed);
  throw_openssl(env, "cannot buffer incoming data", X509_V_OK);
  return false;
}

/* -> true when stored, false (nothing stored) when INCOMING_BUFFER_LIMIT would be passed */
static napi_value feed_with(napi_env env, napi_callback_info info, bool borrow) {
  napi_value argv[1];
  Connection *c;
  if (!args_of(env, info, 1, argv, &c)) return NULL;
  unsigned char *data;
  size_t len;
  if (!bytes_arg(env, argv[0], "the incoming data", &data, &len)) return NULL;
  bool fits = c->flooded || len <= INCOMING_BUFFER_LIMIT - chunk_bio_pending(c->rbio);
  if (c->flooded && !flooded_feed(c, data, len)) {
    throw_openssl(env, "cannot buffer incoming data", X509_V_OK);
    return NULL;
  }
  if (!c->flooded && fits && len > 0 && !store_incoming(env, c, argv[0], data, len, borrow)) return NULL;
  napi_value result;
  CHECK(napi_get_boolean(env, fits, &result));
  return result;
}

/* feed(data): copies data in. */
napi_value feed(napi_env env, napi_callback_info info) { return feed_with(env, info, false); }

/* feedOwned(data): like feed, but large inputs are kept by reference instead of copied; the caller
 * promises never to change `data` again. */
napi_value feed_owned(napi_env env, napi_callback_info info) { return feed_with(env, info, true); }

/* feedSome(data) -> bytes copied in: as many as fit under INCOMING_BUFFER_LIMIT (0 when full).
 * `data` may change as soon as this returns (a socket's reused read buffer). */
napi_value feed_some(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Connection *c;
  if (!args_of(env, info, 1, argv, &c)) return NULL;
  unsigned char *data;
  size_t len;
  if (!bytes_arg(env, argv[0], "the incoming data", &data, &len)) return NULL;
  if (c->flooded) {
    if (!flooded_feed(c, data, len)) {
      throw_openssl(env, "cannot buffer incoming data", X509_V_OK);
      return NULL;
    }
    return int_value(env, (int64_t)len);
  }
  size_t room = INCOMING_BUFFER_LIMIT - chunk_bio_pending(c->rbio);
  size_t take = len < room ? len : room;
  if (take > 0 && !chunk_bio_append(c->rbio, data, take)) {
    throw_openssl(env, "cannot buffer incoming data", X509_V_OK);
    return NULL;
  }
  return int_value(env, (int64_t)take);
}

napi_value feed_eof(napi_env env, napi_callback_info info) {
  Connection *c;
  if (!args_of(env, info, 0, NULL, &c)) return NULL;
  chunk_bio_set_eof(c->rbio);
  return NULL;
}

napi_value incoming_pending(napi_env env, napi_callback_info info) {
  Connection *c;
  if (!args_of(env, info, 0, NULL, &c)) return NULL;
  return int_value(env, (int64_t)chunk_bio_pending(c->rbio));
}

napi_value outgoing_pending(napi_env env, napi_callback_info info) {
  Connection *c;
  if (!args_of(env, info, 0, NULL, &c)) return NULL;
  return int_value(env, (int64_t)chunk_bio_pending(c->wbio));
}

/* drain(max) -> a Buffer of up to max ciphertext bytes (any size: all that is buffered at most) */
napi_value drain(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  Connection *c;
  if (!args_of(env, info, 1, argv, &c)) return NULL;
  double max;
  CHECK(napi_get_value_double(env, argv[0], &max));
  size_t pending = chunk_bio_pending(c->wbio);
  size_t take = !(max > 0) ? 0 : max >= (double)pending ? pending : (size_t)max;
  napi_value out;
  void *dest;
  CHECK(napi_create_buffer(env, take, &dest, &out));
  if (take > 0) chunk_bio_take(c->wbio, dest, take);
  return out;
}

/* drainInto(target, offset, length) -> ciphertext bytes moved into target[offset, offset + length) */
napi_value drain_into(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  Connection *c;
  if (!args_of(env, info, 3, argv, &c)) return NULL;
  unsigned char *target;
  size_t length;
  if (!window_arg(env, argv, "the drain target", &target, &length)) return NULL;
  return int_value(env, (int64_t)chunk_bio_take(c->wbio, target, length));
}

/* ---------- what was negotiated ---------- */

static bool set_int(napi_env env, napi_value object, const char *name, int64_t n) {
  return set_property(env, object, name, int_value(env, n));
}

/* info() -> { handshakeDone, version, cipher, alpn?, group?, peerCert?, sessionReused, verifyResult, sniMissing, servername?, shutdown } */
napi_value connection_info(napi_env env, napi_callback_info info) {
  Connection *c;
  if (!args_of(env, info, 0, NULL, &c)) return NULL;
  napi_value out;
  CHECK(napi_create_object(env, &out));
  int done = SSL_is_init_finished(c->ssl);
  const SSL_CIPHER *cipher = SSL_get_current_cipher(c->ssl);
  if (!set_int(env, out, "handshakeDone", done) || !set_int(env, out, "version", done ? SSL_version(c->ssl) : 0) ||
      !set_int(env, out, "cipher", cipher && done ? SSL_CIPHER_get_protocol_id(cipher) : -1) ||
      !set_int(env, out, "sessionReused", SSL_session_reused(c->ssl)) || !set_int(env, out, "verifyResult", SSL_get_verify_result(c->ssl)) ||
      !set_int(env, out, "sniMissing", c->sni_missing) || !set_int(env, out, "shutdown", SSL_get_shutdown(c->ssl))) {
    return NULL;
  }
  const unsigned char *alpn;
  unsigned int alpn_len;
  SSL_get0_alpn_selected(c->ssl, &alpn, &alpn_len);
  if (alpn_len > 0 && !set_property(env, out, "alpn", buffer_copy(env, alpn, alpn_len))) return NULL;
  int group = done ? SSL_get_negotiated_group(c->ssl) : 0;
  const char *group_name = group > 0 ? SSL_group_to_name(c->ssl, group) : NULL;
  if (group_name != NULL) {
    napi_value name;
    CHECK(napi_create_string_utf8(env, group_name, NAPI_AUTO_LENGTH, &name));
    if (!set_property(env, out, "group", name)) return NULL;
  }
  X509 *peer = SSL_get0_peer_certificate(c->ssl);
  if (peer != NULL) {
    unsigned char *der = NULL;
    int len = i2d_X509(peer, &der);
    if (len <= 0) {
      throw_openssl(env, "cannot encode the peer certificate", X509_V_OK);
      return NULL;
    }
    bool ok = set_property(env, out, "peerCert", buffer_copy(env, der, (size_t)len));
    OPENSSL_free(der);
    if (!ok) return NULL;
  }
  if (c->refused_leaf != NULL) {
    unsigned char *der = NULL;
    int len = i2d_X509(c->refused_leaf, &der);
    if (len > 0) {
      bool ok = set_property(env, out, "refusedCert", buffer_copy(env, der, (size_t)len));
      OPENSSL_free(der);
      if (!ok) return NULL;
    }
  }
  if (c->refused_at != NULL) {
    unsigned char *der = NULL;
    int len = i2d_X509(c->refused_at, &der);
    if (len > 0) {
      bool ok = set_property(env, out, "refusedAt", buffer_copy(env, der, (size_t)len)) && set_int(env, out, "refusedDepth", c->refused_depth);
      OPENSSL_free(der);
      if (!ok) return NULL;
    }
  }
  if (c->refused_chain != NULL) {
    /* An expiry's message names the certificate nearest the leaf out of its period: the refusal
       OpenSSL stopped at is the one nearest the anchor. */
    napi_value chain;
    CHECK(napi_create_array(env, &chain));
    uint32_t count = 0;
    for (int i = 0; i < sk_X509_num(c->refused_chain); i++) {
      unsigned char *der = NULL;
      int len = i2d_X509(sk_X509_value(c->refused_chain, i), &der);
      if (len <= 0) continue;
      napi_value buffer = buffer_copy(env, der, (size_t)len);
      OPENSSL_free(der);
      if (buffer == NULL) return NULL;
      CHECK(napi_set_element(env, chain, count++, buffer));
    }
    if (!set_property(env, out, "refusedChain", chain)) return NULL;
  }
  const char *servername = SSL_get_servername(c->ssl, TLSEXT_NAMETYPE_host_name);
  if (servername != NULL) {
    napi_value name;
    CHECK(napi_create_string_utf8(env, servername, NAPI_AUTO_LENGTH, &name));
    if (!set_property(env, out, "servername", name)) return NULL;
  }
  return out;
}

/* session() -> DER of a resumable session, or undefined */
napi_value get_session(napi_env env, napi_callback_info info) {
  Connection *c;
  if (!args_of(env, info, 0, NULL, &c)) return NULL;
  SSL_SESSION *session = SSL_get1_session(c->ssl);
  if (session == NULL || !SSL_SESSION_is_resumable(session)) {
    SSL_SESSION_free(session);
    return NULL;
  }
  unsigned char *der = NULL;
  int len = i2d_SSL_SESSION(session, &der);
  SSL_SESSION_free(session);
  if (len <= 0) {
    throw_openssl(env, "cannot encode the TLS session", X509_V_OK);
    return NULL;
  }
  napi_value out = buffer_copy(env, der, (size_t)len);
  OPENSSL_free(der);
  return out;
}

/* free(connection): frees a connection now instead of at garbage collection. Contexts are left to
 * the garbage collector: connections keep them alive through a reference. */
napi_value free_object(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  bool tagged;
  if (!args_of(env, info, 1, argv, NULL) || !tagged_connection(env, argv[0], &tagged)) return NULL;
  void *data = NULL;
  if (tagged && napi_remove_wrap(env, argv[0], &data) == napi_ok && data != NULL) connection_free(env, data);
  return NULL;
}
