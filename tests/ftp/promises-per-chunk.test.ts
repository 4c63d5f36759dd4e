/**
 * Promises per chunk of an FTPS upload (issue #16 item 2, ftp16): against vsftpd (PROT P) on every
 * TLS implementation, storbinary from an iterable of 64 KiB chunks, and from bytes cut by
 * `blocksize`, counted as the difference between a transfer of 65 chunks and one of 1 (so the
 * commands, the data connection and its handshake cancel out), the file arriving byte-identical.
 * The source's chunks used to pass through an async generator of the FTP client (an await and a
 * yield per chunk): 22.0 / 22.2 promises per chunk of an iterable on tls-node / tls-openssl and 16.0
 * / 16.2 / 16.0 per piece of bytes on tls-node / tls-openssl / tls-pure; with the written-out
 * iterator (streams.ts SourceChunks) 19.0 / 19.2 and 14.0 / 14.2 / 14.0. The kit's fromCaller and
 * PrimedSource iteration were async generators too (~6 and ~3 promises per chunk); written out
 * (client-kit caller-chunks.ts, source.ts) 9.0 / 9.0 and 8.0 / 8.0 / 8.2. tls-pure's count for the
 * iterable varies with its sends' timing (39-66 per chunk in two runs before, 10.4 after), so only
 * its bytes are bounded (describe names the implementation by its name: node, openssl, pure).
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FTP_TLS } from '@unitls/ftp';
import { implementations } from '../conformance/implementations.js';
import { clientConfig, pki } from '../support/fixtures.js';
import { promisesCreatedDuring } from '../support/promise-count.js';
import { FTP_PASSWORD, FTP_USER, useVsftpd } from '../support/vsftpd.js';

const CHUNK = 64 * 1024;
const EXTRA = 64;

const vsftpd = useVsftpd(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** `count` chunks of CHUNK bytes, each of its own value (so an order change shows). */
const pieces = (count: number): Buffer[] => Array.from({ length: count }, (_, i) => Buffer.alloc(CHUNK, i % 251));

describe.each(implementations.map((i) => [i.name, i] as const))('promises per upload chunk over %s (vsftpd, PROT P)', (name, implementation) => {
  const boundsIterable = name !== 'pure';
  it(`${boundsIterable ? 'an iterable source costs under 10 promises per 64 KiB chunk, ' : ''}bytes cut by blocksize under 9 per piece; the files arrive byte-identical`, async () => {
    const ftp = new FTP_TLS({ host: '127.0.0.1', port: vsftpd().ports.explicit, serverHostname: 'localhost', implementation, configuration: clientConfig() });
    await ftp.connect();
    await ftp.login(FTP_USER, FTP_PASSWORD);
    try {
      const perChunk = async (source: (count: number) => Iterable<Uint8Array> | Uint8Array, name: string): Promise<number> => {
        // A warm-up pair first: the first transfers compile and cache what later ones reuse.
        const counts: number[] = [];
        for (let round = 0; round < 2; round++) {
          const one = await promisesCreatedDuring(() => ftp.storbinary(`STOR ${name}`, source(1), { blocksize: CHUNK }));
          const many = source(1 + EXTRA);
          const more = await promisesCreatedDuring(() => ftp.storbinary(`STOR ${name}`, many, { blocksize: CHUNK }));
          const sent = Buffer.concat(many instanceof Uint8Array ? [many] : [...many]);
          expect(sha(readFileSync(join(vsftpd().home, name)))).toBe(sha(sent));
          counts.push((more.promises - one.promises) / EXTRA);
        }
        return counts[1]!;
      };
      const iterable = await perChunk(pieces, 'iterable.bin');
      const bytes = await perChunk((count) => Buffer.concat(pieces(count)), 'bytes.bin');
      expect({ iterable: !boundsIterable || iterable < 10, bytes: bytes < 9 }, `promises per chunk: iterable ${iterable}, bytes ${bytes}`).toEqual({ iterable: true, bytes: true });
    } finally {
      await ftp.quit().catch(() => ftp.close(true));
    }
  }, 120_000);
});
