/**
 * Hostile bytes from the server in the middle of a real handshake (openssl s_server behind
 * tests/support/cut-relay.ts, which forwards its records up to a point, sends the bytes, then a
 * FIN): an alert with a description no RFC assigns, close_notify between the server's records, a
 * record header announcing more than the protocol allows, a record cut short, and seeded random
 * garbage. On every implementation connect settles with a TLSError (never resolves, never hangs,
 * never an uncaught exception or unhandled rejection: vitest fails the run on those).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { TLSError, TLSVersion } from '@unitls/tls-core';
import { cutRelay } from '../support/cut-relay.js';
import { clientConfig, pki } from '../support/fixtures.js';
import { startServer, type OpenSSLServer } from '../support/openssl.js';
import { conformanceImplementations as implementations } from './implementations.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A small seeded generator (mulberry32): the same garbage on every run. */
function random(seed: number): () => number {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function garbage(seed: number): Uint8Array {
  const next = random(seed);
  const bytes = new Uint8Array(1 + Math.floor(next() * 300));
  for (let i = 0; i < bytes.length; i++) bytes[i] = Math.floor(next() * 256);
  // Half of them look like a record header first (a plausible type and version), so they get past the header check.
  if (seed % 2 === 0) bytes.set([[20, 21, 22, 23][seed % 4]!, 3, 3], 0);
  return bytes;
}

const HOSTILE: ReadonlyArray<readonly [string, number, Uint8Array]> = [
  ['a fatal alert with an unassigned description (200) after the ServerHello', 1, Uint8Array.of(21, 3, 3, 0, 2, 2, 200)],
  ['a warning alert with an unassigned description (201) after the ServerHello', 1, Uint8Array.of(21, 3, 3, 0, 2, 1, 201)],
  ['close_notify between the server\'s handshake records', 2, Uint8Array.of(21, 3, 3, 0, 2, 1, 0)],
  ['a record header announcing 65535 bytes after the ServerHello', 1, Uint8Array.of(22, 3, 3, 0xff, 0xff, 1, 2, 3)],
  ['a handshake record of 0 bytes after the ServerHello', 1, Uint8Array.of(22, 3, 3, 0, 0)],
  ['a truncated record (header promises 100, 3 come) after the ServerHello', 1, Uint8Array.of(22, 3, 3, 0, 100, 1, 2, 3)],
  ...Array.from({ length: 8 }, (_, i) => [`seeded garbage #${i} after the ServerHello`, 1, garbage(i + 1)] as const),
  ...Array.from({ length: 4 }, (_, i) => [`seeded garbage #${i + 8} instead of the ServerHello`, 0, garbage(i + 9)] as const),
];

async function server(version: 'TLSv1.3' | 'TLSv1.2'): Promise<OpenSSLServer> {
  const started = await startServer(['-cert', pki.path('server-ec'), '-cert_chain', pki.path('intermediate'), '-key', pki.path('server-ec', 'key'), '-num_tickets', '0', version === 'TLSv1.3' ? '-tls1_3' : '-tls1_2']);
  cleanups.push(() => started.close());
  return started;
}

describe.each(implementations.map((i) => [i.name, i] as const))('hostile server bytes (%s)', (_, implementation) => {
  describe.each(['TLSv1.3', 'TLSv1.2'] as const)('%s', (version) => {
    const config = clientConfig({ highestSupportedVersion: version === 'TLSv1.3' ? TLSVersion.TLSv1_3 : TLSVersion.TLSv1_2 });
    it.each(HOSTILE)('%s: connect rejects with a TLSError', async (_what, records, inject) => {
      const { port } = await server(version);
      const cut = await cutRelay(port, { records, how: 'end', inject });
      cleanups.push(() => cut.close());
      const outcome = await new implementation.clientContext(config).connect({ host: 'localhost', port: cut.port }).then(
        async (socket) => (await socket.close(true), 'connected'),
        (e: unknown) => e,
      );
      expect(outcome).toBeInstanceOf(TLSError);
      expect((outcome as Error).message.length).toBeGreaterThan(10);
    });
  });
});
