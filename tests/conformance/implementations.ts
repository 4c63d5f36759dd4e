/**
 * The implementations the conformance suite runs against. A new implementation is one line here.
 */
import type { TLSImplementation } from '@unitls/tls-core';
import { implementation as node } from '@unitls/tls-node';
import { implementation as openssl } from '@unitls/tls-openssl';
import { withOpenSSLAead } from '@unitls/tls-openssl/aead';
import { implementationWith, implementation as pure, nobleImplementation as pureNoble, nodeCryptoProvider } from '@unitls/tls-pure';

/** Every implementation; the protocol clients' real-server suites run on these. */
export const implementations: readonly TLSImplementation[] = [node, openssl, pure];

/**
 * The conformance suite's list: every implementation, plus tls-pure once more over its @noble crypto
 * provider ("pure-noble", issue #17: both providers run the suite) and over node:crypto with
 * tls-openssl's AEAD ("pure-opensslaead", the opt-in provider of issue #17). The protocol clients'
 * suites leave them out: what they test sits above the TLSSocket and does not depend on the provider.
 */
export const conformanceImplementations: readonly TLSImplementation[] = [...implementations, pureNoble, implementationWith(withOpenSSLAead(nodeCryptoProvider))];
