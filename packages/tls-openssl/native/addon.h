/*
 * Shared declarations of the addon: the wrapped native objects, and the helpers every entry point
 * uses to read arguments and report failures.
 *
 * Rules every entry point follows (tls_openssl.c wraps each one in ENTRY):
 * - OpenSSL's error queue is cleared before it runs and after it returns, on every path, as
 *   Node's own crypto code does (node:tls reads the same thread-local queue).
 * - Every N-API status and every allocation is checked; a failure throws a JS error and the
 *   entry point returns NULL with nothing half-built left behind.
 */
#ifndef UNITLS_ADDON_H
#define UNITLS_ADDON_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <openssl/ssl.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "limits.h"

/* The version of the interface between native/ and src/ (addon.ts ADDON_ABI, which must equal it):
 * the addon exports it as `abi` and loadAddon refuses a build whose number differs, so a build from
 * other C under the same export names (a checkout pulled without rebuilding) fails at load with the
 * rebuild command instead of misbehaving. Bump it with every change to native/. */
#define ADDON_ABI 3

/* The first field of both wrapped structs: napi_unwrap alone then tells a connection from a context
 * (args_of), without the costlier type-tag lookup on every call (issue #16: per-call cost). */
enum { CONTEXT_MAGIC = 0x75637478, CONNECTION_MAGIC = 0x75636f6e };

typedef struct {
  uint32_t magic;       /* CONTEXT_MAGIC */
  SSL_CTX *ctx;                /* the default context (server: certificate-less when several chains) */
  SSL_CTX *chains[MAX_CHAINS]; /* server: one context per chain, chosen by SNI */
  X509 *leaves[MAX_CHAINS];
  int chain_count;
  unsigned char *alpn; /* wire-format ALPN list */
  unsigned int alpn_len;
  int is_server;
} Context;

typedef struct {
  uint32_t magic; /* CONNECTION_MAGIC */
  SSL *ssl;
  BIO *rbio; /* network -> SSL (owned by ssl) */
  BIO *wbio; /* SSL -> network (owned by ssl) */
  Context *context;
  napi_ref context_ref;
  int sni_missing;     /* server: several chains and no (1) or no matching (2) SNI name */
  int deferred_status; /* a read that returned data first met this status: reported next read */
  napi_ref deferred_error;
  X509 *refused_leaf; /* the leaf of a chain verification refused (its names go in the error), or NULL */
  X509 *refused_at;   /* the certificate the first refusal was about (an expired intermediate, say), or NULL */
  int refused_depth;  /* its depth in the chain (0: the leaf) */
  STACK_OF(X509) *refused_chain; /* the chain verification built when it first refused (leaf first), or NULL */
  int failed;         /* an OpenSSL call failed for good: reads are no longer known to want input */
  /* The bound on post-handshake handshake records (connection.c's on_message): */
  bool peer_finished;       /* the peer's Finished was read: its handshake records since are post-handshake */
  unsigned idle_records;    /* the peer's post-handshake handshake records read since the last application data returned */
  bool flooded;             /* more than MAX_IDLE_HANDSHAKE_MESSAGES records in a row: the connection is ended */
  bool flood_named;         /* flood_type is the first handshake message of the record that passed the bound */
  unsigned char flood_type; /* that message's type */
  size_t refusal_due;       /* bytes of the peer's input OpenSSL reads before REFUSAL_RECORD (the rest of that record) */
  bool refusal_queued;      /* REFUSAL_RECORD is in the incoming queue: input fed after it is dropped */
} Connection;

/* What every connection call leaves in the shared state array (src/addon.ts State) for the
 * connection it ran on, so TypeScript knows the queues' sizes, and when a read can only want
 * input, without calling in again. */
enum { STATE_INCOMING = 0, STATE_OUTGOING = 1, STATE_READABLE = 2, STATE_SLOTS = 3 };

/* Statuses returned instead of thrown (src/addon.ts Status). */
enum { DONE = 0, WANT_READ = 1, WANT_WRITE = 2, ZERO_RETURN = 3, EOF_RAGGED = 4 };

extern const napi_type_tag CONTEXT_TAG;
extern const napi_type_tag CONNECTION_TAG;

/* ---------- errors (napi_helpers.c) ---------- */

/* Throws a JS Error with `code` unless an exception is already pending (the first one wins). */
void throw_error(napi_env env, const char *code, const char *message);
void throw_type_error(napi_env env, const char *code, const char *message);
void throw_range_error(napi_env env, const char *code, const char *message);
/* The error for OpenSSL's last queued error (code UNITLS_OPENSSL, reason, reasonCode, opensslError,
 * verifyResult/verifyMessage when verification failed); NULL (an exception pending) if it cannot be built. */
napi_value openssl_error(napi_env env, const char *what, long verify_result);
void throw_openssl(napi_env env, const char *what, long verify_result);

/* Evaluates an N-API call; on failure throws (unless one is pending) and returns `fail`. */
#define CHECK_OR(call, fail)                                                  \
  do {                                                                        \
    if ((call) != napi_ok) {                                                  \
      throw_error(env, "UNITLS_ADDON", "N-API call failed: " #call);          \
      return fail;                                                            \
    }                                                                         \
  } while (0)
#define CHECK(call) CHECK_OR(call, NULL)

/* ---------- arguments and values (napi_helpers.c) ---------- */

/* Reads up to `want` arguments (missing ones are undefined) and `this`; when `self` is given,
 * `this` must be a live Connection (then noted for publish_state). Returns false with an exception
 * pending otherwise. */
bool args_of(napi_env env, napi_callback_info info, size_t want, napi_value *argv, Connection **self);
/* A Uint8Array (Buffer included) as pointer + length; false (nothing thrown) for anything else. */
bool bytes_of(napi_env env, napi_value value, unsigned char **data, size_t *len);
/* bytes_of, throwing a TypeError ("<what> must be a Uint8Array") for anything else. */
bool bytes_arg(napi_env env, napi_value value, const char *what, unsigned char **data, size_t *len);
/* The window argv[0][argv[1], argv[1] + argv[2]) of a Uint8Array (target, offset, length);
 * false with a TypeError or RangeError thrown when it is not one or lies outside it. */
bool window_arg(napi_env env, const napi_value *argv, const char *what, unsigned char **data, size_t *len);
/* A string as a malloc'd C string. Refuses (TypeError, code UNITLS_NUL_IN_STRING) a string whose
 * length differs from its strlen: C would read it up to the NUL, a different name than the one given. */
bool string_of(napi_env env, napi_value value, const char *what, char **out);
/* Looks up `name`: 1 and *out set when present (not undefined/null), 0 when absent, -1 on exception. */
int property_of(napi_env env, napi_value object, const char *name, napi_value *out);
napi_value int_value(napi_env env, int64_t n);

/* ---------- the shared state (napi_helpers.c) ---------- */

/* The state array of this thread's environment (STATE_SLOTS uint32 slots), made once at init;
 * false with an exception pending on failure. */
bool create_state(napi_env env, napi_value *out);
/* Writes the state of the connection the current entry point ran on (args_of noted it), if any,
 * and forgets it: every connection entry point ends with it, on every return path. */
void publish_state(void);
/* A new Buffer holding a copy of `len` bytes; NULL with an exception pending on failure. */
napi_value buffer_copy(napi_env env, const unsigned char *data, size_t len);
/* Sets a property; false with an exception pending on failure. */
bool set_property(napi_env env, napi_value object, const char *name, napi_value value);

/* ---------- entry points ---------- */

napi_value create_context(napi_env env, napi_callback_info info);
napi_value create_connection(napi_env env, napi_callback_info info);
napi_value is_connection(napi_env env, napi_callback_info info);
napi_value do_handshake(napi_env env, napi_callback_info info);
napi_value read_into(napi_env env, napi_callback_info info);
napi_value write_plain(napi_env env, napi_callback_info info);
napi_value shutdown_tls(napi_env env, napi_callback_info info);
napi_value feed(napi_env env, napi_callback_info info);
napi_value feed_owned(napi_env env, napi_callback_info info);
napi_value feed_some(napi_env env, napi_callback_info info);
napi_value write_into(napi_env env, napi_callback_info info);
napi_value feed_eof(napi_env env, napi_callback_info info);
napi_value incoming_pending(napi_env env, napi_callback_info info);
napi_value outgoing_pending(napi_env env, napi_callback_info info);
napi_value drain(napi_env env, napi_callback_info info);
napi_value drain_into(napi_env env, napi_callback_info info);
napi_value connection_info(napi_env env, napi_callback_info info);
napi_value get_session(napi_env env, napi_callback_info info);
napi_value free_object(napi_env env, napi_callback_info info);

/* AEAD primitives for tls-pure (aead.c): no TLS, no connection. */
napi_value aead_create(napi_env env, napi_callback_info info);
napi_value aead_seal(napi_env env, napi_callback_info info);
napi_value aead_open(napi_env env, napi_callback_info info);

#endif
