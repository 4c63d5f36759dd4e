// TLSBuffer client/server pairs in memory (no sockets, both ends in one process, the contender's
// own: contenders/tls.ts): each
// engine's cost without any transport, beside the socket rows. tls-openssl, and tls-pure with each
// crypto provider; both driven through the PEP 748 calls only (read() one record at a time,
// WantReadError when nothing is left).
import { readFileSync } from 'node:fs';
import { TLSClientConfiguration, TrustStore, WantReadError, type ClientContext, type ServerContext, type TLSBuffer } from '@unitls/tls-core';
import { clock } from './lib/clock.js';
import { clientContextFor, LABEL, serverConfiguration, serverContextFor, type Engine } from './lib/engines.js';
import type { Run } from './lib/remote.js';

const CHUNK = 64 * 1024;

/** The engines that have an in-memory pair row. */
export const PAIR_ENGINES = ['openssl', 'pure', 'pure-openssl-aead', 'pure-noble'] as const satisfies readonly Engine[];
export type PairEngine = (typeof PAIR_ENGINES)[number];
/** The row's name. */
export const pairName = (engine: PairEngine): string => `${LABEL[engine]} TLSBuffer pair (in memory)`;
/** PEM files of the CA, the server's certificate and its key. */
export interface PairFiles {
  ca: string;
  cert: string;
  key: string;
}

/** Moves what `from` has for the network to `to`; returns the count of bytes moved. */
function pump(from: TLSBuffer, to: TLSBuffer): number {
  const n = from.outgoingBytesBuffered();
  if (n) to.processIncoming(from.processOutgoing(n));
  return n;
}

/** OpenSSLBuffer frees its OpenSSL objects at once when asked (the GC would, later). */
const free = (...buffers: TLSBuffer[]) => buffers.forEach((b) => (b as TLSBuffer & { free?(): void }).free?.());

/** Runs `step`; false when it needs more input. */
function tryStep(step: () => void): boolean {
  try {
    step();
    return true;
  } catch (error) {
    if (error instanceof WantReadError) return false;
    throw error;
  }
}

export function bufferPair(pki: PairFiles, engine: PairEngine): { bulk: Run; handshakes: Run } {
  const name = pairName(engine);
  const client: ClientContext = clientContextFor(engine, new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(readFileSync(pki.ca)), ciphers: [0x1301] }));
  const server: ServerContext = serverContextFor(engine, serverConfiguration(pki.cert, pki.key));
  const handshake = (): [TLSBuffer, TLSBuffer] => {
    const c = client.createBuffer('localhost');
    const s = server.createBuffer();
    for (let cd = false, sd = false; !(cd && sd); ) {
      cd = tryStep(() => c.doHandshake()) || cd;
      const sent = pump(c, s);
      sd = tryStep(() => s.doHandshake()) || sd;
      // Both sides waiting with nothing to send would otherwise spin here for ever.
      if (sent + pump(s, c) === 0 && !(cd && sd)) throw new Error(`${name}: the handshake stalled (client ${cd ? 'done' : 'waiting'}, server ${sd ? 'done' : 'waiting'}, nothing to send)`);
    }
    return [c, s];
  };
  const payload = Buffer.alloc(CHUNK, 7);
  return {
    async bulk(mib) {
      const [c, s] = handshake();
      const bytes = mib * 2 ** 20;
      let total = 0;
      const sample = await clock(async () => {
        for (let sent = 0; sent < bytes; sent += CHUNK) {
          for (let offset = 0; offset < payload.length; ) offset += c.write(payload.subarray(offset));
          pump(c, s);
          while (tryStep(() => void (total += (s.read(CHUNK) as Uint8Array).length)));
        }
      });
      free(c, s);
      if (total !== bytes) throw new Error(`moved ${total} of ${bytes} bytes`);
      return sample;
    },
    handshakes: (n) =>
      clock(async () => {
        for (let i = 0; i < n; i++) free(...handshake());
      }),
  };
}
