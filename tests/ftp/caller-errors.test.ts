/**
 * FTP transfers with a careless caller (the breaker's findings): a sink, line callback or source of
 * the wrong type is an FTPUsageError before TYPE or the transfer command is sent (it was a TypeError
 * after RETR/STOR went out, then ABOR); a source chunk that is not bytes or text is an FTPUsageError
 * (it was reported as a failure of the data connection), and the session goes on. A plain scripted
 * server: nothing here depends on TLS.
 */
import { describe, expect, it } from 'vitest';
import { FTP, FTPUsageError } from '@unitls/ftp';
import { useScriptedServers } from '../support/scripted-server.js';
import { ftpScript, plainDataPort, useDataPorts, type Answer } from './scripted-ftp.js';

const hostile = useScriptedServers();
useDataPorts();

async function session(answers: Record<string, Answer>): Promise<{ ftp: FTP; lines: string[]; done: () => Promise<void> }> {
  const s = await hostile((c) => ftpScript(c, { TYPE: '200 type set\r\n', NOOP: '200 ok\r\n', PWD: '257 "/"\r\n', QUIT: '221 bye\r\n', ABOR: '226 aborted\r\n', ...answers }));
  const ftp = new FTP({ host: '127.0.0.1', port: s.port, timeout: 10_000 });
  await ftp.connect();
  return { ftp, lines: s.lines, done: () => s.done() };
}

describe('FTP transfers refuse a wrong sink, callback or source before anything is sent', () => {
  it.each([
    ['retrbinary with a null sink', (ftp: FTP) => ftp.retrbinary('RETR x', null as never)],
    ['retrbinary with an object that is not a Writable', (ftp: FTP) => ftp.retrbinary('RETR x', {} as never)],
    ['retrlines with a null callback', (ftp: FTP) => ftp.retrlines('RETR x', null as never)],
    ['storbinary with a null source', (ftp: FTP) => ftp.storbinary('STOR x', null as never)],
    ['storbinary with a number', (ftp: FTP) => ftp.storbinary('STOR x', 42 as never)],
    ['storlines with undefined', (ftp: FTP) => ftp.storlines('STOR x', undefined as never)],
  ])('%s: FTPUsageError, nothing sent, the session goes on', async (_what, call) => {
    const { ftp, lines, done } = await session({});
    await expect(call(ftp)).rejects.toBeInstanceOf(FTPUsageError);
    expect(lines).toEqual([]);
    expect(await ftp.pwd()).toBe('/');
    await ftp.quit();
    await done();
  });

  it('a source that yields a number mid-upload is an FTPUsageError (not a data connection failure); ABOR, and the session goes on', async () => {
    const data = await plainDataPort('', 'never');
    const { ftp, lines, done } = await session({ EPSV: data.epsv(), STOR: '150 go\r\n' });
    const source = (async function* () {
      yield Buffer.from('abc');
      yield 42 as unknown as Uint8Array;
    })();
    const error = await ftp.storbinary('STOR x', source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FTPUsageError);
    expect(String(error)).toMatch(/yielded number/);
    expect(await ftp.pwd()).toBe('/');
    await ftp.quit();
    await done();
    expect(lines).toEqual(['TYPE I', 'EPSV', 'STOR x', 'ABOR', 'NOOP', 'PWD', 'QUIT']);
  });
});
