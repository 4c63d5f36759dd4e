/**
 * Issue #16's rule for the fast read path, as fast-check properties any implementation whose
 * TLSBuffer offers TLSBufferFastPath must hold (tls-openssl's and tls-pure's read-path property
 * tests call them with their own contexts):
 * - the fast path (ciphertext taken by reference, every decryptable record read at once into the
 *   caller's memory, a status instead of WantReadError; optionally output taken into the caller's
 *   memory) returns exactly the bytes of the PEP path (processIncoming copies, one record per
 *   read, WantReadError, processOutgoing) for any record sizes, any way the network splits the
 *   stream and any read sizes;
 * - a TLSSocket returns the same bytes whether its buffer offers the fast path or not, and whether
 *   its socket is read through a ChunkReader (fed chunk by chunk as the buffer asks, also from a
 *   Duplex that cuts the network's reads at random points, as a startTls transport may) or straight
 *   from node:net's reused read buffer (tls-core's connectDirect, or a plain socket taken over as
 *   startTls takes one: copyIncoming, or processIncoming of a copy for a buffer without it);
 * - issue #17's copy paths (writeInto, copyIncoming, readOwned) carry the PEP path's bytes too;
 * - recvInto (into one reused memory, on every path, alternating with recv) returns them too.
 */
import fc from 'fast-check';
import { once } from 'node:events';
import { connect } from 'node:net';
import { expect } from 'vitest';

// In the per-read and per-take loops below, a check is plain JavaScript and `expect` runs only to
// report a failure, with the same matcher and message: a vitest expect costs tens of µs (it records
// every call), and with read or target sizes of 1 byte these loops run up to ~350,000 times per
// case (fast-check draws those sizes on purpose): expect in the loop made single cases take 6-17 s.
import { jsTransport } from './sockets.js';
import { BufferSocket, connectDirect, READ_EOF, READ_WANT_READ, WantReadError, type TLSBuffer, type TLSBufferFastPath, type TLSSocket } from '@unitls/tls-core';

/** A TLSBuffer with the fast path. */
export type FastBuffer = TLSBuffer & TLSBufferFastPath;

/** A pattern in which no two nearby positions agree, so a misplaced byte shows. */
export const PATTERN = Buffer.from(Array.from({ length: 1_000_000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));

/** The first bytes of PATTERN, as many as `sizes` adds up to. */
export function plaintext(sizes: number[]): Buffer {
  return PATTERN.subarray(0, sizes.reduce((sum, n) => sum + n, 0));
}

/**
 * Encrypts `data` in writes of `sizes` and returns the ciphertext stream: taken whole with
 * processOutgoing (`takes` null), or in pieces of `takes` bytes with takeOutgoing.
 */
export function encrypt(client: FastBuffer, data: Uint8Array, sizes: number[], takes: number[] | null): Buffer {
  const parts: Uint8Array[] = [];
  let offset = 0;
  let turn = 0;
  for (const size of sizes) {
    let done = 0;
    while (done < size) {
      done += client.write(data.subarray(offset + done, offset + size));
      if (takes === null) parts.push(Uint8Array.from(client.processOutgoing(client.outgoingBytesBuffered())));
      else {
        while (client.outgoingBytesBuffered() > 0) {
          const target = new Uint8Array(takes[turn++ % takes.length]!);
          const count = client.takeOutgoing!(target);
          const expected = Math.min(target.length, count + client.outgoingBytesBuffered());
          if (count !== expected) expect(count).toBe(expected);
          parts.push(target.subarray(0, count));
        }
      }
    }
    offset += size;
  }
  return Buffer.concat(parts);
}

/** Cuts `stream` at the given fractions of its length. */
export function split(stream: Buffer, cuts: number[]): Buffer[] {
  const points = [...new Set(cuts.map((f) => Math.floor(f * stream.length)))].sort((a, b) => a - b);
  const pieces: Buffer[] = [];
  let start = 0;
  for (const point of [...points, stream.length]) {
    if (point > start) pieces.push(stream.subarray(start, point));
    start = point;
  }
  return pieces;
}

/** The plaintext of `pieces` read the PEP way, `amounts` bytes at a time in turn. */
export function readPep(server: TLSBuffer, pieces: Buffer[], amounts: number[]): Buffer {
  const out: Uint8Array[] = [];
  let turn = 0;
  for (const piece of pieces) {
    server.processIncoming(piece);
    for (;;) {
      try {
        out.push(Uint8Array.from(server.read(amounts[turn++ % amounts.length]!) as Uint8Array));
      } catch (error) {
        if (error instanceof WantReadError) break;
        throw error;
      }
    }
  }
  return Buffer.concat(out);
}

/** The plaintext of `pieces` read the fast way (takeIncoming, readAvailable), `amounts` bytes at a time in turn. */
export function readFast(server: FastBuffer, pieces: Buffer[], amounts: number[]): Buffer {
  const out: Uint8Array[] = [];
  let turn = 0;
  const target = new Uint8Array(70_000);
  for (const piece of pieces) {
    // A copy the test never touches again, as a transport's chunk would be.
    expect(server.takeIncoming!(Buffer.from(piece))).toBe(true);
    for (;;) {
      const view = target.subarray(0, amounts[turn++ % amounts.length]!);
      const count = server.readAvailable(view);
      if (count === READ_WANT_READ) break;
      if (count === READ_EOF || !(count > 0)) {
        expect(count).not.toBe(READ_EOF);
        expect(count).toBeGreaterThan(0);
      }
      out.push(Uint8Array.from(view.subarray(0, count)));
    }
  }
  return Buffer.concat(out);
}

export interface FastReadOptions {
  /** A client and a server buffer with their handshake done (and what the server sent after it delivered). */
  pair: () => { client: FastBuffer; server: FastBuffer };
  /** Take the client's output with takeOutgoing in random pieces (else processOutgoing, whole). */
  takeOutgoing: boolean;
  /** At most this many writes (records of up to 40 000 bytes each). */
  maxWrites: number;
  numRuns: number;
}

/** Asserts: the fast read path returns the PEP path's bytes for random record sizes, splits and read sizes. */
export function assertFastReadMatchesPep({ pair, takeOutgoing, maxWrites, numRuns }: FastReadOptions): void {
  fc.assert(
    fc.property(
      fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: maxWrites }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 }),
      fc.array(fc.integer({ min: 1, max: 70_000 }), { minLength: 1, maxLength: 5 }),
      fc.array(fc.integer({ min: 1, max: 50_000 }), { minLength: 1, maxLength: 5 }),
      (sizes, cuts, amounts, takes) => {
        const data = plaintext(sizes);
        const pep = pair();
        const fast = pair();
        const viaPep = readPep(pep.server, split(encrypt(pep.client, data, sizes, null), cuts), amounts);
        const viaFast = readFast(fast.server, split(encrypt(fast.client, data, sizes, takeOutgoing ? takes : null), cuts), amounts);
        expect(viaPep.equals(data)).toBe(true);
        expect(viaFast.equals(data)).toBe(true);
      },
    ),
    { numRuns },
  );
}

/** Write sizes the copy-path property draws from: the record boundaries (16 KiB) and around them, 64 KiB, and any. */
const WRITE_SIZE = fc.oneof(fc.constantFrom(0, 1, 16_383, 16_384, 16_385, 65_536), fc.integer({ min: 0, max: 70_000 }));
/** Target sizes (writeInto's and readAvailable's): from a byte to more than several records. */
const TARGET_SIZE = fc.oneof(fc.constantFrom(1, 5, 16_384, 16_406, 65_536, 70_000), fc.integer({ min: 1, max: 140_000 }));

/**
 * Encrypts `data` in writes of `sizes` through writeInto into targets of `targets` bytes in turn,
 * then takes what stayed queued with takeOutgoing (into targets of the same sizes); where
 * writeInto declines (-1: an empty write, output still queued), through write. Returns the stream.
 */
export function encryptInto(client: FastBuffer, data: Uint8Array, sizes: number[], targets: number[]): Buffer {
  const parts: Uint8Array[] = [];
  let offset = 0;
  let turn = 0;
  const nextTarget = () => new Uint8Array(targets[turn++ % targets.length]!);
  const drain = () => {
    while (client.outgoingBytesBuffered() > 0) {
      const target = nextTarget();
      parts.push(target.subarray(0, client.takeOutgoing!(target)));
    }
  };
  for (const size of sizes) {
    const piece = data.subarray(offset, offset + size);
    offset += size;
    const target = nextTarget();
    const placed = client.writeInto!(piece, target);
    if (placed >= 0) {
      if (!(placed <= target.length)) expect(placed).toBeLessThanOrEqual(target.length);
      parts.push(target.subarray(0, placed));
    } else {
      expect(client.outgoingBytesBuffered() === 0 && size > 0).toBe(false); // -1 only when it cannot
      for (let done = 0; done < size; ) done += client.write(piece.subarray(done));
    }
    drain();
  }
  return Buffer.concat(parts);
}

/**
 * The plaintext of `pieces` fed with copyIncoming (which must take each whole) and read `amounts`
 * bytes at a time in turn: with readAvailable, and on every other turn with readOwned when the
 * buffer has it (whose chunks are kept as they are, uncopied, until the end: memory the caller
 * owns must not change under it).
 */
export function readCopied(server: FastBuffer, pieces: Buffer[], amounts: number[]): Buffer {
  const out: Uint8Array[] = [];
  let turn = 0;
  const target = new Uint8Array(140_000);
  for (const piece of pieces) {
    // The piece's memory is scribbled over once copied, as a socket's reused read buffer would be.
    const scratch = Buffer.from(piece);
    expect(server.copyIncoming!(scratch)).toBe(piece.length);
    scratch.fill(0xee);
    for (;;) {
      const amount = amounts[turn % amounts.length]!;
      if (server.readOwned !== undefined && turn++ % 2 === 1) {
        const owned = server.readOwned(amount);
        if (owned === READ_WANT_READ) break;
        if (typeof owned === 'number' || !(owned.length > 0 && owned.length <= amount)) {
          expect(typeof owned).not.toBe('number');
          expect((owned as Uint8Array).length).toBeGreaterThan(0);
          expect((owned as Uint8Array).length).toBeLessThanOrEqual(amount);
        }
        out.push(owned as Uint8Array);
        continue;
      }
      const view = target.subarray(0, amount);
      const count = server.readAvailable(view);
      if (count === READ_WANT_READ) break;
      if (!(count > 0)) expect(count).toBeGreaterThan(0);
      out.push(Uint8Array.from(view.subarray(0, count)));
    }
  }
  return Buffer.concat(out);
}

/**
 * Asserts (issue #17): the copy paths (writeInto into the caller's memory, copyIncoming from memory
 * the caller reuses at once, readAvailable, and readOwned where offered) carry exactly the bytes of the PEP path (write,
 * processOutgoing, processIncoming, read), for writes of 0, 1, 16383, 16384, 16385, 65536 or any
 * size, any target sizes and any way the network splits the stream; and each path's ciphertext
 * reads the same on the other path.
 */
export function assertCopyPathsMatchPep({ pair, maxWrites, numRuns }: Omit<FastReadOptions, 'takeOutgoing'>): void {
  fc.assert(
    fc.property(
      fc.array(WRITE_SIZE, { minLength: 1, maxLength: maxWrites }),
      fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { maxLength: 20 }),
      fc.array(TARGET_SIZE, { minLength: 1, maxLength: 5 }),
      fc.array(TARGET_SIZE, { minLength: 1, maxLength: 5 }),
      (sizes, cuts, targets, amounts) => {
        const data = plaintext(sizes);
        const pep = pair();
        const fast = pair();
        const pepStream = encrypt(pep.client, data, sizes, null);
        const fastStream = encryptInto(fast.client, data, sizes, targets);
        expect(readPep(pep.server, split(pepStream, cuts), amounts).equals(data)).toBe(true);
        expect(readCopied(fast.server, split(fastStream, cuts), amounts).equals(data)).toBe(true);
        // Mixed: writeInto's records read the PEP way, and write's records read the copying way.
        const mixed = [pair(), pair()] as const;
        expect(readPep(mixed[0].server, split(encryptInto(mixed[0].client, data, sizes, targets), cuts), amounts).equals(data)).toBe(true);
        expect(readCopied(mixed[1].server, split(encrypt(mixed[1].client, data, sizes, null), cuts), amounts).equals(data)).toBe(true);
      },
    ),
    { numRuns },
  );
}

export interface SocketReadOptions {
  /** A listening server socket (its accept() gives the server side). */
  listener: TLSSocket;
  /** A fresh client buffer for `localhost`. */
  clientBuffer: () => TLSBuffer;
  numRuns: number;
  /** Read with recv only (the default), or alternately with recvInto (into one reused memory) and recv. */
  reads?: 'recv' | 'recvInto and recv';
}

/** The read paths of a client TLSSocket that {@link assertSocketReadsMatch} compares. */
const PATHS = ['pep', 'fast', 'direct', 'copying', 'split'] as const;

/**
 * Asserts: a TLSSocket returns the same bytes on every read path: its buffer's PEP calls only, its
 * fast path, a direct socket (connectDirect), and a direct socket whose buffer reads by copying
 * only (readOwned hidden, where the buffer has it).
 */
export async function assertSocketReadsMatch({ listener, clientBuffer, numRuns, reads = 'recv' }: SocketReadOptions): Promise<void> {
  const port = listener.getsockname()!.port;
  /**
   * A client socket: its buffer hides the fast path (the PEP calls only) on 'pep', readOwned on
   * 'copying'; read through a ChunkReader on 'pep' (a plain socket, its buffer without
   * copyIncoming) and 'split' (through a Duplex cutting reads into pieces of `pieces` bytes),
   * straight from node:net's reused read buffer on 'direct' and 'copying' (connectDirect) and on
   * 'fast' (a plain socket, taken over by BufferSocket as startTls's are).
   */
  const open = async (path: (typeof PATHS)[number], pieces: number[]): Promise<[TLSSocket, TLSSocket]> => {
    const buffer = clientBuffer();
    const hidden = new Set<PropertyKey>(
      path === 'pep' ? ['readAvailable', 'readOwned', 'takeIncoming', 'takeOutgoing', 'copyIncoming', 'writeInto'] : path === 'copying' ? ['readOwned'] : [],
    );
    const seen =
      hidden.size > 0
        ? (new Proxy(buffer, {
            get: (target, key) => {
              if (hidden.has(key)) return undefined;
              const value = Reflect.get(target, key, target) as unknown;
              return typeof value === 'function' ? value.bind(target) : value;
            },
            has: (target, key) => !hidden.has(key) && key in target,
          }) as TLSBuffer)
        : buffer;
    const tcp = path === 'direct' || path === 'copying' ? connectDirect({ host: '127.0.0.1', port }) : connect({ host: '127.0.0.1', port });
    await once(tcp, 'connect');
    const transport = path === 'split' ? jsTransport(tcp, pieces) : tcp;
    const [client, [server]] = await Promise.all([BufferSocket.open(seen, transport), listener.accept()]);
    return [client, server];
  };
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 6 }),
      fc.array(fc.integer({ min: 1, max: 100_000 }), { minLength: 1, maxLength: 4 }),
      fc.array(fc.oneof(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 1, max: 40_000 })), { minLength: 1, maxLength: 6 }),
      async (sizes, recvSizes, pieces) => {
        const data = plaintext(sizes);
        for (const path of PATHS) {
          const [client, server] = await open(path, pieces);
          try {
            // Server to client: the client's read path is the one compared (the server's sends
            // take the fast output path where its buffer has one).
            const sending = (async () => {
              let offset = 0;
              for (const size of sizes) await server.send(data.subarray(offset, (offset += size)));
              await server.close();
            })();
            const parts: Uint8Array[] = [];
            const memory = new Uint8Array(100_000);
            for (let turn = 0; ; turn++) {
              const size = recvSizes[turn % recvSizes.length]!;
              let chunk: Uint8Array;
              if (reads === 'recvInto and recv' && turn % 2 === 0) {
                // The memory is overwritten by the next recvInto: what it held is copied out first.
                const count = await client.recvInto!(memory.subarray(0, size));
                chunk = memory.subarray(0, count);
              } else chunk = await client.recv(size);
              if (chunk.length === 0) break;
              parts.push(Uint8Array.from(chunk));
            }
            await client.close();
            await sending;
            expect(Buffer.concat(parts).equals(data)).toBe(true);
          } finally {
            await Promise.all([client.close(true), server.close(true)]);
          }
        }
      },
    ),
    { numRuns },
  );
}
