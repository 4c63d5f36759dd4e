/*
 * tls_openssl: the OpenSSL that Node ships, driven synchronously through in-memory BIOs.
 * The addon links no libssl of its own: every SSL_* / BIO_* / X509_* symbol resolves to the copy
 * inside the node binary, at load time (binding.gyp links with -z now), so a runtime without
 * Node's OpenSSL fails to load it with a catchable error instead of dying on first use.
 *
 * Files: context.c (createContext), connection.c (one connection's calls), chunk_bio.c (the
 * buffers between the network and OpenSSL), napi_helpers.c (arguments and errors), limits.h.
 */
#include <openssl/crypto.h>
#include <openssl/err.h>

#include "addon.h"

/* Every entry point runs with OpenSSL's error queue cleared before and after, on every return
 * path (the queue is thread-local and shared with node:tls). */
#define ENTRY(body)                                                  \
  static napi_value body##_entry(napi_env env, napi_callback_info info) { \
    ERR_clear_error();                                               \
    napi_value result = body(env, info);                             \
    ERR_clear_error();                                               \
    return result;                                                   \
  }

ENTRY(create_context)
ENTRY(create_connection)
ENTRY(is_connection)
ENTRY(do_handshake)
ENTRY(read_into)
ENTRY(write_plain)
ENTRY(write_into)
ENTRY(shutdown_tls)
ENTRY(feed)
ENTRY(feed_owned)
ENTRY(feed_some)
ENTRY(feed_eof)
ENTRY(incoming_pending)
ENTRY(outgoing_pending)
ENTRY(drain)
ENTRY(drain_into)
ENTRY(connection_info)
ENTRY(get_session)
ENTRY(free_object)

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
  };
  CHECK(napi_define_properties(env, exports, sizeof methods / sizeof methods[0], methods));
  napi_value version;
  CHECK(napi_create_string_utf8(env, OpenSSL_version(OPENSSL_VERSION), NAPI_AUTO_LENGTH, &version));
  if (!set_property(env, exports, "opensslVersion", version) ||
      !set_property(env, exports, "incomingBufferLimit", int_value(env, INCOMING_BUFFER_LIMIT)) ||
      !set_property(env, exports, "outgoingBufferLimit", int_value(env, OUTGOING_BUFFER_LIMIT)) ||
      !set_property(env, exports, "maxChains", int_value(env, MAX_CHAINS))) {
    return NULL;
  }
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
