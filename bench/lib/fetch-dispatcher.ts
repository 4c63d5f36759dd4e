/**
 * The undici dispatcher of the A/B probes' `fetch-*` engines (requests-ab, get-alloc), loaded
 * from the checkout under test through `load`: `fetch-raw` is undici's own Agent with the CA,
 * `fetch-node|openssl|pure` is @unitls/http's createDispatcher over that implementation, one
 * connection each, HTTP/1.1.
 *
 * @module
 */
import { readFileSync } from 'node:fs';

/** Imports a package as the checkout under test resolves it. */
export type Load = <T>(name: string) => Promise<T>;

export async function fetchDispatcher(load: Load, engine: string, caFile: string): Promise<{ fetch: typeof import('undici').fetch; dispatcher: import('undici').Dispatcher }> {
  const { Agent, fetch } = await load<typeof import('undici')>('undici');
  if (engine === 'fetch-raw') return { fetch, dispatcher: new Agent({ connections: 1, connect: { ca: readFileSync(caFile) } }) };
  const { createDispatcher } = await load<typeof import('@unitls/http')>('@unitls/http');
  const { TLSClientConfiguration, TrustStore } = await load<typeof import('@unitls/tls-core')>('@unitls/tls-core');
  const tls = (await load<typeof import('@unitls/tls-node')>(`@unitls/tls-${engine.slice(6)}`)).implementation;
  const configuration = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(readFileSync(caFile)), innerProtocols: ['http/1.1'] });
  return { fetch, dispatcher: createDispatcher({ implementation: tls, configuration, agent: { connections: 1 } }) };
}
