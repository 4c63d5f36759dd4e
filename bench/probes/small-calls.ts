// Per-call cost of a small request/response loop (issue #16, brief openssl-small): the client
// sends a 200-byte request and reads a 1,500-byte answer, over a TLSSocket made by
// ClientContext.connect ('tls') or over a plain socket upgraded by startTls ('starttls'), on a
// unitls engine or on raw node:tls. The server is raw node:tls in a child process of its own; each
// contender runs in a fresh child of its own (warm-up, then the measured calls) and reports the
// client's CPU time per call (process.cpuUsage) and wall time per call. Contenders may load unitls
// from another checkout (`root=/path/to/worktree`), for a paired A/B with main in one run.
//
//   node --import tsx bench/probes/small-calls.ts [pairs=5] [calls=20000] [modes=tls,starttls]
//     [contenders=raw,node,openssl,openssl@/tmp/base] [request=200] [response=1500]
//
// Rounds rotate the contenders' order; the table shows medians over rounds and the CPU ratio of
// each contender to the first one in the list, paired per round. `together=1` runs every contender
// in one child instead, batch after batch (`calls` calls each, order rotated per round): the
// contenders of a round then share the machine's load of the same seconds, which a loaded machine
// needs for a paired A/B (two checkouts load as two separate module graphs and addons). Nothing
// here asserts a time.
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as net from 'node:net';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import * as tls from 'node:tls';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { createBenchPki } from '../lib/pki.js';

const HERE = fileURLToPath(import.meta.url);
const REPO = resolve(HERE, '../../..');

interface Options {
  pairs: number;
  calls: number;
  warmup: number;
  modes: string[];
  contenders: string[];
  request: number;
  response: number;
  together: boolean;
}

function options(argv: string[]): Options {
  const named = new Map(argv.map((arg) => arg.split('=', 2) as [string, string]));
  const list = (name: string, fallback: string): string[] => (named.get(name) ?? fallback).split(',').filter(Boolean);
  return {
    pairs: Number(named.get('pairs') ?? 5),
    calls: Number(named.get('calls') ?? 20_000),
    warmup: Number(named.get('warmup') ?? 5_000),
    modes: list('modes', 'tls,starttls'),
    contenders: list('contenders', 'raw,node,openssl'),
    request: Number(named.get('request') ?? 200),
    response: Number(named.get('response') ?? 1500),
    together: named.get('together') === '1',
  };
}

// ---------- the server (a child) ----------

async function serve(cert: string, key: string, request: number, response: number): Promise<void> {
  const options = { cert: readFileSync(cert), key: readFileSync(key), ciphers: 'TLS_AES_128_GCM_SHA256' };
  const context = tls.createSecureContext(options);
  const answer = Buffer.alloc(response, 0x61);
  const answerRequests = (socket: tls.TLSSocket): void => {
    let held = 0;
    socket.on('data', (chunk: Buffer) => {
      held += chunk.length;
      while (held >= request) {
        held -= request;
        socket.write(answer);
      }
    });
    socket.on('error', () => {});
  };
  const secure = tls.createServer({ ...options, noDelay: true }, answerRequests);
  secure.listen(0, '127.0.0.1');
  await once(secure, 'listening');
  // STARTTLS: one line "STARTTLS\r\n", "OK\r\n", then TLS on the same connection.
  const plain = net.createServer({ noDelay: true }, (socket) => {
    socket.on('error', () => {});
    socket.once('data', () => {
      socket.write('OK\r\n', () => {
        const upgraded = new tls.TLSSocket(socket, { isServer: true, secureContext: context });
        answerRequests(upgraded);
      });
    });
  });
  plain.listen(0, '127.0.0.1');
  await once(plain, 'listening');
  report({ tls: (secure.address() as net.AddressInfo).port, plain: (plain.address() as net.AddressInfo).port });
}

// ---------- a contender (a child) ----------

interface Client {
  send(bytes: Uint8Array): Promise<unknown>;
  /** Reads until `size` bytes came. */
  recvAll(size: number): Promise<void>;
  close(): Promise<void>;
}

async function plainUpgradeable(port: number): Promise<net.Socket> {
  const socket = net.connect({ host: '127.0.0.1', port, noDelay: true });
  await once(socket, 'connect');
  socket.write('STARTTLS\r\n');
  const [line] = (await once(socket, 'data')) as [Buffer];
  if (line.toString() !== 'OK\r\n') throw new Error(`unexpected STARTTLS answer ${line.toString()}`);
  socket.pause();
  return socket;
}

async function rawClient(mode: string, ports: Ports, ca: Buffer): Promise<Client> {
  const base = { servername: 'localhost', ca, ciphers: 'TLS_AES_128_GCM_SHA256' };
  const socket = mode === 'tls' ? tls.connect({ host: '127.0.0.1', port: ports.tls, ...base }) : tls.connect({ socket: await plainUpgradeable(ports.plain), ...base });
  await once(socket, 'secureConnect');
  socket.setNoDelay(true);
  let want = 0;
  let done: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    want -= chunk.length;
    if (want <= 0 && done !== null) {
      const d = done;
      done = null;
      d();
    }
  });
  return {
    send: (bytes) => new Promise<void>((ok) => socket.write(bytes, () => ok())),
    recvAll: (size) =>
      new Promise<void>((ok) => {
        want += size;
        if (want <= 0) ok();
        else done = ok;
      }),
    close: async () => void socket.destroy(),
  };
}

async function unitlsClient(engine: string, root: string, mode: string, ports: Ports, ca: Buffer): Promise<Client> {
  const core = await import(pathToFileURL(join(root, 'packages/tls-core/dist/mod.js')).href);
  const pkg = await import(pathToFileURL(join(root, `packages/tls-${engine}/dist/mod.js`)).href);
  const configuration = new core.TLSClientConfiguration({ trustStore: core.TrustStore.fromBuffer(ca), ciphers: [0x1301] });
  const context = new pkg.implementation.clientContext(configuration);
  const socket =
    mode === 'tls'
      ? await context.connect({ host: '127.0.0.1', port: ports.tls }, { serverHostname: 'localhost' })
      : await core.startTls(context, await plainUpgradeable(ports.plain), { serverHostname: 'localhost' });
  return {
    send: (bytes) => socket.send(bytes),
    async recvAll(size) {
      let got = 0;
      while (got < size) {
        const data: Uint8Array = await socket.recv(65_536);
        if (data.length === 0) throw new Error('the server closed');
        got += data.length;
      }
    },
    close: () => socket.close(true),
  };
}

interface Ports {
  tls: number;
  plain: number;
}

interface Sample {
  cpuPerCall: number;
  wallPerCall: number;
}

function openClient(spec: string, mode: string, ports: Ports, ca: Buffer): Promise<Client> {
  const [engine, root = REPO] = spec.split('@') as [string, string?];
  return engine === 'raw' ? rawClient(mode, ports, ca) : unitlsClient(engine, root, mode, ports, ca);
}

async function loop(client: Client, calls: number, o: Options): Promise<void> {
  const request = Buffer.alloc(o.request, 0x62);
  for (let i = 0; i < calls; i++) {
    await client.send(request);
    await client.recvAll(o.response);
  }
}

async function measure(client: Client, o: Options): Promise<Sample> {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  await loop(client, o.calls, o);
  const wall = Number(process.hrtime.bigint() - start) / 1e3;
  const used = process.cpuUsage(cpu);
  return { cpuPerCall: (used.user + used.system) / o.calls, wallPerCall: wall / o.calls };
}

async function runContender(spec: string, mode: string, ports: Ports, caFile: string, o: Options): Promise<Sample> {
  const client = await openClient(spec, mode, ports, readFileSync(caFile));
  await loop(client, o.warmup, o);
  const sample = await measure(client, o);
  await client.close();
  return sample;
}

/** Every contender in this process, one batch each per round (order rotated); samples by round. */
async function runTogether(mode: string, ports: Ports, caFile: string, o: Options): Promise<Array<Record<string, Sample>>> {
  const ca = readFileSync(caFile);
  const clients = new Map<string, Client>();
  for (const spec of o.contenders) clients.set(spec, await openClient(spec, mode, ports, ca));
  for (const spec of o.contenders) await loop(clients.get(spec)!, o.warmup, o);
  const rounds: Array<Record<string, Sample>> = [];
  for (let round = 0; round < o.pairs; round++) {
    const samples: Record<string, Sample> = {};
    for (let i = 0; i < o.contenders.length; i++) {
      const spec = o.contenders[(i + round) % o.contenders.length]!;
      samples[spec] = await measure(clients.get(spec)!, o);
    }
    rounds.push(samples);
  }
  for (const client of clients.values()) await client.close();
  return rounds;
}

// ---------- the parent ----------

/** To the parent; printed when run by hand (a server for `perf record` of one contender). */
function report(message: object): void {
  if (process.send === undefined) console.log(JSON.stringify(message));
  else process.send(message);
}

function child(args: string[]): ChildProcess {
  return fork(HERE, args, { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

async function ask<T>(args: string[]): Promise<T> {
  const process = child(args);
  const exited = once(process, 'exit');
  const [message] = (await Promise.race([once(process, 'message'), exited.then(([code]) => Promise.reject(new Error(`child ${args.slice(0, 3).join(' ')} exited ${code}`)))])) as [T];
  await exited;
  return message;
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
};

async function main(): Promise<void> {
  const [role, ...rest] = process.argv.slice(2);
  if (role === 'server') return serve(rest[0]!, rest[1]!, Number(rest[2]), Number(rest[3]));
  if (role === 'together') {
    report({ rounds: await runTogether(rest[0]!, { tls: Number(rest[1]), plain: Number(rest[2]) }, rest[4]!, JSON.parse(rest[3]!) as Options) });
    return;
  }
  if (role === 'contender') {
    const o = JSON.parse(rest[4]!) as Options;
    report(await runContender(rest[0]!, rest[1]!, { tls: Number(rest[2]), plain: Number(rest[3]) }, rest[5]!, o));
    return;
  }
  const o = options(process.argv.slice(2));
  const pki = await createBenchPki();
  const server = child(['server', pki.cert, pki.key, String(o.request), String(o.response)]);
  const [ports] = (await once(server, 'message')) as [Ports];
  console.log(`small-calls${o.together ? ' (together)' : ''}: ${o.request} B request, ${o.response} B response, ${o.calls} calls after ${o.warmup}, ${o.pairs} rounds; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  try {
    for (const mode of o.modes) {
      const samples = new Map<string, Sample[]>(o.contenders.map((c) => [c, []]));
      const ratios = new Map<string, number[]>(o.contenders.map((c) => [c, []]));
      const together = o.together ? (await ask<{ rounds: Array<Record<string, Sample>> }>(['together', mode, String(ports.tls), String(ports.plain), JSON.stringify(o), pki.ca])).rounds : null;
      for (let round = 0; round < o.pairs; round++) {
        const order = o.contenders.map((_, i) => o.contenders[(i + round) % o.contenders.length]!);
        const got = new Map<string, Sample>();
        for (const spec of order) {
          const sample = together?.[round]![spec] ?? (await ask<Sample>(['contender', spec, mode, String(ports.tls), String(ports.plain), JSON.stringify(o), pki.ca]));
          got.set(spec, sample);
          samples.get(spec)!.push(sample);
        }
        const anchor = got.get(o.contenders[0]!)!;
        for (const spec of o.contenders) ratios.get(spec)!.push(got.get(spec)!.cpuPerCall / anchor.cpuPerCall);
        console.log(`  ${mode} round ${round + 1}: ${order.map((s) => `${s} ${got.get(s)!.cpuPerCall.toFixed(1)}`).join(', ')} (CPU µs/call)`);
      }
      console.log(`${mode}: contender | CPU µs/call median | wall µs/call median | CPU ratio to ${o.contenders[0]} (median, min-max)`);
      for (const spec of o.contenders) {
        const s = samples.get(spec)!;
        const r = ratios.get(spec)!;
        console.log(
          `  ${spec} | ${median(s.map((x) => x.cpuPerCall)).toFixed(1)} | ${median(s.map((x) => x.wallPerCall)).toFixed(1)} | ${median(r).toFixed(3)} (${Math.min(...r).toFixed(3)}-${Math.max(...r).toFixed(3)})`,
        );
      }
    }
    console.log(`load at end ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  } finally {
    server.kill();
    pki.remove();
  }
}

await main();
