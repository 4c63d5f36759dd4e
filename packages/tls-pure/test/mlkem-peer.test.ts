/**
 * X25519MLKEM768 against an implementation that is not ours: node:tls on Node 24 (OpenSSL 3.5, whose
 * TLS offers and accepts the hybrid; Node 20's OpenSSL 3.0, Debian's OpenSSL, GnuTLS and Go 1.19 do
 * not), from tests/smoke's pinned runtimes. Both ways, with liboqs's ML-KEM in the node:crypto
 * provider (loaded first) and with the @noble provider: a Node 24 server that only takes
 * X25519MLKEM768 completes handshakes with tls-pure clients and refuses one offering X25519 only (so
 * the hybrid is what was negotiated); a Node 24 client that only offers X25519MLKEM768 reports that
 * group after a tls-pure server answered.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TLSError } from '@unitls/tls-core';
import { NamedGroup } from '../src/codec/constants.js';
import { loadWasmMlKem768 } from '../src/crypto/ml-kem.js';
import { nobleCryptoProvider, PureClientContext, PureServerContext, type PureContextOptions } from '../src/mod.js';
import { installRuntimes } from '../../../tests/smoke/runtimes.mjs';
import { clientConfiguration, serverConfiguration, testPki, type TestPki } from './support.js';

const SERVER = `
const tls = require('node:tls'), fs = require('node:fs');
const [cert, key] = process.argv.slice(1);
const server = tls.createServer({ cert: fs.readFileSync(cert), key: fs.readFileSync(key), ecdhCurve: 'X25519MLKEM768', minVersion: 'TLSv1.3' }, (s) => s.end('hybrid'));
server.on('tlsClientError', () => {});
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
process.stdin.on('end', () => server.close()).resume();
`;

const CLIENT = `
const tls = require('node:tls'), fs = require('node:fs');
const [port, ca] = process.argv.slice(1);
const s = tls.connect({ host: '127.0.0.1', port: Number(port), servername: 'localhost', ca: fs.readFileSync(ca), ecdhCurve: 'X25519MLKEM768' });
let data = '';
s.on('data', (d) => (data += d));
s.on('end', () => console.log(JSON.stringify({ data, group: s.getEphemeralKeyInfo().name })));
s.on('error', (e) => console.log(JSON.stringify({ error: e.message })));
`;

let node24: string;
let pki: TestPki;
let dir: string;
let server: ChildProcess;
let port: number;

beforeAll(async () => {
  node24 = installRuntimes().find((r) => r.name === 'node24')!.command;
  pki = await testPki();
  expect(await loadWasmMlKem768()).not.toBeNull();
  dir = mkdtempSync(join(tmpdir(), 'unitls-mlkem-peer-'));
  writeFileSync(join(dir, 'chain.pem'), pki.serverEc.certPem + pki.intermediate.certPem);
  writeFileSync(join(dir, 'key.pem'), pki.serverEc.keyPem);
  writeFileSync(join(dir, 'root.pem'), pki.root.certPem);
  server = spawn(node24, ['-e', SERVER, join(dir, 'chain.pem'), join(dir, 'key.pem')], { stdio: ['pipe', 'pipe', 'inherit'] });
  const [line] = (await once(server.stdout!, 'data')) as [Buffer];
  port = Number(line.toString());
}, 600_000);

afterAll(async () => {
  if (server !== undefined && server.exitCode === null) {
    server.stdin!.end();
    await once(server, 'exit');
  }
  if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
});

const PROVIDERS: Array<[string, PureContextOptions]> = [
  ['node:crypto provider (liboqs)', {}],
  ['@noble provider', { provider: nobleCryptoProvider }],
];

describe('X25519MLKEM768 with node:tls on Node 24 (OpenSSL 3.5)', () => {
  it.each(PROVIDERS)('a tls-pure client (%s) completes a handshake with a server taking only the hybrid', async (_name, options) => {
    const socket = await new PureClientContext(clientConfiguration(pki), options).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
    try {
      expect(new TextDecoder().decode(await socket.recv(100))).toBe('hybrid');
    } finally {
      await socket.close(true);
    }
  });

  it('that server refuses a tls-pure client offering X25519 only (the control: it negotiates nothing else)', async () => {
    const context = new PureClientContext(clientConfiguration(pki), { groups: [NamedGroup.x25519] });
    await expect(context.connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' })).rejects.toThrow(TLSError);
  });

  it.each(PROVIDERS)('a Node 24 client offering only the hybrid gets it from a tls-pure server (%s)', async (_name, options) => {
    const listener = await new PureServerContext(serverConfiguration(pki), options).connect({ host: '127.0.0.1', port: 0 });
    try {
      const served = (async () => {
        const [socket] = await listener.accept();
        await socket.send(new TextEncoder().encode('from tls-pure'));
        await socket.close(true);
      })();
      const client = spawn(node24, ['-e', CLIENT, String(listener.getsockname()!.port), join(dir, 'root.pem')], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      client.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      await Promise.all([once(client, 'exit'), served]);
      expect(JSON.parse(out)).toEqual({ data: 'from tls-pure', group: 'X25519MLKEM768' });
    } finally {
      await listener.close(true);
    }
  });
});
