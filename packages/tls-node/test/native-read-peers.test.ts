/**
 * Direct reads (src/native-read.ts) against what the fast-check cases of native-read.test.ts do
 * not reach: a KeyUpdate from openssl s_server in the middle of the stream (`k`: update_not_requested;
 * `K`: update_requested, which our side must answer before the server can read it again), several
 * connections read at once in interleaved sizes while their server's data follows its handshake
 * at once (TLS 1.2 and 1.3: records that may reach node:tls before the socket's reader exists),
 * and STARTTLS over a net.Socket, which takes the native path. Bytes compared with SHA-256.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import { ChunkReader, startTls, TLSClientConfiguration, TrustStore, type TLSSocket } from '@unitls/tls-core';
import { implementation } from '../src/mod.js';
import { directReadsInUse } from '../src/native-read.js';

let key: string;
let cert: string;
let dir: string;
let configuration: TLSClientConfiguration;
let delivered = 0;
const deliver = ChunkReader.prototype.deliver;

beforeAll(async () => {
  const authority = await createAuthority({ name: 'native read peers CA' });
  const leaf = await issueCertificate(authority, { names: ['localhost'] });
  key = leaf.keyPem;
  cert = leaf.certPem;
  dir = mkdtempSync(join(tmpdir(), 'unitls-native-read-'));
  writeFileSync(join(dir, 'key.pem'), key);
  writeFileSync(join(dir, 'cert.pem'), cert);
  configuration = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(Buffer.from(authority.certPem)) });
  // Counts what the direct path hands the reader.
  ChunkReader.prototype.deliver = function (this: ChunkReader, chunk: Uint8Array) {
    delivered++;
    deliver.call(this, chunk);
  };
});
afterAll(() => {
  ChunkReader.prototype.deliver = deliver;
  rmSync(dir, { recursive: true, force: true });
});

const sha256 = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex');
const pattern = (length: number, seed = 0): Buffer => Buffer.from(Array.from({ length }, (_, i) => (i * 31 + seed * 17 + (i >> 9)) & 0xff));

function connect(port: number): Promise<TLSSocket> {
  return new implementation.clientContext(configuration).connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
}

/** Reads to the end, in `sizes` in turn (from `turn`), an event-loop turn after every fourth read. */
async function recvAll(socket: TLSSocket, sizes: number[], turn = 0): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for (let t = turn; ; t++) {
    const chunk = await socket.recv(sizes[t % sizes.length]!);
    if (chunk.length === 0) return Buffer.concat(parts);
    parts.push(Uint8Array.from(chunk));
    if (t % 4 === 0) await new Promise((resolve) => setImmediate(resolve));
  }
}

async function recvUntil(socket: TLSSocket, marker: string): Promise<string> {
  let text = '';
  while (!text.includes(marker)) {
    const chunk = await socket.recv(4096);
    if (chunk.length === 0) break;
    text += Buffer.from(chunk).toString('latin1');
  }
  return text;
}

describe('tls-node direct reads with real peers', () => {
  it("a KeyUpdate from openssl s_server ('k', then 'K' which asks for ours) between records", async () => {
    const child = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', '-cert', join(dir, 'cert.pem'), '-key', join(dir, 'key.pem'), '-tls1_3']);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    const exited = once(child, 'close');
    const printed = async (text: string, count = 1) => {
      while (output.split(text).length - 1 < count) await once(child.stdout, 'data');
    };
    try {
      await printed('ACCEPT 127.0.0.1:');
      const socket = await connect(Number(/ACCEPT 127\.0\.0\.1:(\d+)/.exec(output)![1]));
      try {
        await socket.send(Buffer.from('client-0\n'));
        await printed('client-0');
        child.stdin.write('server-1\n');
        expect(await recvUntil(socket, 'server-1')).toContain('server-1');
        // One command per read of s_server's stdin (it takes a line of 1 or 2 bytes as a command):
        // once it printed our ping, it has read the command written before it (stdin comes first
        // in its loop).
        const command = async (line: string, ping: string) => {
          child.stdin.write(line);
          await socket.send(Buffer.from(`${ping}\n`));
          await printed(ping);
        };
        await command('k\n', 'ping-1');
        child.stdin.write('server-2\n');
        expect(await recvUntil(socket, 'server-2')).toContain('server-2');
        await command('K\n', 'ping-2');
        child.stdin.write('server-3\n');
        expect(await recvUntil(socket, 'server-3')).toContain('server-3');
        // The server reads us under our new keys: our answer to 'K' went out.
        await socket.send(Buffer.from('client-1\n'));
        await printed('client-1');
        // s_server reports each key update it started.
        await printed('SSL_do_handshake -> 1', 2);
      } finally {
        await socket.close(true);
      }
    } finally {
      child.kill('SIGKILL');
      await exited;
    }
  }, 30_000);

  it.each(['TLSv1.2', 'TLSv1.3'] as const)('six connections at once, %s, the server writing right behind its handshake', async (version) => {
    const data = pattern(700_000);
    const server = tls.createServer({ key, cert, minVersion: version, maxVersion: version }, (socket) => {
      socket.on('error', () => {});
      socket.write(data.subarray(0, 100));
      socket.write(data.subarray(100));
      socket.write(Buffer.alloc(0), () => socket.end());
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as net.AddressInfo).port;
    try {
      for (let round = 0; round < 3; round++) {
        const digests = await Promise.all(
          Array.from({ length: 6 }, async (_, i) => {
            const socket = await connect(port);
            try {
              return sha256(await recvAll(socket, [65_536, 1, 1000, 16_384, 7], i));
            } finally {
              await socket.close();
            }
          }),
        );
        expect(digests).toEqual(digests.map(() => sha256(data)));
      }
    } finally {
      server.close();
    }
  }, 120_000);

  it('STARTTLS over a net.Socket: the native path, every byte', async () => {
    const data = pattern(1_000_000, 1);
    const server = net.createServer((raw) => {
      raw.on('error', () => {});
      raw.once('data', () => {
        raw.write('220 ready\r\n');
        const secure = new tls.TLSSocket(raw, { isServer: true, key, cert });
        secure.on('error', () => {});
        secure.on('secure', () => {
          secure.write(data);
          secure.write(Buffer.alloc(0), () => secure.end());
        });
      });
      raw.write('220 plain\r\n');
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const plain = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    try {
      await once(plain, 'data');
      plain.write('STARTTLS\r\n');
      await once(plain, 'data');
      plain.pause();
      const before = delivered;
      const socket = await startTls(new implementation.clientContext(configuration), plain, { serverHostname: 'localhost' });
      try {
        expect(sha256(await recvAll(socket, [65_536, 3, 20_000]))).toBe(sha256(data));
      } finally {
        await socket.close();
      }
      // Where the probe found Node's layout, the records came the direct way.
      if (directReadsInUse() === true) expect(delivered).toBeGreaterThan(before);
    } finally {
      plain.destroy();
      server.close();
    }
  }, 60_000);
});
