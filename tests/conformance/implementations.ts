/**
 * The implementations the conformance suite runs against. A new implementation is one line here.
 */
import type { TLSImplementation } from '@unitls/tls-core';
import { implementation as node } from '@unitls/tls-node';
import { implementation as openssl } from '@unitls/tls-openssl';
import { implementation as pure } from '@unitls/tls-pure';

export const implementations: readonly TLSImplementation[] = [node, openssl, pure];
