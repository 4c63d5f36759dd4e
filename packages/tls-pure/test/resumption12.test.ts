/**
 * TLS 1.2 session resumption (RFC 5246 §7.3 abbreviated handshakes; RFC 5077 tickets; session ids
 * as a client), only for sessions with the extended master secret (RFC 7627 §5.3): in memory
 * between tls-pure's two sides, and against `openssl s_server` (tickets, and a session-id cache
 * with -no_ticket) and `s_client -sess_out/-sess_in` both ways.
 */
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TLSBuffer, TLSSocket } from '@unitls/tls-core';
import { runClient, startServer, type OpenSSLServer } from '../../../tests/support/openssl.js';
import { PureClientContext, PureServerContext, type PureBuffer } from '../src/mod.js';
import { chain, clientConfiguration, handshake, pkiFiles, pump, serverConfiguration, testPki } from './support.js';

const pki = await testPki();
const twelve = { highestSupportedVersion: 'TLSv1.2' as const };
const text = (s: string) => new TextEncoder().encode(s);

function roundTrip(from: TLSBuffer, to: TLSBuffer, message: string): string {
  from.write(text(message));
  pump(from, to);
  return new TextDecoder().decode(to.read(1 << 20) as Uint8Array);
}

describe('TLS 1.2 resumption between tls-pure client and server (in memory)', () => {
  function first(clientOptions = {}, serverOptions = {}) {
    const clientContext = new PureClientContext(clientConfiguration(pki, { ...twelve, ...clientOptions }));
    const serverContext = new PureServerContext(serverConfiguration(pki, serverOptions));
    const client = clientContext.createBuffer('localhost');
    const server = serverContext.createBuffer();
    handshake(client, server);
    return { clientContext, serverContext, client, server };
  }

  it.each([0xc02b, 0xc02c, 0xcca9, 0xc0ac, 0xc0ae].map((suite) => [suite.toString(16), suite]))('resumes a ticket with suite 0x%s: no certificate, no key exchange, same peer certificate', (_hex, suite) => {
    const { clientContext, serverContext, client, server } = first({ ciphers: [suite] }, { ciphers: [suite] });
    expect(client.sessionReused).toBe(false);
    // TLS 1.2 tickets arrive inside the handshake: the session is there at once.
    const session = client.session!();
    expect(session).not.toBeNull();
    const again = clientContext.createBuffer('localhost', { session });
    const againServer = serverContext.createBuffer();
    handshake(again, againServer);
    expect([again.sessionReused, againServer.sessionReused]).toEqual([true, true]);
    expect([again.negotiatedTlsVersion, again.cipher(), againServer.cipher()]).toEqual(['TLSv1.2', suite, suite]);
    expect(again.getpeercert()).toEqual(client.getpeercert());
    expect((again as PureBuffer).keyExchangeGroup()).toBeNull();
    expect(roundTrip(again, againServer, 'resumed')).toBe('resumed');
    expect(roundTrip(againServer, again, 'and back')).toBe('and back');
    expect(roundTrip(client, server, 'first still open')).toBe('first still open');
    // The resumed handshake hands out a fresh ticket, which resumes as well.
    const third = clientContext.createBuffer('localhost', { session: again.session!() });
    const thirdServer = serverContext.createBuffer();
    handshake(third, thirdServer);
    expect(third.sessionReused).toBe(true);
  });

  it('falls back to a full handshake for a ticket another server context sealed', () => {
    const { clientContext, client } = first();
    const stranger = new PureServerContext(serverConfiguration(pki)).createBuffer();
    const again = clientContext.createBuffer('localhost', { session: client.session!() });
    handshake(again, stranger);
    expect([again.sessionReused, stranger.sessionReused]).toEqual([false, false]);
    expect(roundTrip(again, stranger, 'full')).toBe('full');
  });

  it('falls back to a full handshake when the server would now negotiate TLS 1.3', () => {
    const configuration = clientConfiguration(pki);
    const clientContext = new PureClientContext(configuration);
    const old = clientContext.createBuffer('localhost');
    const oldServer = new PureServerContext(serverConfiguration(pki, twelve)).createBuffer();
    handshake(old, oldServer);
    expect(old.negotiatedTlsVersion).toBe('TLSv1.2');
    const session = old.session!();
    const again = clientContext.createBuffer('localhost', { session });
    const modern = new PureServerContext(serverConfiguration(pki)).createBuffer();
    handshake(again, modern);
    expect([again.negotiatedTlsVersion, again.sessionReused]).toEqual(['TLSv1.3', false]);
  });

  it('keeps the client certificate in the session, and will not resume a session without one once it is required', () => {
    const trustStore = clientConfiguration(pki).trustStore;
    const withCert = first({ certificateChain: chain(pki.client, pki) }, { trustStore });
    const again = withCert.clientContext.createBuffer('localhost', { session: withCert.client.session!() });
    const againServer = withCert.serverContext.createBuffer();
    handshake(again, againServer);
    expect(againServer.sessionReused).toBe(true);
    expect(againServer.getpeercert()).toEqual(withCert.server.getpeercert());

    // A session made without a client certificate, offered to a server of the same key that now requires one.
    const clientContext = new PureClientContext(clientConfiguration(pki, twelve));
    const anonymous = clientContext.createBuffer('localhost');
    const serverContext = new PureServerContext(serverConfiguration(pki));
    handshake(anonymous, serverContext.createBuffer());
    const strict = new PureServerContext(serverConfiguration(pki, { trustStore })).createBuffer();
    const retry = clientContext.createBuffer('localhost', { session: anonymous.session!() });
    expect(() => handshake(retry, strict)).toThrow(/client certificate/);
    expect(strict.sessionReused).toBe(false);
  });

  it('refuses a resumed handshake whose Finished record was tampered with, and resumes nothing', () => {
    const { clientContext, serverContext, client } = first();
    const again = clientContext.createBuffer('localhost', { session: client.session!() });
    const server = serverContext.createBuffer();
    expect(() => again.doHandshake()).toThrow();
    const hello = again.processOutgoing(again.outgoingBytesBuffered());
    server.processIncoming(hello);
    expect(() => server.doHandshake()).toThrow();
    const flight = server.processOutgoing(server.outgoingBytesBuffered());
    // Flip one bit of the server's encrypted Finished (the last record of its flight).
    flight[flight.length - 1]! ^= 1;
    again.processIncoming(flight);
    expect(() => again.doHandshake()).toThrow(/bad_record_mac|authenticat|decrypt/i);
    expect(again.sessionReused).toBe(false);
  });
});

describe('TLS 1.2 resumption against OpenSSL', () => {
  const files = pkiFiles(pki, 'tls-pure-resume12-');
  const { root, dir } = files;
  const serverArgs = ['-cert', files.serverCert, '-cert_chain', files.intermediate, '-key', files.serverKey, '-tls1_2', '-rev'];
  const servers: OpenSSLServer[] = [];
  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
  });
  afterAll(files.remove);

  async function echo(socket: TLSSocket, line: string): Promise<string> {
    await socket.send(text(line));
    let received = '';
    while (!received.includes('\n')) {
      const chunk = await socket.recv(4096);
      if (chunk.length === 0) break;
      received += Buffer.from(chunk).toString();
    }
    return received;
  }

  it.each([
    ['a ticket (RFC 5077)', []],
    ['a session id (s_server -no_ticket keeps a session cache)', ['-no_ticket']],
  ])("resumes s_server's TLS 1.2 session by %s", async (_label, extra) => {
    const server = await startServer([...serverArgs, ...extra]);
    servers.push(server);
    const context = new PureClientContext(clientConfiguration(pki, twelve));
    const first = await context.connect({ host: 'localhost', port: server.port });
    expect(await echo(first, 'one\n')).toBe('eno\n');
    const session = first.session!();
    const verified = first.getpeercert();
    await first.close(true);
    expect(session).not.toBeNull();
    const second = await context.connect({ host: 'localhost', port: server.port }, { session });
    try {
      expect([second.negotiatedTlsVersion, second.sessionReused]).toEqual(['TLSv1.2', true]);
      expect(second.getpeercert()).toEqual(verified);
      expect(await echo(second, 'two\n')).toBe('owt\n');
    } finally {
      await second.close(true);
    }
  });

  it('issues TLS 1.2 tickets s_client resumes', async () => {
    const listener = await new PureServerContext(serverConfiguration(pki, twelve)).connect({ host: '127.0.0.1', port: 0 });
    const sessionFile = join(dir, 'session12.pem');
    try {
      const port = listener.getsockname()!.port;
      const serveOne = () =>
        listener.accept().then(async ([socket]) => {
          let line = '';
          while (!line.includes('\n')) line += Buffer.from(await socket.recv(100)).toString();
          await socket.send(text('pong\n'));
          return socket;
        });
      const firstServer = serveOne();
      const firstRun = await runClient(port, ['-CAfile', root, '-servername', 'localhost', '-tls1_2', '-sess_out', sessionFile], 'ping\n', /pong/);
      expect(firstRun.output).toMatch(/New, TLSv1\.2/);
      await (await firstServer).close(true);
      const secondServer = serveOne();
      const second = await runClient(port, ['-CAfile', root, '-servername', 'localhost', '-tls1_2', '-sess_in', sessionFile], 'ping\n', /pong/);
      const socket = await secondServer;
      expect(second.output).toMatch(/Reused, TLSv1\.2/);
      expect(socket.sessionReused).toBe(true);
      await socket.close(true);
    } finally {
      await listener.close();
    }
  });
});
