{
  "targets": [
    {
      "target_name": "tls_openssl",
      "sources": [
        "native/tls_openssl.c",
        "native/context.c",
        "native/connection.c",
        "native/chunk_bio.c",
        "native/napi_helpers.c",
        "native/aead.c"
      ],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "defines": ["OPENSSL_API_COMPAT=30000", "OPENSSL_NO_DEPRECATED"],
      "conditions": [
        # Resolve every symbol when the addon loads: a runtime that lacks Node's OpenSSL (Bun,
        # Deno) then fails the load with a catchable error instead of dying at the first call.
        ["OS=='linux'", { "ldflags": ["-Wl,-z,now"] }],
        ["OS=='mac'", { "xcode_settings": { "OTHER_LDFLAGS": ["-Wl,-bind_at_load"] } }]
      ]
    }
  ]
}
