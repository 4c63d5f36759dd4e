/**
 * Trial 7: a STARTTLS client pointed at an implicit-TLS port (the server waits for our
 * ClientHello, we wait for its greeting) waited out its timeout and said only "no answer within
 * N ms". Against a real implicit-TLS listener (openssl s_server), every client's TimeoutError now
 * says what to use instead; a server that greeted and then went silent gets no such hint.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FTP_TLS, FTPTimeoutError } from '@unitls/ftp';
import { IMAP4, IMAP4TimeoutError } from '@unitls/imap';
import { POP3, POP3TimeoutError } from '@unitls/pop';
import { SMTP, SMTPTimeoutError } from '@unitls/smtp';
import { pki } from '../support/fixtures.js';
import { startServer, type OpenSSLServer } from '../support/openssl.js';

const TIMEOUT = 400;
let tlsServer: OpenSSLServer;
beforeAll(async () => {
  tlsServer = await startServer(['-cert', pki.path('server-ec'), '-cert_chain', pki.path('intermediate'), '-key', pki.path('server-ec', 'key')]);
});
afterAll(async () => {
  await tlsServer.close();
});

/** What connect() rejects with. */
async function failure(connect: () => Promise<unknown>): Promise<Error> {
  return connect().then(
    () => {
      throw new Error('connect() succeeded against an implicit-TLS port');
    },
    (error: unknown) => error as Error,
  );
}

const clients: Array<[string, (port: number) => { connect(host: string, port: number): Promise<unknown>; close(force?: boolean): Promise<void> }, string, Function, string]> = [
  ['SMTP', () => new SMTP({ timeout: TIMEOUT }), "use SMTP_SSL or security: 'implicit' (port 465)", SMTPTimeoutError, 'UNITLS_SMTP_TIMEOUT'],
  ['IMAP4', () => new IMAP4({ timeout: TIMEOUT }), "use IMAP4_SSL or security: 'implicit' (port 993)", IMAP4TimeoutError, 'UNITLS_IMAP_TIMEOUT'],
  ['POP3', () => new POP3({ timeout: TIMEOUT }), "use POP3_SSL or security: 'implicit' (port 995)", POP3TimeoutError, 'UNITLS_POP3_TIMEOUT'],
  ['FTP', () => new FTP_TLS({ timeout: TIMEOUT }), "use FTP_TLS with security: 'implicit' (implicit mode, port 990)", FTPTimeoutError, 'UNITLS_FTP_TIMEOUT'],
];

describe.each(clients)('%s at an implicit-TLS port (openssl s_server)', (label, make, advice, type, code) => {
  // Trial 12, finding 5: the timeout was a bare DOMException that named neither the client nor the phase.
  it("times out with the client's TimeoutError naming the greeting phase, and says the server may expect TLS at once, and what to use", async () => {
    const client = make(tlsServer.port);
    const error = await failure(() => client.connect('127.0.0.1', tlsServer.port));
    await client.close(true);
    expect(error).toBeInstanceOf(type);
    expect(error).toMatchObject({ name: 'TimeoutError', code, role: 'connection', phase: 'greeting', command: null, timeout: TIMEOUT });
    expect((error.cause as Error).name).toBe('TimeoutError');
    expect(error.cause).toBeInstanceOf(DOMException);
    expect(error.message).toBe(
      `${label} timed out waiting for the greeting of 127.0.0.1:${tlsServer.port}: no answer within ${TIMEOUT} ms (the timeout option bounds each reply or operation as a whole); not one byte came from the server since it was opened: it may expect TLS at once (an implicit-TLS port); ${advice}`,
    );
  });
});

describe('a server that greeted, then went silent', () => {
  let server: Server;
  const held: Socket[] = [];
  beforeAll(async () => {
    // Greets as an SMTP server would, then never answers EHLO.
    server = createServer((socket) => {
      held.push(socket);
      socket.on('error', () => {});
      socket.write('220 silent.test ESMTP\r\n');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  afterAll(async () => {
    for (const socket of held) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  });

  it('gets the plain timeout, without the implicit-TLS hint', async () => {
    const client = new SMTP({ timeout: TIMEOUT });
    const error = await failure(() => client.connect('127.0.0.1', (server.address() as { port: number }).port));
    await client.close(true);
    expect(error).toBeInstanceOf(SMTPTimeoutError);
    expect(error).toMatchObject({ name: 'TimeoutError', phase: 'read', command: 'EHLO' });
    expect(error.message).toBe(`SMTP timed out waiting for the reply to EHLO: no answer within ${TIMEOUT} ms (the timeout option bounds each reply or operation as a whole)`);
  });
});
