/**
 * tls-pure against GnuTLS (`gnutls-serv`, `gnutls-cli`; Debian gnutls-bin): a TLS stack that owes
 * nothing to OpenSSL either, so neither side can share a bug with the other's library. TLS 1.3 and
 * 1.2, both directions.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import type { TLSSocket } from '@unitls/tls-core';
import { peerMissing } from '../../../tests/support/peers.mjs';
import { PureClientContext, PureServerContext } from '../src/mod.js';
import { clientConfiguration, serverConfiguration, testPki } from './support.js';

const missing = peerMissing(['gnutls-bin']);
if (missing !== null) throw new Error(missing);

const pki = await testPki();
const dir = mkdtempSync(join(tmpdir(), 'tls-pure-gnutls-'));
const file = (name: string, content: string) => {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
};
const root = file('root.crt', pki.root.certPem);
const serverChain = file('server.crt', pki.serverEc.certPem + pki.intermediate.certPem);
const serverKey = file('server.key', pki.serverEc.keyPem);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const children: ChildProcessWithoutNullStreams[] = [];
afterEach(async () => {
  await Promise.all(
    children.splice(0).map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      const closed = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGKILL');
      return closed;
    }),
  );
});

/** Starts `gnutls-serv --echo` on an ephemeral port (found with ss, as gnutls-serv prints port 0). */
async function gnutlsServer(priority: string): Promise<number> {
  const child = spawn('gnutls-serv', ['--port', '0', '--echo', '--x509certfile', serverChain, '--x509keyfile', serverKey, '--priority', priority]);
  children.push(child);
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr.on('data', (d: Buffer) => (output += d.toString()));
  await new Promise<void>((resolve, reject) => {
    const check = () => (/listening on IPv4/.test(output) ? resolve() : undefined);
    child.stdout.on('data', check);
    child.stderr.on('data', check); // gnutls-serv says it listens on stderr
    child.once('close', () => reject(new Error(`gnutls-serv exited:\n${output}`)));
  });
  const listening = spawnSync('ss', ['-ltnpH'], { encoding: 'utf8' }).stdout;
  const port = new RegExp(`0\\.0\\.0\\.0:(\\d+)\\s.*pid=${child.pid},`).exec(listening)?.[1];
  if (port === undefined) throw new Error(`no listening port found for gnutls-serv ${child.pid}`);
  return Number(port);
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

const SUITES = [
  [0x1301, 'TLS 1.3 AES-128-GCM'],
  [0x1302, 'TLS 1.3 AES-256-GCM'],
  [0x1303, 'TLS 1.3 ChaCha20-Poly1305'],
  [0x1304, 'TLS 1.3 AES-128-CCM'],
  [0xc02b, 'TLS 1.2 ECDHE-ECDSA-AES-128-GCM'],
  [0xc02c, 'TLS 1.2 ECDHE-ECDSA-AES-256-GCM'],
  [0xcca9, 'TLS 1.2 ECDHE-ECDSA-ChaCha20-Poly1305'],
  [0xc0ac, 'TLS 1.2 ECDHE-ECDSA-AES-128-CCM'],
  [0xc0ae, 'TLS 1.2 ECDHE-ECDSA-AES-128-CCM-8'],
] as const;
const PRIORITY = 'NORMAL:+AES-128-CCM:+AES-256-CCM:+AES-128-CCM-8:+AES-256-CCM-8';

describe('tls-pure client against gnutls-serv', () => {
  it.each(SUITES.map(([suite, label]) => ({ suite, label })))('negotiates $label and echoes data', async ({ suite }) => {
    const port = await gnutlsServer(PRIORITY);
    const tls12 = suite > 0x1305;
    const context = new PureClientContext(clientConfiguration(pki, { ciphers: [suite], highestSupportedVersion: tls12 ? 'TLSv1.2' : 'TLSv1.3' }));
    const socket = await context.connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    try {
      expect(socket.cipher()).toBe(suite);
      expect(socket.negotiatedTlsVersion).toBe(tls12 ? 'TLSv1.2' : 'TLSv1.3');
      expect(await echo(socket, 'hello gnutls\n')).toBe('hello gnutls\n');
    } finally {
      await socket.close(true);
    }
  });
});

describe('tls-pure server against gnutls-cli', () => {
  it.each([
    ['TLS 1.3', 'NORMAL:-VERS-ALL:+VERS-TLS1.3', 'TLSv1.3'],
    ['TLS 1.2', 'NORMAL:-VERS-ALL:+VERS-TLS1.2', 'TLSv1.2'],
  ])('serves gnutls-cli over %s', async (_label, priority, version) => {
    const listener = await new PureServerContext(serverConfiguration(pki)).connect({ host: '127.0.0.1', port: 0 });
    try {
      const accepted = listener.accept().then(async ([socket]) => {
        let line = '';
        while (!line.includes('\n')) {
          const chunk = await socket.recv(4096);
          if (chunk.length === 0) break;
          line += Buffer.from(chunk).toString();
        }
        await socket.send(new TextEncoder().encode('pong\n'));
        return { socket, line };
      });
      const child = spawn('gnutls-cli', ['--port', String(listener.getsockname()!.port), '--x509cafile', root, '--priority', priority, 'localhost']);
      children.push(child);
      let output = '';
      child.stdout.on('data', (d: Buffer) => (output += d.toString()));
      child.stderr.on('data', (d: Buffer) => (output += d.toString()));
      child.stdin.write('ping\n');
      const { socket, line } = await accepted;
      await new Promise<void>((resolve) => {
        const check = () => (/pong/.test(output) ? resolve() : undefined);
        child.stdout.on('data', check);
        child.once('close', () => resolve());
        check();
      });
      expect(line).toBe('ping\n');
      expect(socket.negotiatedTlsVersion).toBe(version);
      expect(output).toContain('pong');
      expect(output).toContain(`Description: (${version === 'TLSv1.3' ? 'TLS1.3' : 'TLS1.2'}`);
      await socket.close(true);
    } finally {
      await listener.close();
    }
  });
});
