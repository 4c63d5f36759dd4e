/**
 * startTls over a plain socket whose caller read its plaintext phase as text
 * (`socket.setEncoding(...)`, the usual way to read "220 ready" lines): TLS still gets the socket's
 * bytes on every implementation, and a character cut in half before the handshake (held by the
 * socket's text decoder, so not in readableLength) is refused like any byte sent before TLS.
 */
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { connect as netConnect, createServer, type Socket } from 'node:net';
import * as tls from 'node:tls';
import { afterEach, describe, expect, it } from 'vitest';
import { StartTlsInjectionError, startTls } from '@unitls/tls-core';
import { conformanceImplementations } from './implementations.js';
import { clientConfig, pki } from '../support/fixtures.js';

const closers: Array<() => void> = [];
afterEach(() => {
  closers.splice(0).forEach((close) => close());
});

async function plainSocketTo(server: tls.Server | ReturnType<typeof createServer>): Promise<Socket> {
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => server.close());
  const raw = netConnect({ port: (server.address() as { port: number }).port, host: '127.0.0.1' });
  closers.push(() => raw.destroy());
  await once(raw, 'connect');
  return raw;
}

describe.each(conformanceImplementations.map((i) => [i.name, i] as const))('%s', (_, implementation) => {
  // Found (breaker5): tls-openssl and tls-pure failed the handshake with "TypeError:
  // data.subarray is not a function" (the socket delivered strings to their TLSBuffer; a UTF-8
  // decoder would also have altered the bytes); tls-node (TLS on the TCP handle) was unaffected.
  it.each(['utf8', 'latin1', 'hex'] as const)("a socket read as text (setEncoding('%s')) before the upgrade: every byte, in order", async (encoding) => {
    const payload = randomBytes(100_000);
    const server = tls.createServer({ key: pki.pem('server-ec', 'key'), cert: pki.pem('server-ec', 'chain.crt') }, (peer) => {
      peer.on('error', () => {});
      peer.end(payload);
    });
    const raw = await plainSocketTo(server);
    raw.setEncoding(encoding);
    const socket = await startTls(new implementation.clientContext(clientConfig()), raw, { serverHostname: 'localhost' });
    const parts: Uint8Array[] = [];
    for (let chunk = await socket.recv(65_536); chunk.length > 0; chunk = await socket.recv(65_536)) parts.push(Uint8Array.from(chunk));
    await socket.close(true);
    expect(Buffer.concat(parts).equals(payload)).toBe(true);
  });

  it('the first byte of a UTF-8 character held by the decoder before the upgrade: StartTlsInjectionError, socket destroyed', async () => {
    const server = createServer((peer) => {
      peer.on('error', () => {});
      // One write: the line and the lone lead byte of a three-byte character arrive together.
      peer.write(Buffer.concat([Buffer.from('220 go ahead\r\n'), Buffer.from([0xe2])]));
    });
    const raw = await plainSocketTo(server);
    raw.setEncoding('utf8');
    const [line] = (await once(raw, 'data')) as [string];
    raw.pause();
    expect(line).toBe('220 go ahead\r\n');
    expect(raw.readableLength).toBe(0);
    const error = await startTls(new implementation.clientContext(clientConfig()), raw, { serverHostname: 'localhost' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StartTlsInjectionError);
    expect((error as Error).message).toBe('startTls: 1 bytes arrived before the TLS handshake; refusing them (possible response injection)');
    expect(raw.destroyed).toBe(true);
  });
});
