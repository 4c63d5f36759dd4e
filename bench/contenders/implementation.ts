// The unitls engine a client contender runs on, loaded by name in the contender's own process, so
// that process loads that engine alone (lib/engines.ts loads every engine, tls-pure included).
import type { TLSImplementation } from '@unitls/tls-core';

export type ClientEngine = 'node' | 'openssl';

export async function implementation(engine: ClientEngine): Promise<TLSImplementation> {
  return engine === 'node' ? (await import('@unitls/tls-node')).implementation : (await import('@unitls/tls-openssl')).implementation;
}
