/**
 * Callers who stop early over FTP (break16), against vsftpd (PROT P) on every implementation: a
 * line callback that throws, a sink or source that closes the client or aborts the call's signal
 * while the rest of the transfer is already received or still to send. Each call rejects (its own
 * error, the reason, or a typed "closed"); the connection is usable after or closed with a typed
 * error on the next call; no rejection unhandled.
 */
import { describe, expect, it } from 'vitest';
import { expectNoStrayErrors } from '../support/stray-errors.js';
import { FTP_TLS, FTPConnectionError } from '@unitls/ftp';
import { clientConfig, pki } from '../support/fixtures.js';
import { FTP_PASSWORD, FTP_USER, putFile, useVsftpd } from '../support/vsftpd.js';
import { implementations } from '../conformance/implementations.js';

const vsftpd = useVsftpd(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));

expectNoStrayErrors();

describe.each(implementations.map((i) => [i.name, i] as const))('FTP callers who stop early, vsftpd over %s', (_, implementation) => {
  const open = async () => {
    const ftp = new FTP_TLS({ host: '127.0.0.1', port: vsftpd().ports.explicit, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 10_000 });
    await ftp.connect();
    await ftp.login(FTP_USER, FTP_PASSWORD);
    return ftp;
  };
  const lines = () => putFile(vsftpd(), 'lines.txt', Buffer.from('one\r\ntwo\r\nthree\r\n'));

  it('retrlines: a callback that throws at the first line ends the call with its error; the session goes on', async () => {
    lines();
    await using ftp = await open();
    const mine = new Error('mine');
    await expect(
      ftp.retrlines('RETR lines.txt', () => {
        throw mine;
      }),
    ).rejects.toBe(mine);
    expect(await ftp.pwd()).toBe('/');
    const got: string[] = [];
    await ftp.retrlines('RETR lines.txt', (line) => void got.push(line));
    expect(got).toEqual(['one', 'two', 'three']);
  });

  it('retrlines: close() in the callback: the call rejects as closed, not as a complete transfer; the next call too', async () => {
    lines();
    const ftp = await open();
    const got: string[] = [];
    const error = await ftp
      .retrlines('RETR lines.txt', async (line) => {
        got.push(line);
        await ftp.close();
      })
      .catch((e: unknown) => e);
    // 'two' and 'three' came with 'one': they are not handed over after close(). The error was a
    // DOMException (no FTPError) before break16.
    expect(got).toEqual(['one']);
    expect(error).toBeInstanceOf(FTPConnectionError);
    expect((error as Error).message).toBe('the connection was closed by close() while a call was in progress');
    await expect(ftp.pwd()).rejects.toBeInstanceOf(FTPConnectionError);
  });

  it("retrlines: the call's signal aborted in the callback: rejects with the reason; the session goes on", async () => {
    lines();
    await using ftp = await open();
    const controller = new AbortController();
    const reason = new Error('enough');
    const got: string[] = [];
    const error = await ftp
      .retrlines(
        'RETR lines.txt',
        (line) => {
          got.push(line);
          controller.abort(reason);
        },
        { signal: controller.signal },
      )
      .catch((e: unknown) => e);
    expect(got).toEqual(['one']);
    expect(error).toBe(reason);
    expect(await ftp.pwd()).toBe('/');
  });

  it("retrbinary of one byte: the call's signal aborted in the callback: rejects with the reason; the session goes on", async () => {
    putFile(vsftpd(), 'one.bin', Buffer.from('x'));
    await using ftp = await open();
    const controller = new AbortController();
    const reason = new Error('enough');
    const error = await ftp.retrbinary('RETR one.bin', () => controller.abort(reason), { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(await ftp.pwd()).toBe('/');
  });

  it('storbinary: a source that closes the client after its first chunk: the call rejects as closed; the next call too', async () => {
    const ftp = await open();
    const source = (async function* () {
      yield Buffer.from('first');
      await ftp.close();
      yield Buffer.from('second');
    })();
    const error = await ftp.storbinary('STOR closed.bin', source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FTPConnectionError);
    expect((error as Error).message).toBe('the connection was closed by close() while a call was in progress');
    await expect(ftp.pwd()).rejects.toBeInstanceOf(FTPConnectionError);
  });

  it("storbinary: a source that aborts the call's signal after its first chunk: rejects with the reason; the session goes on", async () => {
    await using ftp = await open();
    const controller = new AbortController();
    const reason = new Error('enough');
    const source = (async function* () {
      yield Buffer.from('first');
      controller.abort(reason);
      yield Buffer.from('second');
    })();
    const error = await ftp.storbinary('STOR aborted.bin', source, { signal: controller.signal }).catch((e: unknown) => e);
    expect(error).toBe(reason);
    expect(await ftp.pwd()).toBe('/');
  });
});
