/**
 * A server that breaks the TLS handshake (the breaker's findings), on every implementation: after
 * the client's first TLS bytes it ends the connection (FIN), resets it, or announces a 65535-byte
 * record and resets. One verdict everywhere: a TLSError (the handshake failed), the connection
 * closed, no uncaught exception.
 *
 * Before: a reset during STARTTLS's handshake was a TLSError on tls-node but SMTPServerDisconnected
 * ("the TLS upgrade failed: read ECONNRESET") on tls-openssl and tls-pure; during an implicit-TLS
 * open it was "could not connect" there. And on tls-node the oversized record followed by a reset
 * crashed the process: node:tls raised a second 'error' (the alert it wrote met the reset) that
 * nobody listened to.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { TLSError } from '@unitls/tls-core';
import { SMTP, SMTPServerDisconnected } from '@unitls/smtp';
import { clientConfig } from '../support/fixtures.js';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';
import { implementations } from '../conformance/implementations.js';

const hostile = useScriptedServers();

const endings = [
  ['a FIN', (c: ScriptConnection) => void c.socket.end()],
  ['a TCP reset', (c: ScriptConnection) => void c.socket.resetAndDestroy()],
  ['a record header announcing 65535 bytes, then a reset', (c: ScriptConnection) => c.socket.write(Buffer.from([0x16, 0x03, 0x03, 0xff, 0xff]), () => c.socket.resetAndDestroy())],
] as const;

/** The plain dialogue up to STARTTLS's go-ahead. */
async function upToStartTls(c: ScriptConnection): Promise<void> {
  c.write('220 scripted.test ESMTP\r\n');
  await c.line(); // EHLO
  c.write('250-scripted.test\r\n250 STARTTLS\r\n');
  await c.line(); // STARTTLS
  c.write('220 go ahead\r\n');
}

describe.each(implementations.map((i) => [i.name, i] as const))('SMTP against a server that breaks the TLS handshake (%s)', (_, implementation) => {
  const client = (port: number, security: 'starttls' | 'implicit') =>
    new SMTP({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), localHostname: 'client.test', security, timeout: 10_000 });

  describe.each(['starttls', 'implicit'] as const)('%s', (security) => {
    it.each(endings)('%s after the ClientHello starts: a TLSError, the connection closed', async (_ending, end) => {
      const s = await hostile(async (c) => {
        if (security === 'starttls') await upToStartTls(c);
        await c.bytes(5); // the ClientHello's record header
        end(c);
      });
      const smtp = client(s.port, security);
      const error = await smtp.connect().catch((e: unknown) => e);
      expect(error, String(error)).toBeInstanceOf(TLSError);
      expect(smtp.state).toBeNull();
      await vi.waitFor(() => expect(s.allClosed()).toBe(true));
    });
  });

  it('close() during a TLS handshake the server never answers: connect() rejects with "closed by close()" (it waited for the whole timeout)', async () => {
    const held: Socket[] = [];
    const silent: Server = createServer((socket) => {
      held.push(socket);
      socket.on('error', () => {});
      silent.emit('accepted');
    }).listen(0, '127.0.0.1');
    await once(silent, 'listening');
    try {
      const smtp = client((silent.address() as { port: number }).port, 'implicit');
      const connecting = smtp.connect();
      const rejected = expect(connecting).rejects.toThrow(/closed by close\(\)/);
      await once(silent, 'accepted');
      await smtp.close();
      await rejected;
      await expect(connecting).rejects.toBeInstanceOf(SMTPServerDisconnected);
      expect(smtp.state).toBeNull();
    } finally {
      for (const socket of held) socket.destroy();
      await new Promise((resolve) => silent.close(resolve));
    }
  });
});
