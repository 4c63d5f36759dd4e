/**
 * Promises per chunk of an FTPS download (issue #16 item 2): against vsftpd (PROT P) on every TLS
 * implementation, retrbinary of a 4 MiB file into a callback, with fresh chunks and with `into`
 * (one buffer read into again and again), counted as the difference between that transfer and one
 * of a 64 KiB file, divided by the difference in chunks the callback got (so the commands, the
 * data connection and its handshake cancel out), the bytes arriving identical. The median of three
 * rounds. At session 16: 4.0 per chunk on every implementation, both ways (the read's promise, the
 * channel's recv, the one reaction on it, the transfer loop's await): a regression pin. tls-pure's
 * reads vary in size and timing (one round gave a negative count), so only its bytes are checked.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { FTP_TLS } from '@unitls/ftp';
import { implementations } from '../conformance/implementations.js';
import { clientConfig, pki } from '../support/fixtures.js';
import { promisesCreatedDuring } from '../support/promise-count.js';
import { FTP_PASSWORD, FTP_USER, useVsftpd } from '../support/vsftpd.js';

const CHUNK = 64 * 1024;
const SMALL = Buffer.alloc(CHUNK, 1);
const LARGE = Buffer.concat(Array.from({ length: 65 }, (_, i) => Buffer.alloc(CHUNK, i % 251)));

const vsftpd = useVsftpd(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));

const sha = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

describe.each(implementations.map((i) => [i.name, i] as const))('promises per download chunk over %s (vsftpd, PROT P)', (name, implementation) => {
  const bounded = name !== 'pure';
  it(`${bounded ? 'fresh chunks and chunks read into one buffer cost under 4.5 promises each; ' : ''}the files arrive byte-identical`, async () => {
    const ftp = new FTP_TLS({ host: '127.0.0.1', port: vsftpd().ports.explicit, serverHostname: 'localhost', implementation, configuration: clientConfig() });
    await ftp.connect();
    await ftp.login(FTP_USER, FTP_PASSWORD);
    try {
      await ftp.storbinary('STOR small.bin', SMALL);
      await ftp.storbinary('STOR large.bin', LARGE);
      const perChunk = async (into: Uint8Array | undefined): Promise<number> => {
        const get = async (name: string) => {
          const hash = createHash('sha256');
          let chunks = 0;
          const { promises } = await promisesCreatedDuring(() => ftp.retrbinary(`RETR ${name}`, (chunk) => { chunks++; hash.update(chunk); }, { into }));
          return { promises, chunks, sha: hash.digest('hex') };
        };
        const counts: number[] = [];
        for (let round = 0; round < 3; round++) {
          const one = await get('small.bin');
          const many = await get('large.bin');
          expect([one.sha, many.sha]).toEqual([sha(SMALL), sha(LARGE)]);
          counts.push((many.promises - one.promises) / (many.chunks - one.chunks));
        }
        return counts.sort((a, b) => a - b)[1]!;
      };
      const fresh = await perChunk(undefined);
      const into = await perChunk(new Uint8Array(CHUNK));
      expect({ fresh: !bounded || fresh < 4.5, into: !bounded || into < 4.5 }, `promises per chunk: fresh ${fresh}, into ${into}`).toEqual({ fresh: true, into: true });
    } finally {
      await ftp.quit().catch(() => ftp.close(true));
    }
  }, 120_000);
});
