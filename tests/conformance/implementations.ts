/**
 * The implementations the conformance suite runs against. A new implementation is one line here.
 */
import type { TLSImplementation } from '@unitls/tls-core';
import { implementation as node } from '@unitls/tls-node';

export const implementations: readonly TLSImplementation[] = [node];
