// Paired A/B of tls-pure's receive path in memory (issue #17): CPU per MiB of reading TLS 1.3
// records of 16 KiB with readAvailable (what TLSSocket.recvInto does) into one reused 64 KiB target,
// between builds. PAIRS fresh processes, each loading tls-pure and tls-core from every checkout's
// built dist side by side and alternating their runs (the order rotated each round, and the load
// order each process); no sockets, so no kernel time and no peer in the figure. Each run seals
// its stream first (the client side, untimed), then times only the server side's reads:
// copyIncoming of the stream in 64 KiB pieces (as a socket's reads arrive) and readAvailable until
// each piece is read (process.cpuUsage, all threads). RUNS runs of MIB MiB per checkout after one
// warm-up run; each process reports each checkout's median, and the ratio is taken per process.
//
//   CHECKOUTS=/work/wt/old,/work/wt/new PAIRS=6 RUNS=5 MIB=32 node --import tsx bench/probes/read-into-ab.ts
//
// PROVIDER=openssl-aead reads with tls-openssl's AEAD (withOpenSSLAead) instead of node:crypto's.
import { execFileSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBenchPki } from '../lib/pki.js';

const CHUNK = 64 * 1024;
const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
};

/** One checkout's reads in this process: a function that times one run of `megabytes` MiB (ms/MiB of CPU). */
async function reader(checkout: string, files: { ca: string; cert: string; key: string }, provider: string): Promise<(megabytes: number) => number> {
  const load = (path: string) => import(pathToFileURL(join(checkout, path)).href);
  const core = await load('packages/tls-core/dist/mod.js');
  const pure = await load('packages/tls-pure/dist/mod.js');
  const { readFileSync } = await import('node:fs');
  const options: Record<string, unknown> = { groups: [pure.NamedGroup.x25519] };
  if (provider === 'openssl-aead') options.provider = (await load('packages/tls-openssl/dist/aead.js')).withOpenSSLAead(pure.nodeCryptoProvider);
  const clientConfig = new core.TLSClientConfiguration({ trustStore: core.TrustStore.fromBuffer(readFileSync(files.ca)), ciphers: [0x1301] });
  const chain = new core.SigningChain([core.Certificate.fromBuffer(readFileSync(files.cert)), core.PrivateKey.fromBuffer(readFileSync(files.key))]);
  const serverConfig = new core.TLSServerConfiguration({ certificateChain: [chain], ciphers: [0x1301] });
  const payload = Buffer.alloc(CHUNK, 7);
  const target = new Uint8Array(CHUNK);
  const run = (megabytes: number): number => {
    const client = new pure.PureClientContext(clientConfig, options).createBuffer('localhost');
    const server = new pure.PureServerContext(serverConfig, options).createBuffer();
    const want = (step: () => void) => {
      try {
        step();
        return true;
      } catch (error) {
        if (error instanceof core.WantReadError) return false;
        throw error;
      }
    };
    for (let c = false, s = false; !(c && s); ) {
      c = want(() => client.doHandshake()) || c;
      if (client.outgoingBytesBuffered() > 0) server.processIncoming(client.processOutgoing(client.outgoingBytesBuffered()));
      s = want(() => server.doHandshake()) || s;
      if (server.outgoingBytesBuffered() > 0) client.processIncoming(server.processOutgoing(server.outgoingBytesBuffered()));
    }
    // The client's stream, sealed before the clock starts.
    const pieces: Uint8Array[] = [];
    for (let sent = 0; sent < megabytes * 2 ** 20; sent += CHUNK) {
      client.write(payload);
      const out = client.processOutgoing(client.outgoingBytesBuffered());
      for (let at = 0; at < out.length; at += CHUNK) pieces.push(out.subarray(at, at + CHUNK));
    }
    let total = 0;
    const before = process.cpuUsage();
    for (const piece of pieces) {
      for (let at = 0; at < piece.length; ) at += server.copyIncoming(at === 0 ? piece : piece.subarray(at)) || 0;
      for (let count = server.readAvailable(target); count > 0; count = server.readAvailable(target)) total += count;
    }
    const used = process.cpuUsage(before);
    if (total !== megabytes * 2 ** 20) throw new Error(`read ${total} of ${megabytes * 2 ** 20} bytes`);
    return (used.user + used.system) / 1e3 / megabytes;
  };
  return run;
}

/**
 * The child: every checkout's reader loaded side by side (each its own module instances), one
 * warm-up run each, then `runs` rounds of one run each, the order rotated per round; prints each
 * checkout's median ms/MiB, one a line. Side by side in one process, the pair shares the CPU, its
 * frequency and the heap, which separate processes did not (±30% between processes at load 3).
 */
async function child(checkouts: string[], files: { ca: string; cert: string; key: string }, mib: number, runs: number, provider: string): Promise<void> {
  const readers = await Promise.all(checkouts.map((checkout) => reader(checkout, files, provider)));
  for (const run of readers) run(mib);
  const samples = readers.map(() => [] as number[]);
  for (let round = 0; round < runs; round++) {
    for (let k = 0; k < readers.length; k++) {
      const i = (round + k) % readers.length;
      samples[i]!.push(readers[i]!(mib));
    }
  }
  process.stdout.write(samples.map((values) => `${median(values)}\n`).join(''));
}

const [, , role, ...rest] = process.argv;
if (role === 'child') {
  const [checkouts, ca, cert, key, mib, runs, provider] = rest as [string, string, string, string, string, string, string];
  await child(checkouts.split(','), { ca, cert, key }, Number(mib), Number(runs), provider);
} else {
  const checkouts = (process.env.CHECKOUTS ?? '').split(',').filter(Boolean);
  if (checkouts.length < 2) throw new Error('CHECKOUTS=<old>,<new>: two built checkouts');
  const pairs = Number(process.env.PAIRS ?? 6);
  const runs = Number(process.env.RUNS ?? 5);
  const mib = Number(process.env.MIB ?? 32);
  const provider = process.env.PROVIDER ?? 'node';
  const pki = await createBenchPki();
  const self = fileURLToPath(import.meta.url);
  const results = checkouts.map(() => [] as number[]);
  try {
    for (let pair = 0; pair < pairs; pair++) {
      // The first checkout loaded first in even processes, last in odd ones (ABAB, BABA).
      const order = checkouts.map((_, i) => i);
      if (pair % 2 === 1) order.reverse();
      const out = execFileSync(process.execPath, ['--import', 'tsx', self, 'child', order.map((i) => checkouts[i]!).join(','), pki.ca, pki.cert, pki.key, String(mib), String(runs), provider], { encoding: 'utf8' });
      const values = out.trim().split('\n').map(Number);
      order.forEach((i, k) => results[i]!.push(values[k]!));
      console.log(`process ${pair + 1}: ${checkouts.map((c, i) => `${c} ${results[i]!.at(-1)!.toFixed(3)}`).join(', ')} ms/MiB (load ${loadavg()[0]!.toFixed(1)})`);
    }
  } finally {
    pki.remove();
  }
  const ratios = results[1]!.map((value, pair) => value / results[0]![pair]!);
  for (const [i, checkout] of checkouts.entries()) console.log(`${checkout}: median ${median(results[i]!).toFixed(3)} ms/MiB`);
  console.log(`ratio ${checkouts[1]} / ${checkouts[0]} per pair: ${ratios.map((r) => r.toFixed(3)).join(' ')}; median ${median(ratios).toFixed(3)}`);
}
