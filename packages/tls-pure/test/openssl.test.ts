/**
 * tls-pure against `openssl s_server` and `s_client` (OpenSSL 3, an independent TLS 1.3 stack):
 * groups and HelloRetryRequest, client certificates, resumption and KeyUpdate, both directions.
 * Suites and ALPN both ways are covered by the conformance suite as well.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TLSSocket } from '@unitls/tls-core';
import { runClient, startServer, type OpenSSLServer } from '../../../tests/support/openssl.js';
import { PureClientContext, PureServerContext } from '../src/mod.js';
import { chain, clientConfiguration, pkiFiles, serverConfiguration, testPki } from './support.js';

const pki = await testPki();
const { dir, root, serverCert, intermediate, serverKey, clientCert, clientKey, remove } = pkiFiles(pki, 'tls-pure-openssl-');
const serverArgs = ['-cert', serverCert, '-cert_chain', intermediate, '-key', serverKey, '-tls1_3'];

const servers: OpenSSLServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});
afterAll(remove);

async function opensslServer(args: string[]): Promise<OpenSSLServer> {
  const server = await startServer(args);
  servers.push(server);
  return server;
}

async function echo(socket: TLSSocket, line: string): Promise<string> {
  await socket.send(new TextEncoder().encode(line));
  let received = '';
  while (!received.includes('\n')) {
    const chunk = await socket.recv(4096);
    if (chunk.length === 0) break;
    received += Buffer.from(chunk).toString();
  }
  return received;
}

describe('tls-pure client against openssl s_server', () => {
  it.each([
    ['X25519', 'X25519'],
    ['P-256 (after a HelloRetryRequest: our shares are X25519MLKEM768 and X25519)', 'P-256'],
    ['P-384 (after a HelloRetryRequest)', 'P-384'],
  ])('agrees on %s', async (_label, group) => {
    const server = await opensslServer([...serverArgs, '-groups', group, '-rev']);
    const socket = await new PureClientContext(clientConfiguration(pki)).connect({ host: 'localhost', port: server.port });
    try {
      expect(await echo(socket, 'hello\n')).toBe('olleh\n');
      // s_server accepts only `group`: the handshake itself proves the exchange (and the retry).
      expect(socket.negotiatedTlsVersion).toBe('TLSv1.3');
    } finally {
      await socket.close(true);
    }
  });

  it('authenticates with a client certificate when s_server requires one', async () => {
    const server = await opensslServer([...serverArgs, '-Verify', '1', '-CAfile', root, '-verify_return_error', '-rev']);
    const socket = await new PureClientContext(clientConfiguration(pki, { certificateChain: chain(pki.client, pki) })).connect({ host: 'localhost', port: server.port });
    try {
      expect(await echo(socket, 'with cert\n')).toBe('trec htiw\n');
      // -Verify 1 with -verify_return_error: s_server refuses a connection without a valid client certificate.
    } finally {
      await socket.close(true);
    }
  });

  it("resumes s_server's ticket", async () => {
    const server = await opensslServer([...serverArgs, '-rev']);
    const context = new PureClientContext(clientConfiguration(pki));
    const first = await context.connect({ host: 'localhost', port: server.port });
    await echo(first, 'one\n'); // the tickets arrive before the answer
    const session = first.session!();
    const verified = first.getpeercert();
    await first.close(true);
    expect(session).not.toBeNull();
    const second = await context.connect({ host: 'localhost', port: server.port }, { session });
    try {
      expect(second.sessionReused).toBe(true);
      expect(second.getpeercert()).toEqual(verified);
      expect(await echo(second, 'two\n')).toBe('owt\n');
    } finally {
      await second.close(true);
    }
  });
});

describe('tls-pure server against openssl s_client', () => {
  async function serve(context: PureServerContext, reply = 'pong\n') {
    const listener = await context.connect({ host: '127.0.0.1', port: 0 });
    const accepted = listener.accept().then(async ([socket]) => {
      const line = await echoLine(socket);
      await socket.send(new TextEncoder().encode(reply));
      return { socket, line };
    });
    return { listener, port: listener.getsockname()!.port, accepted };
  }

  async function echoLine(socket: TLSSocket): Promise<string> {
    let received = '';
    while (!received.includes('\n')) {
      const chunk = await socket.recv(4096);
      if (chunk.length === 0) break;
      received += Buffer.from(chunk).toString();
    }
    return received;
  }

  it('sends a HelloRetryRequest when the client shares only a group we do not prefer', async () => {
    const { listener, port, accepted } = await serve(new PureServerContext(serverConfiguration(pki), { groups: [0x001d] }));
    try {
      const run = runClient(port, ['-brief', '-CAfile', root, '-servername', 'localhost', '-groups', 'P-256:X25519'], 'ping\n', /pong/);
      const { socket, line } = await accepted;
      const client = await run;
      expect(line).toBe('ping\n');
      expect(client.output).toContain('Verification: OK');
      expect(client.output).toMatch(/Server Temp Key: X25519/);
      await socket.close(true);
    } finally {
      await listener.close();
    }
  });

  it("verifies s_client's certificate", async () => {
    const config = serverConfiguration(pki, { trustStore: clientConfiguration(pki).trustStore });
    const { listener, port, accepted } = await serve(new PureServerContext(config));
    try {
      const run = runClient(port, ['-brief', '-CAfile', root, '-servername', 'localhost', '-cert', clientCert, '-cert_chain', intermediate, '-key', clientKey], 'ping\n', /pong/);
      const { socket } = await accepted;
      await run;
      expect(Buffer.from(socket.getpeercert()!).toString('base64')).toBe(Buffer.from(pki.client.der).toString('base64'));
      await socket.close(true);
    } finally {
      await listener.close();
    }
  });

  it('issues tickets s_client resumes', async () => {
    const context = new PureServerContext(serverConfiguration(pki));
    const listener = await context.connect({ host: '127.0.0.1', port: 0 });
    const sessionFile = join(dir, 'session.pem');
    try {
      const port = listener.getsockname()!.port;
      const serveOne = () => listener.accept().then(async ([socket]) => ((await echoLine(socket)), await socket.send(new TextEncoder().encode('pong\n')), socket));
      const firstServer = serveOne();
      await runClient(port, ['-CAfile', root, '-servername', 'localhost', '-sess_out', sessionFile], 'ping\n', /pong/);
      await (await firstServer).close(true);
      const secondServer = serveOne();
      const second = await runClient(port, ['-CAfile', root, '-servername', 'localhost', '-sess_in', sessionFile], 'ping\n', /pong/);
      const socket = await secondServer;
      expect(second.output).toMatch(/Reused, TLSv1\.3/);
      expect(socket.sessionReused).toBe(true);
      await socket.close(true);
    } finally {
      await listener.close();
    }
  });

  it("answers s_client's KeyUpdate (update_requested) and keeps both directions working", async () => {
    const { listener, port, accepted } = await serve(new PureServerContext(serverConfiguration(pki)));
    const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, '-CAfile', root, '-servername', 'localhost']);
    let output = '';
    const seen = (pattern: RegExp) =>
      new Promise<void>((resolve, reject) => {
        const check = () => (pattern.test(output) ? resolve() : undefined);
        child.stdout.on('data', (d: Buffer) => ((output += d.toString()), check()));
        child.stderr.on('data', (d: Buffer) => ((output += d.toString()), check()));
        child.once('close', () => (pattern.test(output) ? resolve() : reject(new Error(`s_client ended without ${pattern}:\n${output}`))));
      });
    try {
      // s_client drops the rest of a stdin read after a command, so the data goes in a second write.
      const updated = seen(/KEYUPDATE/);
      child.stdin.write('K\n');
      await updated;
      const ponged = seen(/pong/);
      child.stdin.write('ping\n');
      const { socket, line } = await accepted;
      await ponged; // decrypted under our updated keys: s_client applied our KeyUpdate answer
      expect(line).toBe('ping\n');
      await socket.close(true);
    } finally {
      child.kill();
      await listener.close();
    }
  });
});
