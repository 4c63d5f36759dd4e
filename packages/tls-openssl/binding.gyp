{
  "targets": [
    {
      "target_name": "tls_openssl",
      "sources": ["native/tls_openssl.c"],
      "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-O2"],
      "defines": ["OPENSSL_API_COMPAT=30000", "OPENSSL_NO_DEPRECATED"]
    }
  ]
}
