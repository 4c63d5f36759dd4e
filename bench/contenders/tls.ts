// The clients of the TLS benchmark (bench/tls.ts), each contender in its own process
// (lib/remote.ts): bulk (client to server) over `connections` connections, sequential full
// handshakes, and the in-memory TLSBuffer pairs (both ends in the contender's process).
import { clock } from '../lib/clock.js';
import { dialer, LABEL, type Connection, type Engine } from '../lib/engines.js';
import { preloadFor } from '../lib/preload.js';
import type { Factory } from '../lib/remote.js';
import { bufferPair, type PairEngine, type PairFiles } from '../tls-buffer-pair.js';

const CHUNK = 64 * 1024;
const payload = Buffer.alloc(CHUNK, 7);

/**
 * The longest one connection set-up (TCP connect and TLS handshake) or one wait for the server's
 * greeting may take: a hang fails its row with a message saying where, instead of stalling the run
 * (a tls-pure pair once sat 20 minutes in tls-handshake, both ends idle; bench/stress/hs.ts).
 */
export const HANDSHAKE_TIMEOUT_MS = 30_000;

/** What keeps this process alive, counted by kind (TCPSocketWrap: a socket still open), for a hang's message. */
function activeResources(): string {
  const counts = new Map<string, number>();
  for (const kind of process.getActiveResourcesInfo()) counts.set(kind, (counts.get(kind) ?? 0) + 1);
  return [...counts].map(([kind, n]) => `${kind} x${n}`).join(', ');
}

/**
 * `work`, or a rejection naming `what` (and what this process still holds open) once `ms`
 * passed. Every await of the TLS rows goes through it, close() included: the run of 05:25 today
 * stalled with no connection open, where only c.close() was unbounded.
 */
export async function within<T>(work: Promise<T>, what: string, ms = HANDSHAKE_TIMEOUT_MS): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not finish within ${ms / 1000} s (a hang; still open here: ${activeResources()})`)), ms);
  });
  try {
    return await Promise.race([work, deadline]);
  } finally {
    clearTimeout(timer);
  }
}

export interface TlsTarget {
  engine: Engine;
  /** The server child's port and pid (its CPU is the server's). */
  port: number;
  serverPid: number;
  caFile: string;
}

/**
 * `perConnection` bytes (a multiple of 64 KiB, in 64 KiB sends after an 8-byte big-endian length)
 * over each connection to a sink-mode tls-server, until each server acknowledged its whole transfer.
 */
export async function transfer(open: Connection[], perConnection: number): Promise<void> {
  const header = Buffer.alloc(8);
  header.writeBigUInt64BE(BigInt(perConnection));
  await Promise.all(
    open.map(async (c) => {
      await c.send(header);
      for (let sent = 0; sent < perConnection; sent += CHUNK) await c.send(payload);
      if ((await c.recv(1)).length !== 1) throw new Error('server closed before acknowledging');
    }),
  );
}

/** Bulk: `mib` MiB (units) split over `connections` connections, then one byte back from the server. */
export const bulk: Factory<TlsTarget & { connections: number }> = async ({ engine, port, serverPid, caFile, connections }) => {
  await preloadFor(engine);
  const connect = dialer(engine, port, caFile);
  return async (mib) => {
    const perConnection = Math.ceil((mib * 2 ** 20) / connections / CHUNK) * CHUNK;
    const open = await Promise.all(Array.from({ length: connections }, (_, i) => within(connect(), `${LABEL[engine]}: connection ${i + 1} of ${connections}`)));
    const sample = await clock(() => transfer(open, perConnection), serverPid);
    await Promise.all(open.map((c, i) => within(c.close(), `${LABEL[engine]}: close of connection ${i + 1} of ${connections}`)));
    return sample;
  };
};

/**
 * `n` (units) full handshakes one after another, each until the server's greeting. The raw anchor
 * shares one secure context, as the unitls client context does (review 11: a context built per
 * handshake inside the clock cost raw node:tls 1742 vs 1312 µs of client CPU per handshake).
 */
export const handshakes: Factory<TlsTarget> = async ({ engine, port, serverPid, caFile }) => {
  await preloadFor(engine);
  const connect = dialer(engine, port, caFile, 'shared');
  return (n) =>
    clock(async () => {
      for (let i = 0; i < n; i++) {
        const c = await within(connect(), `${LABEL[engine]}: handshake ${i + 1} of ${n} (connect)`);
        // The server's "k" says it finished its side too (TLS 1.3 lets the client finish first).
        const close = () => within(c.close(), `${LABEL[engine]}: handshake ${i + 1} of ${n} (close)`);
        const greeting = await within(c.recv(1), `${LABEL[engine]}: handshake ${i + 1} of ${n} (the server's greeting)`).catch(async (error: unknown) => {
          await close().catch(() => {});
          throw error;
        });
        if (greeting.length !== 1) throw new Error('server closed before greeting');
        await close();
      }
    }, serverPid);
};

/** The in-memory TLSBuffer pair: bulk of `mib` MiB (units) through one pair. */
export const pairBulk: Factory<PairFiles & { engine: PairEngine }> = async ({ engine, ...files }) => {
  await preloadFor(engine);
  return bufferPair(files, engine).bulk;
};

/** The in-memory TLSBuffer pair: `n` (units) handshakes. */
export const pairHandshakes: Factory<PairFiles & { engine: PairEngine }> = async ({ engine, ...files }) => {
  await preloadFor(engine);
  return bufferPair(files, engine).handshakes;
};
