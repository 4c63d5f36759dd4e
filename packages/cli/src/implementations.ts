import type { TLSImplementation } from '@unitls/tls-core';
import { implementation as node } from '@unitls/tls-node';

/** The implementations `--implementation` can name. */
export const implementations: Record<string, TLSImplementation> = { node };
