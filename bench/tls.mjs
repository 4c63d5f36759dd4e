#!/usr/bin/env node
// Bulk throughput and handshakes per second: tls-openssl (TLSSocket over node:net, and TLSBuffer
// as an in-memory pair) and tls-node, each next to raw node:tls in the same run. Ratios are
// against raw node:tls (1.00 = as fast). Usage: npm run bench [-- --mib 256 --handshakes 300]
import { once } from 'node:events';
import { performance } from 'node:perf_hooks';
import * as tls from 'node:tls';
import { parseArgs } from 'node:util';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import { Certificate, PrivateKey, SigningChain, TLSClientConfiguration, TLSServerConfiguration, TrustStore, WantReadError } from '@unitls/tls-core';
import { implementation as node } from '@unitls/tls-node';
import { implementation as openssl } from '@unitls/tls-openssl';

const { values } = parseArgs({ options: { mib: { type: 'string', default: '256' }, handshakes: { type: 'string', default: '300' } } });
const MIB = Number(values.mib);
const HANDSHAKES = Number(values.handshakes);
const CHUNK = 64 * 1024;

const ca = await createAuthority({ name: 'bench CA' });
const leaf = await issueCertificate(ca, { names: ['localhost'] });
const serverConfiguration = new TLSServerConfiguration({
  certificateChain: [new SigningChain([Certificate.fromBuffer(leaf.certPem), PrivateKey.fromBuffer(leaf.keyPem)])],
  ciphers: [0x1301],
});
const clientConfiguration = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(ca.certPem), ciphers: [0x1301] });
const payload = Buffer.alloc(CHUNK, 7);

async function rawNodeTls() {
  const server = tls.createServer({ cert: leaf.certPem, key: leaf.keyPem, ciphers: 'TLS_AES_128_GCM_SHA256' });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const port = server.address().port;
  const connect = () =>
    new Promise((resolve, reject) => {
      const socket = tls.connect({ port, host: '127.0.0.1', servername: 'localhost', ca: ca.certPem, ciphers: 'TLS_AES_128_GCM_SHA256' }, () => resolve(socket));
      socket.on('error', reject);
    });
  return {
    name: 'raw node:tls',
    async handshakes(n) {
      server.removeAllListeners('secureConnection');
      server.on('secureConnection', (s) => s.destroy());
      const start = performance.now();
      for (let i = 0; i < n; i++) (await connect()).destroy();
      return n / ((performance.now() - start) / 1000);
    },
    async throughput(bytes) {
      server.removeAllListeners('secureConnection');
      const received = new Promise((resolve) =>
        server.once('secureConnection', (s) => {
          let total = 0;
          s.on('data', (d) => {
            total += d.length;
            if (total >= bytes) resolve(s);
          });
        }),
      );
      const client = await connect();
      const start = performance.now();
      for (let sent = 0; sent < bytes; sent += CHUNK) if (!client.write(payload)) await once(client, 'drain');
      const s = await received;
      const seconds = (performance.now() - start) / 1000;
      client.destroy();
      s.destroy();
      return bytes / 2 ** 20 / seconds;
    },
    close: () => server.close(),
  };
}

async function unitls(implementation) {
  const listener = await new implementation.serverContext(serverConfiguration).connect({ host: '127.0.0.1', port: 0 });
  const client = new implementation.clientContext(clientConfiguration);
  const address = { host: 'localhost', port: listener.getsockname().port };
  return {
    name: `tls-${implementation.name} TLSSocket`,
    async handshakes(n) {
      const start = performance.now();
      for (let i = 0; i < n; i++) {
        const [c, [s]] = await Promise.all([client.connect(address), listener.accept()]);
        await Promise.all([c.close(true), s.close(true)]);
      }
      return n / ((performance.now() - start) / 1000);
    },
    async throughput(bytes) {
      const [c, [s]] = await Promise.all([client.connect(address), listener.accept()]);
      const start = performance.now();
      const reading = (async () => {
        let total = 0;
        while (total < bytes) total += (await s.recv(1 << 20)).length;
      })();
      for (let sent = 0; sent < bytes; sent += CHUNK) await c.send(payload);
      await reading;
      const seconds = (performance.now() - start) / 1000;
      await Promise.all([c.close(true), s.close(true)]);
      return bytes / 2 ** 20 / seconds;
    },
    close: () => listener.close(),
  };
}

function bufferPair() {
  const clientContext = new openssl.clientContext(clientConfiguration);
  const serverContext = new openssl.serverContext(serverConfiguration);
  const pump = (a, b) => {
    const n = a.outgoingBytesBuffered();
    if (n) b.processIncoming(a.processOutgoing(n));
  };
  const tryStep = (f) => {
    try {
      f();
      return true;
    } catch (e) {
      if (e instanceof WantReadError) return false;
      throw e;
    }
  };
  const handshake = () => {
    const c = clientContext.createBuffer('localhost');
    const s = serverContext.createBuffer();
    let cd = false;
    let sd = false;
    while (!(cd && sd)) {
      cd = tryStep(() => c.doHandshake()) || cd;
      pump(c, s);
      sd = tryStep(() => s.doHandshake()) || sd;
      pump(s, c);
    }
    return [c, s];
  };
  return {
    name: 'tls-openssl TLSBuffer (in memory)',
    async handshakes(n) {
      const start = performance.now();
      for (let i = 0; i < n; i++) for (const b of handshake()) b.free();
      return n / ((performance.now() - start) / 1000);
    },
    async throughput(bytes) {
      const [c, s] = handshake();
      const start = performance.now();
      let total = 0;
      for (let sent = 0; sent < bytes; sent += CHUNK) {
        for (let offset = 0; offset < payload.length; ) offset += c.write(payload.subarray(offset));
        pump(c, s);
        for (;;) {
          try {
            total += s.read(CHUNK).length;
          } catch (e) {
            if (e instanceof WantReadError) break;
            throw e;
          }
        }
      }
      const seconds = (performance.now() - start) / 1000;
      if (total !== bytes) throw new Error(`moved ${total} of ${bytes}`);
      return bytes / 2 ** 20 / seconds;
    },
    close() {},
  };
}

const subjects = [await rawNodeTls(), await unitls(node), await unitls(openssl), bufferPair()];
const rows = [];
for (const subject of subjects) {
  await subject.handshakes(20); // warm-up
  const hps = await subject.handshakes(HANDSHAKES);
  const mibps = await subject.throughput(MIB * 2 ** 20);
  rows.push({ name: subject.name, hps, mibps });
  await subject.close();
}
const [anchor] = rows;
console.log(`TLS 1.3, TLS_AES_128_GCM_SHA256, loopback, ${MIB} MiB bulk in 64 KiB writes, ${HANDSHAKES} sequential handshakes`);
console.log('| subject | handshakes/s | ratio | MiB/s | ratio |');
console.log('|---|---|---|---|---|');
for (const row of rows) {
  console.log(`| ${row.name} | ${row.hps.toFixed(0)} | ${(row.hps / anchor.hps).toFixed(2)} | ${row.mibps.toFixed(0)} | ${(row.mibps / anchor.mibps).toFixed(2)} |`);
}
