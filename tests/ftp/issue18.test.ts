/**
 * Issue #18 for FTP (items 4, 5, 6, 7; the client shape) and issue #14 item 15 (the FTPS data
 * handshake bounded by the timeout and ended by the signal), with scripted loopback servers, on
 * every TLS implementation where TLS is involved.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { getEventListeners, once } from 'node:events';
import { connect as netConnect, createServer } from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { RaggedEOF } from '@unitls/tls-core';
import { describe, expect, it, vi } from 'vitest';
import { FTP, FTPConnectionError, FTPProtoError, FTPUsageError, FTP_TLS, type TransferProgress } from '@unitls/ftp';
import { implementations } from '../conformance/implementations.js';
import { clientConfig, pki } from '../support/fixtures.js';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';
import { LOGIN, ftpScript, ftpsScript, plainDataPort, tlsDataPort, useDataPorts, type Answer } from './scripted-ftp.js';

const hostile = useScriptedServers();
/** A timeout short enough to be waited for, long enough for a TLS handshake on a loaded machine. */
const SHORT = 1500;
useDataPorts();
const plain = (port: number, options: ConstructorParameters<typeof FTP>[0] = {}) => new FTP({ host: '127.0.0.1', port, timeout: 5000, ...options });
const after = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms).unref());
const transfer = (c: ScriptConnection, first: string, last: string): Answer => async () => {
  c.write(first);
  await after(30);
  return last;
};
/** Drips `text` a byte every `ms` ms, then stays silent; stops when the client goes. */
function drip(c: ScriptConnection, text: string, ms: number): void {
  let at = 0;
  const timer = setInterval(() => (at < text.length ? c.write(text[at++]!) : clearInterval(timer)), ms);
  c.socket.once('close', () => clearInterval(timer));
}

describe.each(implementations.map((i) => [i.name, i] as const))('FTP_TLS over %s (issue #18, issue #14 item 15)', (_name, implementation) => {
  const tlsClient = (port: number, options: ConstructorParameters<typeof FTP_TLS>[0] = {}) =>
    new FTP_TLS({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 5000, ...options });
  const open = async (answers: (c: ScriptConnection) => Record<string, Answer>, options: ConstructorParameters<typeof FTP_TLS>[0] = {}) => {
    const server = await hostile((c) => ftpsScript(c, { ...LOGIN, ...answers(c) }));
    const ftp = tlsClient(server.port, options);
    await ftp.connect();
    await ftp.login('bob', 'secret');
    return { ftp, server };
  };

  it('item 4: a control connection that ends mid-reply is an FTPConnectionError, the cause as the implementation reports it', async () => {
    const { ftp } = await open((c) => ({
      FEAT: () => {
        c.write('211-Features:\r\n SIZE\r\n');
        c.socket.end(); // a TCP FIN under TLS: no close_notify
        return null;
      },
    }));
    const error = await ftp.feat().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FTPConnectionError);
    expect(error).toMatchObject({ role: 'connection', code: 'UNITLS_FTP_CONNECTION' });
    // An implementation that sees the missing close_notify names it; tls-node sees an end.
    if (implementation.features.raggedEOF) expect((error as Error).cause).toBeInstanceOf(RaggedEOF);
    else expect((error as Error).message).toMatch(/in the middle of a reply/);
    expect(ftp.state).toBeNull();
  });

  it('item 4: a control connection dropped mid-session is an FTPConnectionError', async () => {
    const { ftp } = await open((c) => ({
      PWD: () => {
        c.socket.resetAndDestroy();
        return null;
      },
    }));
    const error = await ftp.pwd().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FTPConnectionError);
    expect(error).toMatchObject({ role: 'connection' });
    expect(ftp.state).toBeNull();
  });

  it('item 4: a refused data connection is an FTPConnectionError with the ECONNREFUSED cause', async () => {
    const gone = createServer().listen(0, '127.0.0.1');
    await once(gone, 'listening');
    const port = (gone.address() as { port: number }).port;
    await new Promise((resolve) => gone.close(resolve));
    const { ftp } = await open(() => ({ EPSV: `229 (|||${port}|)\r\n`, PWD: '257 "/"\r\n' }));
    await using _ = ftp;
    const error = await ftp.nlst().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FTPConnectionError);
    expect((error as Error).cause).toMatchObject({ code: 'ECONNREFUSED' });
    expect(await ftp.pwd()).toBe('/');
  });

  it('item 6: a data transfer dripping a byte every 20 ms fails by limits.minTransferRate; the connection stays usable', async () => {
    const data = await tlsDataPort('', 'fin', { drip: 20 });
    const { ftp } = await open((c) => ({ EPSV: data.epsv(), RETR: '150 here it comes\r\n', ABOR: '426 aborted\r\n226 ok\r\n', NOOP: '200 ok\r\n', PWD: '257 "/"\r\n' }), { timeout: SHORT });
    await using _ = ftp;
    const progress: TransferProgress[] = [];
    const error = await ftp.retrbinary('RETR f', () => {}, { onProgress: (p) => progress.push(p) }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    expect((error as Error).message).toMatch(/below limits.minTransferRate/);
    expect(progress.length).toBeGreaterThan(0); // bytes did arrive: a per-read timer would never fire
    expect(await ftp.pwd()).toBe('/');
  });

  it('item 6: an upload the server stops reading fails by limits.minTransferRate; the connection stays usable', async () => {
    // The data port completes the handshake and then never reads: the client's sends stop completing.
    const data = await tlsDataPort('', 'never');
    const { ftp } = await open((c) => ({ EPSV: data.epsv(), STOR: '150 send it\r\n', ABOR: '426 aborted\r\n226 ok\r\n', NOOP: '200 ok\r\n', PWD: '257 "/"\r\n' }), { timeout: SHORT });
    await using _ = ftp;
    const endless = function* () {
      for (;;) yield Buffer.alloc(16_384);
    };
    let sent = 0;
    const error = await ftp.storbinary('STOR f', endless(), { onProgress: (p) => void (sent = p.bytes) }).catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    expect((error as Error).message).toMatch(/below limits.minTransferRate/);
    expect(sent).toBeGreaterThan(0); // it did move at first: a bound on the whole upload, not on its start
    expect(await ftp.pwd()).toBe('/');
  });

  it('issue #14 item 15: a data port that accepts TCP and never answers TLS is bounded by the timeout', async () => {
    const data = await tlsDataPort('', 'never', { handshake: false });
    const { ftp } = await open((c) => ({ EPSV: data.epsv(), LIST: '150 listing\r\n', ABOR: '426 aborted\r\n226 ok\r\n', NOOP: '200 ok\r\n', PWD: '257 "/"\r\n' }), { timeout: SHORT });
    await using _ = ftp;
    const error = await ftp.dir().catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    expect(data.connections).toHaveLength(1);
    expect(await ftp.pwd()).toBe('/');
  });

  it('issue #14 item 15: the connection signal ends that handshake with its reason, and closes', async () => {
    const data = await tlsDataPort('', 'never', { handshake: false });
    const controller = new AbortController();
    const { ftp } = await open((c) => ({ EPSV: data.epsv(), LIST: '150 listing\r\n' }), { timeout: 60_000, signal: controller.signal });
    const pending = ftp.dir().catch((e: unknown) => e);
    await vi.waitFor(() => expect(data.connections).toHaveLength(1));
    controller.abort(new Error('shutting down'));
    expect(((await pending) as Error).message).toBe('shutting down');
    expect(ftp.state).toBeNull();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('item 6: the connection signal ends a data transfer with its reason, and closes', async () => {
    const data = await tlsDataPort('', 'fin', { drip: 20 });
    const controller = new AbortController();
    const { ftp } = await open((c) => ({ EPSV: data.epsv(), RETR: '150 here\r\n' }), { timeout: 60_000, signal: controller.signal });
    let received = 0;
    const pending = ftp.retrbinary('RETR f', (chunk) => void (received += chunk.length)).catch((e: unknown) => e);
    await vi.waitFor(() => expect(received).toBeGreaterThan(0));
    controller.abort(new Error('shutting down'));
    expect(((await pending) as Error).message).toBe('shutting down');
    expect(ftp.state).toBeNull();
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('item 6: a per-call signal ends a data transfer with ABOR, and the connection stays usable', async () => {
    const data = await tlsDataPort('', 'fin', { drip: 20 });
    const { ftp } = await open((c) => ({ EPSV: data.epsv(), RETR: '150 here\r\n', ABOR: '426 aborted\r\n226 ok\r\n', NOOP: '200 ok\r\n', PWD: '257 "/"\r\n' }), { timeout: 60_000 });
    await using _ = ftp;
    const call = new AbortController();
    let received = 0;
    const pending = ftp.retrbinary('RETR f', (chunk) => void (received += chunk.length), { signal: call.signal }).catch((e: unknown) => e);
    await vi.waitFor(() => expect(received).toBeGreaterThan(0));
    call.abort(new Error('user cancelled'));
    expect(((await pending) as Error).message).toBe('user cancelled');
    expect(await ftp.pwd()).toBe('/');
    expect(getEventListeners(call.signal, 'abort')).toHaveLength(0);
  });

  it('security: "implicit" (implicit: true before) runs TLS from the first byte, then PROT P', async () => {
    const server = await hostile(async (c) => {
      await c.startTls(pki.pem('server-ec', 'chain.crt'), pki.pem('server-ec', 'key'));
      await ftpScript(c, { ...LOGIN, PBSZ: '200 ok\r\n', PROT: '200 ok\r\n' });
    });
    await using ftp = tlsClient(server.port, { security: 'implicit' });
    await ftp.connect();
    expect(ftp.secure).toBe(true);
    await ftp.login('bob', 'secret');
    expect(ftp.dataProtected).toBe(true);
    expect(server.lines).toEqual(['USER bob', 'PASS secret', 'PBSZ 0', 'PROT P']);
  });

  it('item 6: a reply dripped a byte every 20 ms is bounded by the timeout as a whole', async () => {
    const { ftp } = await open((c) => ({
      PWD: () => {
        drip(c, `257 "/${'a/'.repeat(1000)}"\r\n`, 20);
        return '';
      },
    }), { timeout: SHORT });
    const error = await ftp.pwd().catch((e: unknown) => e);
    expect((error as Error).name).toBe('TimeoutError');
    expect(ftp.state).toBeNull();
  });

  it('item 5: CR, LF or NUL in any argument is refused before sending, the connection still usable', async () => {
    const { ftp, server } = await open(() => ({ PWD: '257 "/"\r\n' }));
    await using _ = ftp;
    const before = server.lines.length;
    for (const bad of ['a\r\nDELE x', 'a\nb', 'a\0b']) {
      const calls = [
        ftp.cwd(bad), ftp.mkd(bad), ftp.rmd(bad), ftp.delete(bad), ftp.rename(bad, 'b'), ftp.rename('a', bad), ftp.size(bad), ftp.mdtm(bad),
        ftp.sendcmd(`NOOP ${bad}`), ftp.voidcmd(bad), ftp.nlst(bad), ftp.dir(bad), ftp.mlsd(bad), ftp.mlsd('', [bad]),
        ftp.retrbinary(`RETR ${bad}`, () => {}), ftp.storbinary(`STOR ${bad}`, 'x'), ftp.retrlines(`LIST ${bad}`, () => {}), ftp.storlines(`STOR ${bad}`, 'x'),
      ];
      for (const call of calls) await expect(call).rejects.toBeInstanceOf(FTPUsageError);
    }
    expect(server.lines.slice(before)).toEqual([]);
    expect(await ftp.pwd()).toBe('/');
  });
});

describe('item 5: login refuses CR/LF/NUL in any credential before sending anything', () => {
  it.each([
    ['user', ['bob\r\nDELE x', 'pw']],
    ['password', ['anonymous', 'pw\0x']],
    ['account', ['anonymous', '', 'acct\nx']],
  ])('in the %s', async (_label, args) => {
    const server = await hostile((c) => ftpScript(c, LOGIN));
    await using ftp = plain(server.port, { allowPlaintextAuth: true });
    await ftp.connect();
    await expect(ftp.login(...(args as [string, string, string?]))).rejects.toBeInstanceOf(FTPUsageError);
    expect(server.lines).toEqual([]);
  });
});

describe('item 6: dripping servers', () => {
  it('a greeting dripped a byte every 20 ms is bounded by the timeout as a whole', async () => {
    const server = await hostile(async (c) => {
      drip(c, `220 ${'welcome '.repeat(100)}\r\n`, 20);
      await c.line();
    });
    const ftp = plain(server.port, { timeout: SHORT });
    await expect(ftp.connect()).rejects.toMatchObject({ name: 'TimeoutError' });
    expect(ftp.state).toBeNull();
  });
});

describe('item 7: listings are bounded by limits.maxListingSize', () => {
  const flood = async (line: string, count: number, limits?: { maxListingSize?: number }) => {
    const data = await plainDataPort(line.repeat(count));
    const server = await hostile((c) => ftpScript(c, { ...LOGIN, EPSV: data.epsv(), NLST: transfer(c, '150 here\r\n', '226 done\r\n'), LIST: transfer(c, '150 here\r\n', '226 done\r\n'), MLSD: transfer(c, '150 here\r\n', '226 done\r\n'), ABOR: '225 ok\r\n', NOOP: '200 ok\r\n', PWD: '257 "/"\r\n' }));
    return { ftp: plain(server.port, { limits }), server };
  };

  it.each([
    ['NLST of one-byte names', 'nlst', 'a\r\n', 400_000],
    ['LIST of empty lines', 'dir', '\r\n', 400_000],
    ['MLSD of minimal entries', 'mlsd', 'a=b; c\r\n', 100_000],
  ] as const)('a flood (%s) passing the limit fails with a clear error, and the connection stays in step', async (_label, verb, line, count) => {
    const { ftp } = await flood(line, count, { maxListingSize: 1 << 20 });
    await using _ = ftp;
    await ftp.connect();
    const error = await ftp[verb]().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FTPProtoError);
    expect((error as Error).message).toMatch(/limits\.maxListingSize \(1048576 bytes\)/);
    expect(await ftp.pwd()).toBe('/');
  });

  it('a listing within the limit holds a small factor of the bytes the limit counts (heap measured after GC)', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const lines = 100_000;
    const { ftp } = await flood('ab\r\n', lines);
    await using _ = ftp;
    await ftp.connect();
    gc();
    const before = process.memoryUsage().heapUsed;
    const names = await ftp.nlst();
    gc();
    const held = process.memoryUsage().heapUsed - before;
    expect(names).toHaveLength(lines);
    // What limits.maxListingSize counts for this listing: each entry's length plus 32 bytes.
    const counted = lines * (2 + 32);
    expect(held).toBeLessThan(2 * counted);
    expect(names[0]).toBe('ab');
  });
});

describe('the one client shape', () => {
  it('`await using` says QUIT then closes; quit() on a closed client is a no-op', async () => {
    const server = await hostile((c) => ftpScript(c, { QUIT: '221 bye\r\n' }));
    {
      await using ftp = plain(server.port);
      await ftp.connect();
    }
    await server.done();
    expect(server.lines).toEqual(['QUIT']);
    const ftp = plain(server.port);
    expect(await ftp.quit()).toBeNull();
  });

  it('security: "plaintext" makes AUTH TLS the caller\'s choice, and passwords then need allowPlaintextAuth', async () => {
    const server = await hostile((c) => ftpScript(c, { ...LOGIN }));
    await using ftp = new FTP_TLS({ host: '127.0.0.1', port: server.port, security: 'plaintext', timeout: 5000 });
    await ftp.connect();
    expect(ftp.secure).toBe(false);
    await expect(ftp.login('bob', 'secret')).rejects.toThrow(/allowPlaintextAuth/);
    expect(server.lines).toEqual([]);
  });

  it('an injected transport carries the control and passive data connections; diagnostics redact PASS', async () => {
    const data = await plainDataPort('a\r\n');
    const server = await hostile((c) => ftpScript(c, { ...LOGIN, EPSV: data.epsv(), NLST: transfer(c, '150 here\r\n', '226 done\r\n') }));
    const dialled: string[] = [];
    const commands: string[] = [];
    const onCommand = (message: unknown) => commands.push((message as { command: string }).command);
    subscribe('unitls:ftp:command', onCommand);
    try {
      await using ftp = new FTP({
        host: 'ftp.invalid',
        port: 21,
        allowPlaintextAuth: true,
        timeout: 5000,
        transport: async ({ host, port }) => {
          dialled.push(`${host}:${port}`);
          const socket = netConnect(host === 'ftp.invalid' ? server.port : port, '127.0.0.1');
          await once(socket, 'connect');
          return socket;
        },
      });
      await ftp.connect();
      await ftp.login('bob', 'secret');
      expect(await ftp.nlst()).toEqual(['a']);
    } finally {
      unsubscribe('unitls:ftp:command', onCommand);
    }
    expect(dialled).toEqual(['ftp.invalid:21', `127.0.0.1:${data.port}`]);
    expect(commands).toContain('PASS <redacted>');
    expect(commands.join('\n')).not.toContain('secret');
  });
});
