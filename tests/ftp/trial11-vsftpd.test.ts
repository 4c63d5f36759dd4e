/**
 * An upload whose source fails (trial 11 finding 1), against vsftpd on every implementation:
 * `storbinary('STOR keep.txt', createReadStream('typo.txt'))` crashed the process (an 'error'
 * event nobody listened to) and emptied the remote file. Now a source that cannot start fails the
 * call before STOR is sent (the remote file keeps its size), a source failing mid-transfer fails it
 * with an FTPError keeping the cause, ABOR goes out before the data connection ends, and nothing
 * reaches 'uncaughtException' or 'unhandledRejection'.
 */
import { createReadStream, createWriteStream, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { tmpdir } from 'node:os';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FTP_TLS, FTPError, FTPPermError } from '@unitls/ftp';
import { clientConfig, pki } from '../support/fixtures.js';
import { FTP_PASSWORD, FTP_USER, putFile, startVsftpd, vsftpdUnavailable, type Vsftpd } from '../support/vsftpd.js';
import { readableFailingAfter, useStrayErrors } from '../support/stray-errors.js';
import type { TLSImplementation } from '@unitls/tls-core';
import { implementations } from '../conformance/implementations.js';

let server: Vsftpd;
const KEPT = Buffer.from('important remote data\n');
const MISSING = join(tmpdir(), `unitls-no-such-file-${process.pid}.txt`);

beforeAll(async () => {
  const why = vsftpdUnavailable();
  if (why !== null) throw new Error(why);
  server = await startVsftpd(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));
}, 120_000);
afterAll(async () => {
  await server?.stop();
});

const stray = useStrayErrors();

/** Bytes, then a failure: the source breaking mid-transfer (a disk error, a failed generator). */
async function* failsAfter(bytes: number, error: Error): AsyncGenerator<Uint8Array> {
  yield Buffer.alloc(bytes, 0x61);
  throw error;
}

/** A logged-in FTP_TLS on the explicit port (tls-node unless `implementation` says otherwise). */
async function open(implementation?: TLSImplementation): Promise<FTP_TLS> {
  const ftp = new FTP_TLS({ host: '127.0.0.1', port: server.ports.explicit, serverHostname: 'localhost', configuration: clientConfig(), ...(implementation === undefined ? {} : { implementation }) });
  await ftp.connect();
  await ftp.login(FTP_USER, FTP_PASSWORD);
  return ftp;
}

describe.each(implementations.map((implementation) => [implementation.name, implementation] as const))('a failing upload source against vsftpd over %s', (name, implementation) => {

  it.each(['storbinary', 'storlines'] as const)('%s from a missing local file fails before STOR, the remote file unchanged', async (verb) => {
    const remote = `keep-${name}-${verb}.txt`;
    putFile(server, remote, KEPT);
    await using ftp = await open(implementation);
    expect(await ftp.size(remote)).toBe(KEPT.length);
    const error = await ftp[verb](`STOR ${remote}`, createReadStream(MISSING)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FTPError);
    expect((error as FTPError).message).toMatch(/^the source failed before STOR was sent: ENOENT.*; nothing was sent$/);
    expect(((error as FTPError).cause as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(await ftp.size(remote)).toBe(KEPT.length);
    expect(server.log()).not.toContain(`STOR ${remote}`);
    expect(stray).toEqual([]);
  });

  it('a storbinary refused for its options still hears its stream fail (no unhandled error event)', async () => {
    await using ftp = await open(implementation);
    const stream = createReadStream(MISSING);
    const closed = new Promise<void>((resolve) => stream.on('close', () => resolve()));
    await expect(ftp.storbinary('STOR never.txt', stream, { sginal: 1 } as never)).rejects.toThrow(/unknown option 'sginal'/);
    await closed;
    expect(stray).toEqual([]);
  });

  it.each([
    ['an async generator', () => failsAfter(3000, new Error('disk gone'))],
    ['a Readable', () => readableFailingAfter(Buffer.alloc(3000, 0x62), new Error('disk gone'))],
  ] as const)('storbinary from %s failing after 3000 bytes fails with the cause kept, ABOR before the data connection ends', async (_, source) => {
    const remote = `partial-${name}.bin`;
    await using ftp = await open(implementation);
    const error = await ftp.storbinary(`STOR ${remote}`, source()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FTPError);
    expect((error as FTPError).message).toBe('the source failed during STOR after 3000 bytes: disk gone');
    expect(((error as FTPError).cause as Error).message).toBe('disk gone');
    // The control connection stayed in step: the next commands work.
    expect(await ftp.storbinary(`STOR after-${remote}`, 'next')).toMatch(/^226 /);
    expect(await ftp.size(`after-${remote}`)).toBe(4);
    expect(server.log()).toMatch(new RegExp(`STOR ${remote.replace('.', '\\.')}[\\s\\S]*ABOR`));
    // What the README says: vsftpd keeps the part it received (RFC 959 leaves that to the server).
    expect(await ftp.size(remote)).toBe(3000);
    expect(stray).toEqual([]);
  });
});

describe('retrbinary into a Writable (trial 11 finding 3: it was never ended)', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'unitls-retr-'));
    putFile(server, 'whole.bin', Buffer.alloc(200_000, 0x63));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('ends the Writable and resolves after it finished: the file is complete and closed when the call returns', async () => {
    await using ftp = await open();
    const file = createWriteStream(join(dir, 'whole.bin'));
    expect(await ftp.retrbinary('RETR whole.bin', file)).toMatch(/^226 /);
    expect([file.writableFinished, file.closed]).toEqual([true, true]);
    expect(readFileSync(join(dir, 'whole.bin'))).toEqual(Buffer.alloc(200_000, 0x63));
  });

  it('{ end: false } leaves it open, for two downloads into one file', async () => {
    await using ftp = await open();
    const file = createWriteStream(join(dir, 'twice.bin'));
    await ftp.retrbinary('RETR whole.bin', file, { end: false });
    expect(file.writableEnded).toBe(false);
    await ftp.retrbinary('RETR whole.bin', file, { rest: 100_000 });
    expect(file.closed).toBe(true);
    expect(readFileSync(join(dir, 'twice.bin')).length).toBe(300_000);
  });

  it('a failed transfer destroys it without an error event; the connection goes on', async () => {
    await using ftp = await open();
    const file = createWriteStream(join(dir, 'missing.bin'));
    await expect(ftp.retrbinary('RETR no-such-file.bin', file)).rejects.toBeInstanceOf(FTPPermError);
    expect(file.destroyed).toBe(true);
    expect(await ftp.pwd()).toBe('/');
    expect(stray).toEqual([]);
  });

  it('a bad end option is refused before anything is sent', async () => {
    await using ftp = await open();
    await expect(ftp.retrbinary('RETR whole.bin', () => {}, { end: 'no' as unknown as boolean })).rejects.toThrow(/end/);
  });
});

describe('reply errors name their command (trial 11 finding 8)', () => {

  it('RETR, CWD and sendcmd name the command; the reply text and code are kept as they were', async () => {
    await using ftp = await open();
    const retr = await ftp.retrbinary('RETR no-such-file.bin', () => {}).catch((e: unknown) => e);
    expect(retr).toBeInstanceOf(FTPPermError);
    expect((retr as Error).message).toBe('RETR no-such-file.bin: 550 Failed to open file.');
    expect(retr).toMatchObject({ replyCode: 550, reply: '550 Failed to open file.' });
    await expect(ftp.cwd('no-such-dir')).rejects.toThrow(/^CWD no-such-dir: 550 /);
    await expect(ftp.sendcmd('SITE NOTHING')).rejects.toThrow(/^SITE NOTHING: 500 /);
  });

  it('mlsd() on a server whose FEAT has no MLST says to use nlst() or dir()', async () => {
    await using ftp = await open();
    const error = await ftp.mlsd().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FTPPermError);
    expect((error as Error).message).toBe("MLSD: 500 Unknown command. (this server's FEAT does not list MLST, so it has no MLSD: use nlst() for the names or dir() for LIST's lines)");
    expect((error as FTPPermError).replyCode).toBe(500);
    expect(Array.isArray(await ftp.nlst())).toBe(true);
  });
});
