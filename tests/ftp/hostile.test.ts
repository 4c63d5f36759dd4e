/** Hostile and broken FTP servers (scripted), on every implementation where TLS is involved. */
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { StartTlsInjectionError } from '@unitls/tls-core';
import { FTP, FTPConnectionError, FTPPermError, FTPProtoError, FTPTempError, FTPUsageError, FTP_TLS } from '@unitls/ftp';
import { clientConfig, pki } from '../support/fixtures.js';
import { useScriptedServers } from '../support/scripted-server.js';
import { implementations } from '../conformance/implementations.js';
import { dataPort, ftpScript, trackServer, useDataPorts } from './scripted-ftp.js';

const hostile = useScriptedServers();
useDataPorts();

const plain = (port: number, options: ConstructorParameters<typeof FTP>[0] = {}) => new FTP({ host: '127.0.0.1', port, timeout: 2000, ...options });
const LOGIN = { USER: '331 password please\r\n', PASS: '230 logged in\r\n', TYPE: '200 ok\r\n' };

describe('FTP against hostile servers', () => {
  it('ignores the host in a PASV reply (CVE-2021-4189) and falls back from a refused EPSV once', async () => {
    const data = await dataPort((socket) => socket.end('payload'));
    const [h, l] = [data.port >> 8, data.port & 0xff];
    const server = await hostile((c) =>
      ftpScript(c, {
        ...LOGIN,
        EPSV: '500 EPSV not understood\r\n',
        PASV: `227 Entering Passive Mode (192,0,2,99,${h},${l})\r\n`,
        RETR: async () => {
          c.write('150 here it comes\r\n');
          await new Promise((resolve) => setTimeout(resolve, 50).unref());
          return '226 done\r\n';
        },
      }),
    );
    await using ftp = plain(server.port);
    await ftp.connect();
    const chunks: Buffer[] = [];
    await ftp.retrbinary('RETR x', (chunk) => void chunks.push(Buffer.from(chunk)));
    await ftp.retrbinary('RETR x', (chunk) => void chunks.push(Buffer.from(chunk)));
    expect(Buffer.concat(chunks).toString()).toBe('payloadpayload');
    expect(data.peers).toEqual(['127.0.0.1', '127.0.0.1']);
    expect(server.lines.filter((l) => l === 'EPSV')).toHaveLength(1); // refused once, then PASV directly
  });

  it('raises a connection error (not error_proto) when the server closes in the middle of a reply, and closes', async () => {
    // Issue #18 item 4: an ended connection is the connection error on every path and implementation.
    const server = await hostile(async (c) => {
      c.write('220 ready\r\n');
      await c.line();
      c.write('211-Features:\r\n SIZE\r\n MDTM\r\n');
      c.socket.end();
    });
    const ftp = plain(server.port);
    await ftp.connect();
    const error = await ftp.sendcmd('FEAT').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FTPConnectionError);
    expect((error as Error).message).toMatch(/closed the connection in the middle of a reply/);
    await expect(ftp.sendcmd('NOOP')).rejects.toThrow(/not connected/);
  });

  it('says whether it was never opened or was closed (trial 8)', async () => {
    const server = await hostile(async (c) => {
      c.write('220 ready\r\n');
      expect(await c.line()).toBe('QUIT');
      c.write('221 bye\r\n');
      c.socket.end();
    });
    const ftp = plain(server.port);
    await expect(ftp.nlst()).rejects.toThrow(/^not connected: run connect\(\) first$/);
    await ftp.connect();
    await ftp.quit();
    // It said only "the connection is closed after any failure", after this clean quit too.
    const after = await ftp.nlst().catch((e: unknown) => e);
    expect(after).toBeInstanceOf(FTPConnectionError);
    expect((after as Error).message).toBe('not connected: the connection was closed (by quit(), logout() or close(), or after a failure); run connect() to open it again');
  });

  it.each([
    ['a 10 MB reply line', `211 ${'x'.repeat(10 << 20)}\r\n`, /longer than 8192 bytes/],
    ['endless reply lines', `211-start\r\n${' filler line\r\n'.repeat(200_000)}`, /larger than 1048576 bytes/],
    ['garbage instead of a reply', 'HTTP/1.1 200 OK\r\n', /malformed FTP reply/],
  ])('raises error_proto on %s, and closes the connection', async (_label, reply, message) => {
    const server = await hostile(async (c) => {
      c.write('220 ready\r\n');
      await c.line();
      c.write(reply);
      c.socket.end();
    });
    const ftp = plain(server.port);
    await ftp.connect();
    const error = await ftp.sendcmd('FEAT').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FTPProtoError);
    expect((error as Error).message).toMatch(message);
    await expect(ftp.sendcmd('NOOP')).rejects.toThrow(/not connected/);
  });

  it.each([
    ['PASV', '227 Entering Passive Mode (127,0,0,1,999,1)\r\n', /malformed PASV reply/],
    ['PASV', '227 Entering Passive Mode\r\n', /malformed PASV reply/],
    ['EPSV', '229 Entering Extended Passive Mode (|||99999|)\r\n', /malformed EPSV reply/],
    ['EPSV', '229 Entering Extended Passive Mode (|1|2|3|)\r\n', /malformed EPSV reply/],
  ])('raises error_proto on a malformed %s reply %#', async (verb, reply, message) => {
    const server = await hostile((c) => ftpScript(c, { ...LOGIN, EPSV: verb === 'EPSV' ? reply : '500 no\r\n', PASV: reply }));
    await using ftp = plain(server.port);
    await ftp.connect();
    const error = await ftp.retrbinary('RETR x', () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FTPProtoError);
    expect((error as Error).message).toMatch(message);
  });

  it('reports a data connection that closes early (426), keeping the bytes that came', async () => {
    const data = await dataPort((socket) => socket.end('only half'));
    const server = await hostile((c) =>
      ftpScript(c, {
        ...LOGIN,
        EPSV: `229 Entering Extended Passive Mode (|||${data.port}|)\r\n`,
        RETR: async () => {
          c.write('150 sending (100 bytes)\r\n');
          return '426 Connection closed; transfer aborted.\r\n';
        },
        NOOP: '200 still here\r\n',
      }),
    );
    await using ftp = plain(server.port);
    await ftp.connect();
    const received: Buffer[] = [];
    const progress: Array<{ bytes: number; total: number | null }> = [];
    const error = await ftp.retrbinary('RETR x', (chunk) => void received.push(Buffer.from(chunk)), { onProgress: (p) => progress.push(p) }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FTPTempError);
    expect(error).toMatchObject({ replyCode: 426 });
    expect(Buffer.concat(received).toString()).toBe('only half');
    expect(progress.at(-1)).toEqual({ bytes: 9, total: 100 });
    expect((await ftp.sendcmd('NOOP')).code).toBe(200);
  });

  it('times out cleanly when the server never opens the data connection (active mode)', async () => {
    const server = await hostile((c) => ftpScript(c, { ...LOGIN, PORT: '200 ok\r\n', EPRT: '200 ok\r\n', RETR: '150 opening\r\n' }));
    const ftp = plain(server.port, { passive: false, timeout: 300 });
    await ftp.connect();
    const error = await ftp.retrbinary('RETR x', () => {}).catch((e: unknown) => e);
    // The timeout bounds waiting for the server's connection like any other wait: a TimeoutError.
    expect((error as Error).name).toBe('TimeoutError');
    expect(server.lines.some((l) => /^PORT 127,0,0,1,\d+,\d+$/.test(l))).toBe(true);
    await ftp.close();
  });

  it('times out cleanly when the data connection stays silent (passive mode)', async () => {
    const data = await dataPort();
    const server = await hostile((c) => ftpScript(c, { ...LOGIN, EPSV: `229 (|||${data.port}|)\r\n`, RETR: '150 opening\r\n', ABOR: '426 aborted\r\n226 ABOR ok\r\n', NOOP: '200 ok\r\n', PWD: '257 "/"\r\n' }));
    const ftp = plain(server.port, { timeout: 300 });
    await ftp.connect();
    const error = await ftp.retrbinary('RETR x', () => {}).catch((e: unknown) => e);
    expect((error as Error).name).toMatch(/TimeoutError|AbortError/);
    expect(data.connections).toHaveLength(1);
    expect(await ftp.pwd()).toBe('/'); // back in step: the 426/226 were consumed
    await ftp.close();
  });

  it('stays in step after a listing line too long to accept', async () => {
    const data = await dataPort((socket) => socket.end(`${'x'.repeat(20_000)}\r\n`));
    const server = await hostile((c) =>
      ftpScript(c, {
        ...LOGIN,
        EPSV: `229 (|||${data.port}|)\r\n`,
        LIST: '150 here\r\n226 listing sent\r\n',
        ABOR: '225 no transfer to abort\r\n',
        NOOP: '200 ok\r\n',
        PWD: '257 "/home"\r\n',
      }),
    );
    await using ftp = plain(server.port);
    await ftp.connect();
    await expect(ftp.dir()).rejects.toThrow(/listing line longer than 8192/);
    expect(await ftp.pwd()).toBe('/home');
    expect(server.lines.slice(-3)).toEqual(['ABOR', 'NOOP', 'PWD']);
  });

  it('parses MLSD facts and FEAT, and sends OPTS UTF8 ON only when offered', async () => {
    const data = await dataPort((socket) =>
      socket.end('type=dir;modify=20240101120000; sub dir\r\ntype=file;size=42;Modify=20240102030405.123;UNIX.mode=0644; a file.txt\r\n'),
    );
    const server = await hostile((c) =>
      ftpScript(c, {
        ...LOGIN,
        FEAT: '211-Features:\r\n MLST type*;size*;modify*;\r\n UTF8\r\n SIZE\r\n211 End\r\n',
        OPTS: '200 UTF8 on\r\n',
        EPSV: `229 (|||${data.port}|)\r\n`,
        MLSD: async () => {
          c.write('150 listing\r\n');
          await new Promise((resolve) => setTimeout(resolve, 50).unref());
          return '226 done\r\n';
        },
      }),
    );
    await using ftp = plain(server.port);
    await ftp.connect();
    expect([...(await ftp.feat()).entries()]).toEqual([
      ['MLST', 'type*;size*;modify*;'],
      ['UTF8', ''],
      ['SIZE', ''],
    ]);
    expect(await ftp.utf8()).toBe(true);
    expect(await ftp.mlsd()).toEqual([
      ['sub dir', { type: 'dir', modify: '20240101120000' }],
      ['a file.txt', { type: 'file', size: '42', modify: '20240102030405.123', 'unix.mode': '0644' }],
    ]);
    expect(server.lines).toContain('OPTS UTF8 ON');
  });

  it('sets times with MFMT when FEAT offers it, and refuses to when it does not', async () => {
    const server = await hostile((c) => ftpScript(c, { ...LOGIN, FEAT: '211-Features:\r\n MFMT\r\n MDTM\r\n211 End\r\n', MFMT: '213 Modify=20240102030405; a file.txt\r\n', MDTM: '213 20240102030405\r\n' }));
    await using ftp = plain(server.port);
    await ftp.connect();
    const when = new Date('2024-01-02T03:04:05Z');
    expect((await ftp.mfmt('a file.txt', when)).getTime()).toBe(when.getTime());
    expect((await ftp.mdtm('a file.txt')).getTime()).toBe(when.getTime());
    expect(server.lines).toContain('MFMT 20240102030405 a file.txt');
    const bare = await hostile((c) => ftpScript(c, { FEAT: '211-Features:\r\n SIZE\r\n211 End\r\n' }));
    await using other = plain(bare.port);
    await other.connect();
    await expect(other.mfmt('x', when)).rejects.toBeInstanceOf(FTPUsageError);
  });

  it.each([
    ['SIZE past 2^53 - 1', 'SIZE', '213 99999999999999999999\r\n', (ftp: FTP) => ftp.size('f'), /malformed SIZE reply "99999999999999999999" \(above 2\^53 - 1\)/],
    ['MDTM with month 13', 'MDTM', '213 20241399000000\r\n', (ftp: FTP) => ftp.mdtm('f'), /time value out of range "20241399000000"/],
    ['MDTM with 31 February', 'MDTM', '213 20240231120000\r\n', (ftp: FTP) => ftp.mdtm('f'), /time value out of range "20240231120000"/],
  ])('raises error_proto on %s (it returned 100000000000000000000, or another date), and the session goes on', async (_label, verb, reply, call, message) => {
    const server = await hostile((c) => ftpScript(c, { ...LOGIN, [verb]: reply, NOOP: '200 ok\r\n' }));
    await using ftp = plain(server.port);
    await ftp.connect();
    const error = await call(ftp).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FTPProtoError);
    expect((error as Error).message).toMatch(message);
    expect((await ftp.sendcmd('NOOP')).code).toBe(200);
  });

  it('refuses to send a password in the clear unless allowed, and CR/LF anywhere', async () => {
    const server = await hostile((c) => ftpScript(c, LOGIN));
    await using ftp = plain(server.port);
    await ftp.connect();
    await expect(ftp.login('bob', 'secret')).rejects.toBeInstanceOf(FTPUsageError);
    await expect(ftp.login('bob\r\nDELE x', '')).rejects.toBeInstanceOf(FTPUsageError);
    await expect(ftp.sendcmd('NOOP\r\nDELE x')).rejects.toBeInstanceOf(FTPUsageError);
    expect(await ftp.login('anonymous')).toBe('230 logged in');
    expect(server.lines).toEqual(['USER anonymous', 'PASS anonymous@']);
  });
});

describe.each(implementations.map((i) => [i.name, i] as const))('FTP_TLS against hostile servers over %s', (_, implementation) => {
  const tlsClient = (port: number) => new FTP_TLS({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 2000 });

  it.each([
    ['502 (AUTH TLS not offered)', '502 not implemented\r\n'],
    ['334 (AUTH SSL style)', '334 go ahead\r\n'],
    ['a 4xx', '431 unavailable\r\n'],
  ])('refuses a server answering AUTH TLS with %s, sending nothing more', async (_label, answer) => {
    const server = await hostile((c) => ftpScript(c, { AUTH: answer }));
    const ftp = tlsClient(server.port);
    await expect(ftp.connect()).rejects.toThrow(/refusing to continue without TLS/);
    await server.done();
    expect(server.lines).toEqual(['AUTH TLS']);
  });

  it('refuses bytes injected after the 234 and before the handshake', async () => {
    const server = await hostile((c) => ftpScript(c, { AUTH: '234 go\r\n230 injected login\r\n' }));
    const ftp = tlsClient(server.port);
    await expect(ftp.connect()).rejects.toBeInstanceOf(StartTlsInjectionError);
    await server.done();
    expect(server.lines).toEqual(['AUTH TLS']);
  });

  it('forgets FEAT learned before TLS, and PROT P follows login', async () => {
    const server = await hostile(async (c) => {
      c.write('220 ready\r\n');
      expect(await c.line()).toBe('AUTH TLS');
      c.write('234 go\r\n');
      await c.startTls(pki.pem('server-ec', 'chain.crt'), pki.pem('server-ec', 'key'));
      await ftpScript(c, { ...LOGIN, FEAT: '211-Features:\r\n SIZE\r\n211 End\r\n', PBSZ: '200 ok\r\n', PROT: '200 ok\r\n' }, false).catch(() => {});
    });
    await using ftp = tlsClient(server.port);
    await ftp.connect();
    expect(ftp.secure).toBe(true);
    await ftp.login('bob', 'secret');
    expect(ftp.dataProtected).toBe(true);
    expect([...(await ftp.feat()).keys()]).toEqual(['SIZE']);
    expect(server.lines).toEqual(['AUTH TLS', 'USER bob', 'PASS secret', 'PBSZ 0', 'PROT P', 'FEAT']);
  });

  it("explains a 522 after a data connection that did not resume the control session", async () => {
    const tls = await import('node:tls');
    // A data port that does TLS but (a fresh server context) cannot resume anything.
    const data = tls.createServer({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') }, (socket) => {
      socket.on('error', () => {});
      socket.end();
    });
    data.listen(0, '127.0.0.1');
    await once(data, 'listening');
    trackServer(data);
    const port = (data.address() as { port: number }).port;
    const server = await hostile(async (c) => {
      c.write('220 ready\r\n');
      await c.line();
      c.write('234 go\r\n');
      await c.startTls(pki.pem('server-ec', 'chain.crt'), pki.pem('server-ec', 'key'));
      await ftpScript(c, {
        ...LOGIN,
        PBSZ: '200 ok\r\n',
        PROT: '200 ok\r\n',
        EPSV: `229 (|||${port}|)\r\n`,
        RETR: async () => {
          c.write('150 ok\r\n');
          await new Promise((resolve) => setTimeout(resolve, 100).unref());
          return '522 SSL connection failed: session reuse required\r\n';
        },
      }, false).catch(() => {});
    });
    await using ftp = tlsClient(server.port);
    await ftp.connect();
    await ftp.login('bob', 'secret');
    const error = await ftp.retrbinary('RETR x', () => {}).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FTPPermError);
    expect((error as Error).message).toMatch(/did not resume the control connection's TLS session/);
  });
});
