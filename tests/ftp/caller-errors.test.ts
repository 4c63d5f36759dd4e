/**
 * FTP transfers with a careless caller (the breaker's findings): a sink, line callback or source of
 * the wrong type is an FTPUsageError before TYPE or the transfer command is sent (it was a TypeError
 * after RETR/STOR went out, then ABOR); a source chunk that is not bytes or text is an FTPUsageError
 * (it was reported as a failure of the data connection), and the session goes on. A plain scripted
 * server: nothing here depends on TLS.
 */
import { describe, expect, it, vi } from 'vitest';
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
    expect(String(error)).toMatch(/yielded 42: yield Uint8Array or string chunks$/);
    expect(await ftp.pwd()).toBe('/');
    await ftp.quit();
    await done();
    expect(lines).toEqual(['TYPE I', 'EPSV', 'STOR x', 'ABOR', 'NOOP', 'PWD', 'QUIT']);
  });
});

// Found (breaker5): a source that stalls mid-upload kept storbinary waiting for it for ever when
// the call's signal or the client's signal aborted, or abort() was called: the upload loop awaited
// the source's next chunk, and nothing rejected that wait (the SMTP DATA loop had the same flaw,
// tests/smtp/misuse.test.ts). Now the upload ends at once with the reason, and the source is asked
// to return once it yields.
describe('an upload whose source stalls ends with the signals and abort()', () => {
  it.each(['the call signal', 'the client signal', 'abort()'] as const)('%s', async (ender) => {
    const data = await plainDataPort('', 'never');
    const s = await hostile((c) => ftpScript(c, { TYPE: '200 type set\r\n', NOOP: '200 ok\r\n', PWD: '257 "/"\r\n', QUIT: '221 bye\r\n', ABOR: '426 aborted\r\n226 ok\r\n', EPSV: data.epsv(), STOR: '150 go\r\n' }));
    const controller = new AbortController();
    const ftp = new FTP({ host: '127.0.0.1', port: s.port, timeout: 10_000, ...(ender === 'the client signal' ? { signal: controller.signal } : {}) });
    await ftp.connect();
    let stalled!: () => void;
    const waiting = new Promise<void>((resolve) => (stalled = resolve));
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    let returned = false;
    const source = (async function* () {
      try {
        yield Buffer.from('abc');
        stalled();
        await gate;
        yield Buffer.from('never sent');
      } finally {
        returned = true;
      }
    })();
    const reason = new Error('stop the upload');
    const upload = ftp.storbinary('STOR x', source, ender === 'the call signal' ? { signal: controller.signal } : {}).then(() => 'stored', (e: unknown) => e);
    await waiting;
    if (ender === 'abort()') await ftp.abort();
    else controller.abort(reason);
    const error = await upload;
    if (ender === 'abort()') expect(error).toMatchObject({ name: 'AbortError', message: 'transfer aborted by abort()' });
    else expect(error).toBe(reason);
    release();
    await vi.waitFor(() => expect(returned).toBe(true));
    if (ender === 'the client signal') await expect(ftp.pwd()).rejects.toThrow();
    else {
      expect(await ftp.pwd()).toBe('/');
      await ftp.quit();
    }
    await ftp.close();
    await s.done();
    expect(s.lines.slice(0, 3)).toEqual(['TYPE I', 'EPSV', 'STOR x']);
  });
});
