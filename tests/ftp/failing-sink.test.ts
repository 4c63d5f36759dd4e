/**
 * trial13 finding 1: a Writable sink that fails between the client's writes (a createWriteStream
 * whose directory does not exist opens, and fails, after its first write(); a disk that fills)
 * emitted 'error' with no listener and ended the process, try/catch or not. The download must
 * fail with the sink's error instead, nothing unhandled, the connection usable.
 */
import { createWriteStream } from 'node:fs';
import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FTP_TLS } from '@unitls/ftp';
import { implementations } from '../conformance/implementations.js';
import { clientConfig, pki } from '../support/fixtures.js';
import { useStrayErrors } from '../support/stray-errors.js';
import { FTP_PASSWORD, FTP_USER, putFile, startVsftpd, vsftpdUnavailable, type Vsftpd } from '../support/vsftpd.js';

const SIZE = 1 << 20;
const stray = useStrayErrors();

let server: Vsftpd;
beforeAll(async () => {
  const why = vsftpdUnavailable();
  if (why !== null) throw new Error(why);
  server = await startVsftpd(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));
  putFile(server, 'big.bin', Buffer.alloc(SIZE, 7));
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

describe.each(implementations.map((i) => [i.name, i] as const))('FTP_TLS over %s: a Writable sink that fails mid-download', (_name, implementation) => {
  const open = async (): Promise<FTP_TLS> => {
    const ftp = new FTP_TLS({ host: '127.0.0.1', port: server.ports.explicit, serverHostname: 'localhost', implementation, configuration: clientConfig() });
    await ftp.connect();
    await ftp.login(FTP_USER, FTP_PASSWORD);
    return ftp;
  };

  it('a file stream into a directory that does not exist: the call fails with ENOENT, nothing unhandled, the connection usable', async () => {
    const ftp = await open();
    try {
      const error = await ftp.retrbinary('RETR big.bin', createWriteStream('/nonexistent-unitls-dir/big.bin')).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      const codes = [(error as NodeJS.ErrnoException).code, ((error as Error).cause as NodeJS.ErrnoException | undefined)?.code];
      expect(codes).toContain('ENOENT');
      expect(await ftp.pwd()).toBe('/');
    } finally {
      await ftp.quit();
    }
    expect(stray).toEqual([]);
  });

  it('a Writable whose write fails (a full disk): the call fails with its error, nothing unhandled', async () => {
    const ftp = await open();
    try {
      let writes = 0;
      const sink = new Writable({
        write(_chunk, _encoding, callback) {
          // The first write is taken; the second fails asynchronously, as a full disk does.
          if (++writes === 1) callback();
          else setImmediate(() => callback(new Error('ENOSPC: no space left on device')));
        },
      });
      const error = await ftp.retrbinary('RETR big.bin', sink).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Error);
      expect(`${(error as Error).message} ${((error as Error).cause as Error | undefined)?.message ?? ''}`).toContain('ENOSPC');
      expect(await ftp.pwd()).toBe('/');
    } finally {
      await ftp.quit();
    }
    expect(stray).toEqual([]);
  });
});
