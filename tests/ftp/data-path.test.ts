/**
 * The FTPS data path's per-chunk loop (issue #16 item 2): against vsftpd (require_ssl_reuse, PROT
 * P) on every TLS implementation, the bytes of files sized around TLS record (16 KiB) and read
 * boundaries arrive and leave byte-identical through every kind of sink (a synchronous callback, a
 * callback returning a promise, a Writable that really applies backpressure) and source (bytes cut
 * by `blocksize`, an iterable of odd-sized pieces), with progress counted once per written chunk;
 * and a Writable sink that is destroyed between two writes ends the download with its error
 * instead of hanging it (it emits neither 'drain' nor 'error' again), the connection staying usable;
 * a callback's chunks share one memory reused for the whole download (recvInto), a Writable's do not.
 */
import { createCipheriv, createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FTPUsageError, FTP_TLS, type TransferProgress } from '@unitls/ftp';
import { implementations } from '../conformance/implementations.js';
import { clientConfig, pki } from '../support/fixtures.js';
import { FTP_PASSWORD, FTP_USER, putFile, startVsftpd, vsftpdUnavailable, type Vsftpd } from '../support/vsftpd.js';

const MiB = 1 << 20;
/** Empty, one byte, one TLS record's plaintext and either side of it, and a MiB that ends mid-record. */
const SIZES = [0, 1, 16383, 16384, 16385, MiB + 7] as const;
const BIG = 8 * MiB;

/** Deterministic pseudo-random bytes (an AES-CTR keystream). */
const content = (size: number, seed: number): Buffer =>
  createCipheriv('aes-128-ctr', createHash('sha256').update(String(seed)).digest().subarray(0, 16), Buffer.alloc(16)).update(Buffer.alloc(size));
const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

let server: Vsftpd;
beforeAll(async () => {
  const why = vsftpdUnavailable();
  if (why !== null) throw new Error(why);
  server = await startVsftpd(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));
  for (const size of SIZES) putFile(server, `data-${size}.bin`, content(size, size));
  putFile(server, 'big.bin', content(BIG, 1));
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

/** A Writable that holds `highWaterMark` bytes at most and finishes each write a turn later: write() returns false, 'drain' follows. */
function slowWritable(into: Buffer[]): Writable {
  return new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, done) {
      into.push(Buffer.from(chunk));
      setImmediate(done);
    },
  });
}

describe.each(implementations.map((i) => [i.name, i] as const))('the FTPS data path over %s (vsftpd, PROT P)', (_name, implementation) => {
  const open = async () => {
    const ftp = new FTP_TLS({ host: '127.0.0.1', port: server.ports.explicit, serverHostname: 'localhost', implementation, configuration: clientConfig() });
    await ftp.connect();
    await ftp.login(FTP_USER, FTP_PASSWORD);
    return ftp;
  };

  it.each(SIZES)('downloads %i bytes byte-identical into a sync callback, an async callback and a backpressuring Writable', async (size) => {
    await using ftp = await open();
    const expected = sha(content(size, size));
    const sync: Buffer[] = [];
    const syncProgress: TransferProgress[] = [];
    expect(await ftp.retrbinary(`RETR data-${size}.bin`, (chunk) => void sync.push(Buffer.from(chunk)), { onProgress: (p) => syncProgress.push(p) })).toMatch(/^226 /);
    expect(sha(Buffer.concat(sync))).toBe(expected);
    // One progress report per chunk, after it was handed over, ending at the whole size.
    expect(syncProgress.map((p) => p.bytes)).toEqual(sync.map((_, i) => sync.slice(0, i + 1).reduce((n, c) => n + c.length, 0)));
    expect(syncProgress.at(-1) ?? { bytes: 0, total: size }).toEqual({ bytes: size, total: size });

    const async: Buffer[] = [];
    let pending = 0;
    const asyncProgress: number[] = [];
    await ftp.retrbinary(
      `RETR data-${size}.bin`,
      async (chunk) => {
        pending++;
        await new Promise((resolve) => setImmediate(resolve));
        async.push(Buffer.from(chunk));
        pending--;
      },
      // Counted only once the callback's promise settled: nothing is still pending when progress is reported.
      { onProgress: (p) => asyncProgress.push(pending === 0 ? p.bytes : -1) },
    );
    expect(sha(Buffer.concat(async))).toBe(expected);
    expect(asyncProgress.every((bytes) => bytes >= 0)).toBe(true);
    expect(asyncProgress.at(-1) ?? 0).toBe(size);

    const slow: Buffer[] = [];
    const sink = slowWritable(slow);
    await ftp.retrbinary(`RETR data-${size}.bin`, sink);
    // Backpressure: what the client wrote was accepted, and finishes without a drain left hanging.
    await new Promise<void>((resolve) => sink.end(resolve));
    expect(sha(Buffer.concat(slow))).toBe(expected);
  });

  // Issue #16 item 2: with { into } a callback's chunks are received (recvInto) into that one
  // memory, reused for the whole download; without it (ftplib's chunks.append idiom) every chunk is
  // fresh and may be kept; a Writable, which may hold its chunks, never sees reused memory.
  it('a callback gets every chunk of 8 MiB in the one memory it passed as into, byte-identical; kept chunks without into and a Writable\'s stay intact', async () => {
    await using ftp = await open();
    const expected = sha(content(BIG, 1));
    const memories = new Set<ArrayBufferLike>();
    const hash = createHash('sha256');
    const into = new Uint8Array(64 * 1024);
    let largest = 0;
    await ftp.retrbinary('RETR big.bin', (chunk) => {
      memories.add(chunk.buffer);
      largest = Math.max(largest, chunk.length);
      hash.update(chunk);
    }, { into });
    expect(hash.digest('hex')).toBe(expected);
    expect([...memories]).toEqual([into.buffer]);
    expect(largest).toBeLessThanOrEqual(64 * 1024);
    // The default: chunks kept as they come, no copy, are the file.
    const kept: Uint8Array[] = [];
    await ftp.retrbinary('RETR big.bin', (chunk) => void kept.push(chunk));
    expect(sha(Buffer.concat(kept))).toBe(expected);
    await expect(ftp.retrbinary('RETR big.bin', new Writable({ write: (_c, _e, done) => done() }), { into })).rejects.toThrow(/into option is for a callback sink/);
    await expect(ftp.retrbinary('RETR big.bin', () => {}, { into: new Uint8Array(0) })).rejects.toThrow(/into option of retrbinary\(\) must be a Uint8Array of at least 1 byte/);
    // Held without a copy until the end: reused memory would have been overwritten meanwhile.
    const held: Uint8Array[] = [];
    const keeper = new Writable({ write: (chunk: Buffer, _encoding, done) => (held.push(chunk), done()) });
    await ftp.retrbinary('RETR big.bin', keeper);
    expect(sha(Buffer.concat(held))).toBe(expected);
  });

  it.each(SIZES)('uploads %i bytes byte-identical from bytes cut by blocksize and from odd-sized pieces', async (size) => {
    await using ftp = await open();
    const bytes = content(size, size + 1);
    const name = `up-${implementation.name}-${size}.bin`;
    const progress: TransferProgress[] = [];
    expect(await ftp.storbinary(`STOR ${name}`, bytes, { blocksize: 16384, onProgress: (p) => progress.push(p) })).toMatch(/^226 /);
    expect(sha(readFileSync(join(server.home, name)))).toBe(sha(bytes));
    expect(progress.map((p) => p.bytes)).toEqual(Array.from({ length: Math.ceil(size / 16384) }, (_, i) => Math.min(size, (i + 1) * 16384)));
    const pieces = function* () {
      for (let at = 0; at < size; at += 7001) yield bytes.subarray(at, at + 7001);
    };
    await ftp.storbinary(`STOR ${name}`, pieces());
    expect(sha(readFileSync(join(server.home, name)))).toBe(sha(bytes));
    await ftp.delete(name);
  });

  it('a Writable sink destroyed between two writes ends the download with its error, not a hang; the connection stays usable', async () => {
    await using ftp = await open();
    const sink = new PassThrough();
    sink.on('error', () => {}); // the caller's own listener: the error is not ours to report twice
    let received = 0;
    sink.on('data', (chunk: Buffer) => {
      // Destroyed later, while the client waits on the server rather than on this sink.
      if (received === 0) setImmediate(() => sink.destroy(new Error('the disk is full')));
      received += chunk.length;
    });
    const error = await ftp.retrbinary('RETR big.bin', sink).catch((e: unknown) => e);
    expect((error as Error).message).toBe('the disk is full');
    expect(received).toBeGreaterThan(0);
    expect(received).toBeLessThan(BIG);
    expect(await ftp.pwd()).toBe('/');

    const closed = new PassThrough();
    let first = true;
    closed.on('data', () => {
      if (first) setImmediate(() => closed.destroy());
      first = false;
    });
    const usage = await ftp.retrbinary('RETR big.bin', closed).catch((e: unknown) => e);
    expect(usage).toBeInstanceOf(FTPUsageError);
    expect((usage as Error).message).toMatch(/sink .* destroyed before the transfer ended/);
    expect(await ftp.pwd()).toBe('/');
  });
});
