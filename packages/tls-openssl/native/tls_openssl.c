/*
 * tls_openssl: the OpenSSL that Node ships, driven synchronously through in-memory BIOs.
 * The addon links no libssl of its own: every SSL_* / BIO_* / X509_* symbol resolves to the copy
 * inside the node binary, at load time (binding.gyp links with -z now), so a runtime without
 * Node's OpenSSL fails to load it with a catchable error instead of dying on first use.
 *
 * Files: context.c (createContext), connection.c (one connection's calls), chunk_bio.c (the
 * buffers between the network and OpenSSL), napi_helpers.c (arguments and errors), aead.c (the
 * AEAD primitive tls-pure's OpenSSL AEAD provider uses), limits.h.
 */
#include <openssl/crypto.h>
#include <openssl/err.h>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include "addon.h"
#include "chunk_bio.h"

/* Clearing an empty queue still walks all its slots: only a queue holding errors is cleared. */
static void clear_errors(void) {
  if (ERR_peek_error() != 0) ERR_clear_error();
}

/* Every entry point that calls OpenSSL runs with its error queue empty before and after, on every
 * return path (the queue is thread-local and shared with node:tls). Every one that ran on a
 * connection leaves that connection's state in the shared array (publish_state), thrown or not. */
#define ENTRY(body)                                                       \
  static napi_value body##_entry(napi_env env, napi_callback_info info) { \
    clear_errors();                                                       \
    napi_value result = body(env, info);                                  \
    publish_state();                                                      \
    clear_errors();                                                       \
    return result;                                                        \
  }

/* The queues' own calls reach OpenSSL only to report running out of memory, and throw_openssl
 * empties the queue then: they leave it as they found it, and read nothing from it. */
#define QUEUE_ENTRY(body)                                                 \
  static napi_value body##_entry(napi_env env, napi_callback_info info) { \
    napi_value result = body(env, info);                                  \
    publish_state();                                                      \
    return result;                                                        \
  }

ENTRY(create_context)
ENTRY(create_connection)
QUEUE_ENTRY(is_connection)
ENTRY(do_handshake)
ENTRY(read_into)
ENTRY(write_plain)
ENTRY(write_into)
ENTRY(shutdown_tls)
ENTRY(feed)
ENTRY(feed_owned)
QUEUE_ENTRY(feed_some)
QUEUE_ENTRY(feed_eof)
QUEUE_ENTRY(incoming_pending)
QUEUE_ENTRY(outgoing_pending)
QUEUE_ENTRY(drain)
QUEUE_ENTRY(drain_into)
ENTRY(connection_info)
ENTRY(get_session)
ENTRY(free_object)
ENTRY(aead_create)
ENTRY(aead_seal)
ENTRY(aead_open)

/* chunkAllocations() -> chunks of the connections' queues this thread allocated so far (reused
 * read-sized chunks not counted): what tests count instead of timing the memory path. */
static napi_value chunk_allocations(napi_env env, napi_callback_info info) {
  (void)info;
  return int_value(env, (int64_t)chunk_bio_allocations());
}

/* heapInUse() -> bytes malloc has handed out and not had back (glibc's mallinfo2), or -1 where
 * it cannot tell: what tests count to see which buffers an idle connection keeps. */
static napi_value heap_in_use(napi_env env, napi_callback_info info) {
  (void)info;
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  return int_value(env, (int64_t)mallinfo2().uordblks);
#else
  return int_value(env, -1);
#endif
}

static void free_spares(void *arg) {
  (void)arg;
  chunk_bio_free_spares();
}

/* Connection methods are plain functions taking the connection as `this`. */
static napi_value init(napi_env env, napi_value exports) {
  const napi_property_descriptor methods[] = {
      {"createContext", NULL, create_context_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"createConnection", NULL, create_connection_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"isConnection", NULL, is_connection_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"doHandshake", NULL, do_handshake_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"readInto", NULL, read_into_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"write", NULL, write_plain_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"writeInto", NULL, write_into_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"shutdown", NULL, shutdown_tls_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"feed", NULL, feed_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"feedOwned", NULL, feed_owned_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"feedSome", NULL, feed_some_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"feedEof", NULL, feed_eof_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"incomingPending", NULL, incoming_pending_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"outgoingPending", NULL, outgoing_pending_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"drain", NULL, drain_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"drainInto", NULL, drain_into_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"info", NULL, connection_info_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"session", NULL, get_session_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"free", NULL, free_object_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aeadCreate", NULL, aead_create_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aeadSeal", NULL, aead_seal_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"aeadOpen", NULL, aead_open_entry, NULL, NULL, NULL, napi_enumerable, NULL},
      {"chunkAllocations", NULL, chunk_allocations, NULL, NULL, NULL, napi_enumerable, NULL},
      {"heapInUse", NULL, heap_in_use, NULL, NULL, NULL, napi_enumerable, NULL},
  };
  CHECK(napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods));
  /* A worker thread's spare chunks go with its environment (the same pair twice would abort). */
  static _Thread_local bool hooked;
  if (!hooked) {
    CHECK(napi_add_env_cleanup_hook(env, free_spares, NULL));
    hooked = true;
  }
  napi_value version, state;
  CHECK(napi_create_string_utf8(env, OpenSSL_version(OPENSSL_VERSION), NAPI_AUTO_LENGTH, &version));
  if (!create_state(env, &state) || !set_property(env, exports, "state", state)) return NULL;
  if (!set_property(env, exports, "opensslVersion", version) || !set_property(env, exports, "abi", int_value(env, ADDON_ABI)) ||
      !set_property(env, exports, "incomingBufferLimit", int_value(env, INCOMING_BUFFER_LIMIT)) ||
      !set_property(env, exports, "outgoingBufferLimit", int_value(env, OUTGOING_BUFFER_LIMIT)) ||
      !set_property(env, exports, "maxChains", int_value(env, MAX_CHAINS)) ||
      !set_property(env, exports, "maxIdleHandshakeMessages", int_value(env, MAX_IDLE_HANDSHAKE_MESSAGES))) {
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
