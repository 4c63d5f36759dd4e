/**
 * @unitls/tls-pure: a unitls implementation whose TLS protocol and certificate validation are
 * TypeScript, owing nothing to OpenSSL. Work in progress (issue #17): not yet a TLSImplementation.
 *
 * @module
 */
export {};
