// tls-openssl's TLSBuffer as a client/server pair in memory (no sockets, both ends in the
// measuring process): the engine's cost without any transport, beside the socket rows.
import { readFileSync } from 'node:fs';
import { TLSClientConfiguration, TrustStore, WantReadError, type TLSBuffer } from '@unitls/tls-core';
import { implementation as openssl } from '@unitls/tls-openssl';
import { clock } from './lib/clock.js';
import { serverConfiguration } from './lib/engines.js';
import type { Contender } from './lib/harness.js';
import type { BenchPki } from './lib/pki.js';

const CHUNK = 64 * 1024;
const NAME = 'tls-openssl TLSBuffer pair (in memory)';

function pump(from: TLSBuffer, to: TLSBuffer): void {
  const n = from.outgoingBytesBuffered();
  if (n) to.processIncoming(from.processOutgoing(n));
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

export function bufferPair(pki: BenchPki): { bulk: Contender; handshakes: Contender } {
  const client = new openssl.clientContext(new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(readFileSync(pki.ca)), ciphers: [0x1301] }));
  const server = new openssl.serverContext(serverConfiguration(pki.cert, pki.key));
  const handshake = (): [TLSBuffer, TLSBuffer] => {
    const c = client.createBuffer('localhost');
    const s = server.createBuffer();
    for (let cd = false, sd = false; !(cd && sd); ) {
      cd = tryStep(() => c.doHandshake()) || cd;
      pump(c, s);
      sd = tryStep(() => s.doHandshake()) || sd;
      pump(s, c);
    }
    return [c, s];
  };
  const payload = Buffer.alloc(CHUNK, 7);
  return {
    bulk: {
      name: NAME,
      async run(mib) {
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
    },
    handshakes: {
      name: NAME,
      run: (n) =>
        clock(async () => {
          for (let i = 0; i < n; i++) free(...handshake());
        }),
    },
  };
}
