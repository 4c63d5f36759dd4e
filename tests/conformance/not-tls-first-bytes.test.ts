/**
 * Trial 12, finding 8: tls-pure's "is this a TLS port?" error showed the server's first bytes in
 * hex only, so a plain-text SMTP greeting read as 3232302073. tls-core's describeFirstBytes shows
 * text as text (hex otherwise) and says what to do about a plain-text mail/FTP greeting.
 */
import { once } from 'node:events';
import * as net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { NOT_TLS, TLSError, describeFirstBytes } from '@unitls/tls-core';
import { implementation as pure } from '@unitls/tls-pure';
import { implementation as openssl } from '@unitls/tls-openssl';
import { clientConfig, serverConfig } from '../support/fixtures.js';

const closers: Array<() => void> = [];
afterEach(() => {
  closers.splice(0).forEach((close) => close());
});

async function greetingServer(greeting: string): Promise<number> {
  const sockets: net.Socket[] = [];
  const server = net.createServer((socket) => {
    sockets.push(socket);
    socket.on('error', () => {});
    socket.write(greeting);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  closers.push(() => {
    sockets.forEach((socket) => socket.destroy());
    server.close();
  });
  return (server.address() as net.AddressInfo).port;
}

describe('the first bytes of a peer that does not speak TLS', () => {
  it('describeFirstBytes: text as quoted text, a mail greeting with advice, binary as hex', () => {
    expect(describeFirstBytes(Buffer.from('HTTP/1.1 400 Bad Request\r\n'))).toBe('first bytes "HTTP/1.1 400 Bad Request\\r\\n"');
    expect(describeFirstBytes(Buffer.from('+OK POP3 ready\r\n'))).toMatch(/^first bytes "\+OK POP3 ready\\r\\n": a plain-text SMTP, FTP, POP3 or IMAP greeting: connect without TLS and upgrade \(STARTTLS, STLS, AUTH TLS\)/);
    expect(describeFirstBytes(Uint8Array.of(0x15, 0x00, 0xff))).toBe('first bytes 1500ff');
    expect(describeFirstBytes(Buffer.alloc(70, 0x41))).toBe(`first bytes "${'A'.repeat(64)}"...`);
  });

  it('tls-pure names a plain-text SMTP greeting as text and says to use STARTTLS', async () => {
    const port = await greetingServer('220 smtp.test ESMTP ready\r\n');
    const outcome = await new pure.clientContext(clientConfig()).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' }).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(TLSError);
    const message = (outcome as Error).message;
    expect(message).toContain(NOT_TLS.fromServer);
    expect(message).toContain('first bytes "220 smtp.test ESMTP ready\\r\\n": a plain-text SMTP, FTP, POP3 or IMAP greeting');
  });

  // review14: tls-openssl said only "is this a TLS port?"; it now shows the first bytes as tls-pure
  // does, at most 5 of them on either side (never more: errors reach logs).
  it('tls-openssl names the first 5 bytes of a plain-text SMTP greeting, with the STARTTLS advice', async () => {
    const port = await greetingServer('220 smtp.test ESMTP ready\r\n');
    const outcome = await new openssl.clientContext(clientConfig()).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' }).catch((error: unknown) => error);
    expect(outcome).toBeInstanceOf(TLSError);
    const message = (outcome as Error).message;
    expect(message).toContain(NOT_TLS.fromServer);
    expect(message).toContain('(first bytes "220 s": a plain-text SMTP, FTP, POP3 or IMAP greeting');
    expect(message).not.toContain('smtp.test');
  });

  // break13 finding 4 (tls-pure), review14 (tls-openssl): a request line's secrets stay out of the error.
  it.each([
    ['tls-pure', pure],
    ['tls-openssl', openssl],
  ] as const)("a %s server shows at most 5 of a plain-text client's first bytes", (_, implementation) => {
    const server = new implementation.serverContext(serverConfig()).createBuffer();
    server.processIncoming(Buffer.from('GET /reset?token=s3cr3t-0123456789 HTTP/1.1\r\nHost: a\r\n\r\n'));
    let outcome: unknown;
    try {
      server.doHandshake();
    } catch (error) {
      outcome = error;
    }
    expect(outcome).toBeInstanceOf(TLSError);
    const message = (outcome as Error).message;
    expect(message).toContain(NOT_TLS.fromClient);
    expect(message).toContain('(first bytes "GET /")');
    expect(message).not.toContain('token');
    expect(message).not.toContain('s3cr3t');
  });
});
