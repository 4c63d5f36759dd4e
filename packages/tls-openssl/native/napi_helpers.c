#include <openssl/err.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "addon.h"
#include "chunk_bio.h"

/* Type tags, so a context can never be taken for a connection (or the reverse). */
const napi_type_tag CONTEXT_TAG = {0x756e69746c730001ULL, 0x636f6e7465787431ULL};
const napi_type_tag CONNECTION_TAG = {0x756e69746c730002ULL, 0x636f6e6e65637431ULL};

/* ---------- errors ---------- */

static bool pending(napi_env env) {
  bool is_pending = false;
  return napi_is_exception_pending(env, &is_pending) != napi_ok || is_pending;
}

void throw_error(napi_env env, const char *code, const char *message) {
  if (!pending(env)) napi_throw_error(env, code, message);
}

void throw_type_error(napi_env env, const char *code, const char *message) {
  if (!pending(env)) napi_throw_type_error(env, code, message);
}

void throw_range_error(napi_env env, const char *code, const char *message) {
  if (!pending(env)) napi_throw_range_error(env, code, message);
}

static bool set_string(napi_env env, napi_value object, const char *name, const char *text) {
  napi_value value;
  return napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &value) == napi_ok && set_property(env, object, name, value);
}

napi_value openssl_error(napi_env env, const char *what, long verify_result) {
  unsigned long err = ERR_peek_last_error();
  char detail[256] = "";
  char message[512];
  const char *lib_reason = err ? ERR_reason_error_string(err) : NULL;
  if (err) ERR_error_string_n(err, detail, sizeof detail);
  snprintf(message, sizeof message, "%s: %s", what, lib_reason ? lib_reason : (err ? detail : "unknown error"));
  napi_value error, msg, code, reason_code;
  if (napi_create_string_utf8(env, message, NAPI_AUTO_LENGTH, &msg) != napi_ok ||
      napi_create_string_utf8(env, "UNITLS_OPENSSL", NAPI_AUTO_LENGTH, &code) != napi_ok ||
      napi_create_error(env, code, msg, &error) != napi_ok ||
      napi_create_int64(env, err ? (int64_t)ERR_GET_REASON(err) : 0, &reason_code) != napi_ok ||
      !set_property(env, error, "reasonCode", reason_code) || !set_string(env, error, "reason", lib_reason ? lib_reason : "") ||
      !set_string(env, error, "opensslError", detail)) {
    throw_error(env, "UNITLS_ADDON", "cannot build the error object");
    return NULL;
  }
  if (verify_result != X509_V_OK) {
    napi_value verify;
    if (napi_create_int64(env, verify_result, &verify) != napi_ok || !set_property(env, error, "verifyResult", verify) ||
        !set_string(env, error, "verifyMessage", X509_verify_cert_error_string(verify_result))) {
      throw_error(env, "UNITLS_ADDON", "cannot build the error object");
      return NULL;
    }
  }
  return error;
}

void throw_openssl(napi_env env, const char *what, long verify_result) {
  napi_value error = openssl_error(env, what, verify_result);
  ERR_clear_error();
  if (error != NULL && !pending(env)) napi_throw(env, error);
}

/* ---------- arguments ---------- */

/* The connection the running entry point works on (for publish_state), and the state array. */
static _Thread_local Connection *touched;
static _Thread_local uint32_t *state;

bool args_of(napi_env env, napi_callback_info info, size_t want, napi_value *argv, Connection **self) {
  size_t argc = want;
  napi_value this_arg;
  CHECK_OR(napi_get_cb_info(env, info, &argc, argv, &this_arg, NULL), false);
  if (self == NULL) return true;
  void *found = NULL;
  /* Only this addon's structs begin with CONNECTION_MAGIC (a context begins with CONTEXT_MAGIC). */
  if (napi_unwrap(env, this_arg, &found) == napi_ok && found != NULL && ((Connection *)found)->magic == CONNECTION_MAGIC) {
    *self = touched = found;
    return true;
  }
  /* Not a live connection: the type tag tells which error it is. */
  bool tagged = false;
  CHECK_OR(napi_check_object_type_tag(env, this_arg, &CONNECTION_TAG, &tagged), false);
  if (tagged) throw_error(env, "UNITLS_CLOSED", "this connection was already freed");
  else throw_type_error(env, "UNITLS_ADDON", "not a tls-openssl connection");
  return false;
}

bool bytes_of(napi_env env, napi_value value, unsigned char **data, size_t *len) {
  bool is_typed = false;
  if (napi_is_typedarray(env, value, &is_typed) != napi_ok || !is_typed) return false;
  napi_typedarray_type type;
  size_t length;
  void *pointer;
  if (napi_get_typedarray_info(env, value, &type, &length, &pointer, NULL, NULL) != napi_ok) return false;
  if (type != napi_uint8_array && type != napi_uint8_clamped_array && type != napi_int8_array) return false;
  *data = pointer;
  *len = pointer == NULL ? 0 : length; /* a detached buffer has no memory */
  return true;
}

bool bytes_arg(napi_env env, napi_value value, const char *what, unsigned char **data, size_t *len) {
  if (bytes_of(env, value, data, len)) return true;
  char message[160];
  snprintf(message, sizeof message, "%s must be a Uint8Array", what);
  throw_type_error(env, "UNITLS_INVALID_ARGUMENT", message);
  return false;
}

bool window_arg(napi_env env, const napi_value *argv, const char *what, unsigned char **data, size_t *len) {
  unsigned char *base;
  size_t size;
  int64_t offset, length;
  if (!bytes_arg(env, argv[0], what, &base, &size)) return false;
  CHECK_OR(napi_get_value_int64(env, argv[1], &offset), false);
  CHECK_OR(napi_get_value_int64(env, argv[2], &length), false);
  if (offset < 0 || length < 0 || (uint64_t)offset > size || (uint64_t)length > size - (size_t)offset) {
    char message[160];
    snprintf(message, sizeof message, "%s: offset and length must lie inside it", what);
    throw_range_error(env, "UNITLS_INVALID_ARGUMENT", message);
    return false;
  }
  *data = base + offset;
  *len = (size_t)length;
  return true;
}

bool string_of(napi_env env, napi_value value, const char *what, char **out) {
  char message[160];
  napi_valuetype type;
  CHECK_OR(napi_typeof(env, value, &type), false);
  if (type != napi_string) {
    snprintf(message, sizeof message, "%s must be a string", what);
    throw_type_error(env, "UNITLS_INVALID_ARGUMENT", message);
    return false;
  }
  size_t len;
  CHECK_OR(napi_get_value_string_utf8(env, value, NULL, 0, &len), false);
  char *text = malloc(len + 1);
  if (text == NULL) {
    throw_error(env, "UNITLS_OUT_OF_MEMORY", "out of memory");
    return false;
  }
  size_t copied;
  if (napi_get_value_string_utf8(env, value, text, len + 1, &copied) != napi_ok) {
    free(text);
    throw_error(env, "UNITLS_ADDON", "N-API call failed: napi_get_value_string_utf8");
    return false;
  }
  if (strlen(text) != copied) {
    free(text);
    snprintf(message, sizeof message, "%s contains a NUL character; refused, as C would read only the part before it", what);
    throw_type_error(env, "UNITLS_NUL_IN_STRING", message);
    return false;
  }
  *out = text;
  return true;
}

int property_of(napi_env env, napi_value object, const char *name, napi_value *out) {
  napi_value value;
  napi_valuetype type;
  if (napi_get_named_property(env, object, name, &value) != napi_ok || napi_typeof(env, value, &type) != napi_ok) {
    throw_error(env, "UNITLS_ADDON", "cannot read an option");
    return -1;
  }
  if (type == napi_undefined || type == napi_null) return 0;
  *out = value;
  return 1;
}

/* ---------- the shared state ---------- */

bool create_state(napi_env env, napi_value *out) {
  napi_value buffer;
  void *data;
  CHECK_OR(napi_create_arraybuffer(env, STATE_SLOTS * sizeof(uint32_t), &data, &buffer), false);
  CHECK_OR(napi_create_typedarray(env, napi_uint32_array, STATE_SLOTS, buffer, 0, out), false);
  state = data;
  return true;
}

void publish_state(void) {
  Connection *c = touched;
  if (c == NULL) return;
  touched = NULL;
  size_t incoming = chunk_bio_pending(c->rbio);
  state[STATE_INCOMING] = incoming > UINT32_MAX ? UINT32_MAX : (uint32_t)incoming;
  size_t outgoing = chunk_bio_pending(c->wbio);
  state[STATE_OUTGOING] = outgoing > UINT32_MAX ? UINT32_MAX : (uint32_t)outgoing;
  /* SSL_read can only answer WANT_READ, taking and giving nothing, when no input waits, none is
   * decrypted and unread, the handshake is done, neither close_notify nor EOF nor a failure was
   * seen, and no status waits for the next read (connection.c's defer). */
  int idle = incoming == 0 && !chunk_bio_eof(c->rbio) && !SSL_has_pending(c->ssl) && SSL_is_init_finished(c->ssl) &&
             (SSL_get_shutdown(c->ssl) & SSL_RECEIVED_SHUTDOWN) == 0 && c->deferred_status == 0 && !c->failed;
  state[STATE_READABLE] = !idle;
}

/* ---------- values ---------- */

napi_value int_value(napi_env env, int64_t n) {
  napi_value value;
  CHECK(napi_create_int64(env, n, &value));
  return value;
}

napi_value buffer_copy(napi_env env, const unsigned char *data, size_t len) {
  napi_value out;
  void *copy;
  CHECK(napi_create_buffer_copy(env, len, data, &copy, &out));
  return out;
}

bool set_property(napi_env env, napi_value object, const char *name, napi_value value) {
  if (value == NULL) return false;
  CHECK_OR(napi_set_named_property(env, object, name, value), false);
  return true;
}
