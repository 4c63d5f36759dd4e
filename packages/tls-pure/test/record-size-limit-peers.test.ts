/**
 * The record size limit extension (RFC 8449) against other stacks, under TLS 1.2 as under 1.3:
 * GnuTLS advertises one (`--recordsize`) and refuses larger records; OpenSSL 3.0 has none, so a
 * limit tls-pure offers is not in effect with it (§4: "If this extension is not negotiated,
 * endpoints can send records of any size permitted by the protocol").
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { TLSSocket } from '@unitls/tls-core';
import { startGnutlsServ } from '../../../tests/support/gnutls-serv.js';
import { startServer } from '../../../tests/support/openssl.js';
import { peerMissing } from '../../../tests/support/peers.mjs';
import { PureClientContext, PureServerContext } from '../src/mod.js';
import { clientConfiguration, pkiFiles, serverConfiguration, testPki } from './support.js';

const pki = await testPki();
const files = pkiFiles(pki, 'tls-pure-rsl-');
const { root, serverCert, intermediate, serverKey } = files;
const serverChain = files.file('chain.crt', pki.serverEc.certPem + pki.intermediate.certPem);
const gnutlsMissing = peerMissing(['gnutls-bin']);

const children: ChildProcessWithoutNullStreams[] = [];
const servers: Array<{ close(): Promise<void> }> = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
  await Promise.all(children.splice(0).map((child) => stop(child)));
});
afterAll(files.remove);

function stop(child: ChildProcessWithoutNullStreams): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
  child.kill('SIGKILL');
  return closed;
}

/** Spawns `command` and resolves with its output once `ready` matches it (rejects if it exits first). */
function run(command: string, args: string[], ready: RegExp, input?: string): Promise<{ child: ChildProcessWithoutNullStreams; output: () => string }> {
  const child = spawn(command, args);
  children.push(child);
  let text = '';
  const output = () => text;
  return new Promise((resolve, reject) => {
    const check = () => ready.test(text) && resolve({ child, output });
    child.stdout.on('data', (chunk: Buffer) => ((text += chunk.toString()), check()));
    child.stderr.on('data', (chunk: Buffer) => ((text += chunk.toString()), check()));
    child.once('close', (code) => reject(new Error(`${command} exited (${code}) before ${ready}:\n${text}`)));
    if (input !== undefined) child.stdin.write(input);
  });
}

/** gnutls-serv once it listens (tests/support/gnutls-serv.ts: the readiness line, a new port if the first was taken); its port. */
async function gnutlsServ(args: string[]): Promise<number> {
  const server = await startGnutlsServ(args);
  servers.push(server);
  return server.port;
}

async function receive(socket: TLSSocket, bytes: number): Promise<string> {
  let received = '';
  while (received.length < bytes) {
    const chunk = await socket.recv(1 << 16);
    if (chunk.length === 0) break;
    received += Buffer.from(chunk).toString('latin1');
  }
  return received;
}

const priority = (version: string) => `NORMAL:-VERS-ALL:+VERS-${version === 'TLSv1.2' ? 'TLS1.2' : 'TLS1.3'}`;
const versions = ['TLSv1.2', 'TLSv1.3'] as const;

describe('record_size_limit with GnuTLS (it advertises one and enforces it)', () => {
  // A machine without GnuTLS fails here with the package to install (the project skips nothing).
  beforeAll(() => {
    if (gnutlsMissing !== null) throw new Error(gnutlsMissing);
  });

  it.each(versions)('the tls-pure client sends gnutls-serv records of at most its limit (%s)', async (version) => {
    const port = await gnutlsServ(['--echo', '--recordsize=512', '--priority', priority(version), '--x509certfile', serverChain, '--x509keyfile', serverKey]);
    const context = new PureClientContext(clientConfiguration(pki, { highestSupportedVersion: version, lowestSupportedVersion: version }));
    const socket = await context.connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    try {
      expect(socket.negotiatedTlsVersion).toBe(version);
      // gnutls-serv --echo answers line by line.
      const message = `${'x'.repeat(5000)}\n`;
      await socket.send(new TextEncoder().encode(message));
      expect(await receive(socket, message.length)).toBe(message);
    } finally {
      await socket.close(true);
    }
  });

  it.each(versions)("the tls-pure server answers gnutls-cli's limit and keeps to it (%s)", async (version) => {
    const listener = await new PureServerContext(serverConfiguration(pki)).connect({ host: '127.0.0.1', port: 0 });
    const reply = `${'y'.repeat(6000)}\n`;
    const served = listener.accept().then(async ([socket]) => {
      await receive(socket, 5);
      await socket.send(new TextEncoder().encode(reply));
      return socket;
    });
    try {
      const { output } = await run('gnutls-cli', ['--port', String(listener.getsockname()!.port), '--x509cafile', root, '--recordsize=512', '--priority', priority(version), 'localhost'], /y{6000}/, 'ping\n');
      expect(output()).toContain(version === 'TLSv1.2' ? '(TLS1.2' : '(TLS1.3');
      await (await served).close(true);
    } finally {
      await listener.close();
    }
  });
});

describe('record_size_limit with OpenSSL 3.0 (which has none): the limit tls-pure offers is not in effect', () => {
  it.each(versions)('the tls-pure client with recordSizeLimit 512 takes s_server\'s larger records (%s)', async (version) => {
    const server = await startServer(['-cert', serverCert, '-cert_chain', intermediate, '-key', serverKey, version === 'TLSv1.2' ? '-tls1_2' : '-tls1_3', '-rev']);
    servers.push(server);
    const context = new PureClientContext(clientConfiguration(pki, { highestSupportedVersion: version, lowestSupportedVersion: version }), { recordSizeLimit: 512 });
    const socket = await context.connect({ host: '127.0.0.1', port: server.port }, { serverHostname: 'localhost' });
    try {
      const line = 'abc'.repeat(1500);
      await socket.send(new TextEncoder().encode(`${line}\n`));
      // s_server -rev answers the line reversed, in one record of 4501 bytes.
      expect(await receive(socket, line.length + 1)).toBe(`${[...line].reverse().join('')}\n`);
    } finally {
      await socket.close(true);
    }
  });
});
