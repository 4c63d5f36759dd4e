/**
 * breaker9 (session 8): a connection undici hands over after a 101 (Dispatcher.upgrade) or a
 * CONNECT (Dispatcher.connect) carries bytes HTTP no longer frames, so only TLS can say where they
 * end (RFC 8446 §6.1): a FIN without close_notify on it must reach the caller as an error (code
 * UNITLS_HTTP_TRUNCATED), never as a clean 'end' after a short stream.
 */
import type { Duplex } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createDispatcher } from '@unitls/http';
import type { Dispatcher } from 'undici';
import { clientConfig } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { scriptedOrigin } from './scripted-origin.js';

/** Reads `socket` to its end: the bytes and how it ended ('end', or the error's codes down the cause chain). */
async function drain(socket: Duplex): Promise<{ bytes: string; end: string }> {
  const parts: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => parts.push(chunk));
  const end = await new Promise<string>((resolve) => {
    socket.once('end', () => resolve('end'));
    socket.once('error', (error: Error) => {
      const codes: string[] = [];
      for (let e: unknown = error; e instanceof Error && codes.length < 5; e = e.cause) codes.push(String((e as { code?: unknown }).code ?? e.constructor.name));
      resolve(codes.join(' <- '));
    });
  });
  socket.destroy();
  return { bytes: Buffer.concat(parts).toString('latin1'), end };
}

describe.each(implementations.filter((i) => i.features.raggedEOF).map((i) => [i.name, i] as const))('a handed-over connection ended without close_notify, over %s', (_, implementation) => {
  it.each([
    ['upgrade', 'HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n'],
    ['connect', 'HTTP/1.1 200 Connection established\r\n\r\n'],
  ] as const)('Dispatcher.%s: the tunnel fails with the truncation', async (kind, answer) => {
    const origin = await scriptedOrigin(async (c) => {
      await c.head();
      await c.write(answer);
      await c.write('part of the str');
      await c.fin();
    });
    const dispatcher = createDispatcher({
      implementation,
      configuration: clientConfig(),
      agent: { allowH2: false },
    });
    try {
      // An Agent takes the origin with each request (Dispatcher's option types leave it out).
      const at = { origin: `https://localhost:${origin.port}` };
      const handedOver =
        kind === 'upgrade'
          ? await dispatcher.upgrade({
              ...at,
              path: '/',
              protocol: 'echo',
            } as Dispatcher.UpgradeOptions)
          : await dispatcher.connect({
              ...at,
              path: `localhost:${origin.port}`,
            } as Dispatcher.ConnectOptions);
      const result = await drain(handedOver.socket as unknown as Duplex);
      expect(result.end, JSON.stringify(result)).toMatch(/UNITLS_HTTP_TRUNCATED/);
    } finally {
      await dispatcher.destroy();
    }
  });
});
