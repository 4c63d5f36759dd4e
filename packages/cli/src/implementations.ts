import type { TLSImplementation } from '@unitls/tls-core';
import { implementation as node } from '@unitls/tls-node';

/** The implementations `--implementation` can name; tls-openssl only where its addon loads. */
export const implementations: Record<string, TLSImplementation> = { node };

try {
  implementations.openssl = (await import('@unitls/tls-openssl')).implementation;
} catch {
  // The addon is not built here; `--implementation openssl` then reports it as unknown.
}
