/**
 * How the stream ends, for exact end bytes from Python's ssl (tests/support/python/end_bytes_peer.py):
 * close_notify and FIN in one TCP write; a record after close_notify (ignored); 4 MiB and then the
 * end, read fast or slowly (reading paused meanwhile); a client whose last handshake flight, data,
 * close_notify and FIN come in one write. TLS 1.3 and 1.2, every implementation: a close_notify
 * is a clean end, a FIN without one RaggedEOF. (Breaker's probes of the native-path end check
 * and tls-core's direct reads: all held.)
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { RaggedEOF, type TLSImplementation, type TLSSocket } from '@unitls/tls-core';
import { clientConfig, pki, serverConfig } from '../support/fixtures.js';
import { conformanceImplementations as implementations } from './implementations.js';

const SCRIPT = fileURLToPath(new URL('../support/python/end_bytes_peer.py', import.meta.url));

async function peer(mode: string, version = '1.3') {
  const child = spawn('python3', [SCRIPT, mode, pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'), version]);
  const stderr: Buffer[] = [];
  child.stderr.on('data', (c: Buffer) => stderr.push(c));
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  const exited = once(child, 'exit');
  const port = Number((await lines.next()).value);
  return { port, exited, stderr: () => Buffer.concat(stderr).toString() };
}

async function readToEnd(socket: TLSSocket, slow: boolean): Promise<{ total: number; end: string }> {
  let total = 0;
  for (;;) {
    let data: Uint8Array;
    try {
      data = await socket.recv(slow ? 1000 : 65536);
    } catch (error) {
      return { total, end: error instanceof RaggedEOF ? 'ragged' : String(error) };
    }
    if (data.length === 0) return { total, end: 'clean' };
    total += data.length;
    if (slow) for (let i = 0; i < 3; i++) await new Promise((r) => setImmediate(r));
  }
}

describe.each(implementations)('$name: the end of the stream', (implementation: TLSImplementation) => {
  for (const version of ['1.3', '1.2']) {
    it.each([
      ['together', false, 4, 'clean'],
      ['notify-data-fin', false, 4, 'clean'],
      ['large-clean', false, 4 * 1024 * 1024, 'clean'],
      ['large-ragged', false, 4 * 1024 * 1024, 'ragged'],
      ['large-clean', true, 4 * 1024 * 1024, 'clean'],
      ['large-ragged', true, 4 * 1024 * 1024, 'ragged'],
    ] as const)(`TLS ${version} %s (slow %s)`, async (mode, slow, total, end) => {
      const server = await peer(mode, version);
      const socket = await new implementation.clientContext(clientConfig()).connect({ host: '127.0.0.1', port: server.port }, { serverHostname: 'localhost' });
      const seen = await readToEnd(socket, slow);
      await socket.close();
      await server.exited;
      expect(seen, server.stderr()).toEqual({ total, end });
    }, 60_000);
  }
});

describe.each(implementations)('$name: a client that sends its last flight, data, the end at once', (implementation: TLSImplementation) => {
  for (const version of ['1.3', '1.2']) {
    it.each([
      ['rush-clean', 'clean'],
      ['rush-ragged', 'ragged'],
    ] as const)(`TLS ${version} %s`, async (mode, end) => {
      const listener = await new implementation.serverContext(serverConfig()).connect({ host: '127.0.0.1', port: 0 });
      const child = spawn('python3', [SCRIPT, mode, String(listener.getsockname()!.port), pki.path('root'), version]);
      const stderr: Buffer[] = [];
      child.stderr.on('data', (c: Buffer) => stderr.push(c));
      const exited = once(child, 'exit');
      try {
        const [socket] = await listener.accept();
        const seen = await readToEnd(socket, false);
        await socket.close();
        expect(seen, Buffer.concat(stderr).toString()).toEqual({ total: 4, end });
      } finally {
        await listener.close();
        await exited;
      }
    }, 60_000);
  }
});
