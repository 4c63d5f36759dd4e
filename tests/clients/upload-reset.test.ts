/**
 * A connection reset in the middle of an upload (slow14 item 2): SMTP DATA (Postfix, and
 * smtp-server in plain text), IMAP APPEND (Dovecot, over TLS and in plain text) and FTP STOR
 * (vsftpd's PROT P data connection, ftp-srv's plain one) through a proxy that resets the client's
 * side after 1 MiB (tests/support/throttle-proxy's cutAfter). The call fails with the client's
 * connection-lost error (SMTPServerDisconnected, IMAP4Abort, FTPConnectionError) saying the server
 * reset the connection, the reset as `cause`, on every implementation and in plain text. In plain
 * text it used to say "Cannot call write after a stream was destroyed" with that as the cause:
 * node:net destroys the socket with the ECONNRESET (an 'error' event client-kit swallowed), and
 * the next write failed with ERR_STREAM_DESTROYED. An FTP STOR whose data connection is reset
 * leaves the control connection usable (ABOR, NOOP), as ftplib's does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FtpSrv } from 'ftp-srv';
import { SMTP, SMTPServerDisconnected } from '@unitls/smtp';
import { IMAP4, IMAP4Abort, IMAP4_SSL } from '@unitls/imap';
import { FTP, FTPConnectionError, FTPTempError, FTP_TLS } from '@unitls/ftp';
import type { TLSImplementation } from '@unitls/tls-core';
import { clientConfig, pki } from '../support/fixtures.js';
import { freePort } from '../support/daemons.js';
import { useMailServers } from '../support/mail-servers.js';
import { startSmtpServer } from '../support/smtp-server.js';
import { throttleProxy, throttledData } from '../support/throttle-proxy.js';
import { FTP_PASSWORD, FTP_USER, startVsftpd, vsftpdUnavailable, type Vsftpd } from '../support/vsftpd.js';
import { implementations } from '../conformance/implementations.js';

const mailServers = useMailServers(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));
let vsftpd: Vsftpd;
let ftpSrv: FtpSrv;
let ftpSrvPort = 0;
const ftpRoot = mkdtempSync(join(tmpdir(), 'unitls-upload-reset-'));

beforeAll(async () => {
  const why = vsftpdUnavailable();
  if (why !== null) throw new Error(why);
  vsftpd = await startVsftpd(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));
  ftpSrvPort = await freePort();
  ftpSrv = new FtpSrv({
    url: `ftp://127.0.0.1:${ftpSrvPort}`,
    pasv_url: '127.0.0.1',
    pasv_min: 1024,
    anonymous: false,
    log: { trace() {}, debug() {}, info() {}, warn() {}, error() {}, child() { return this; } } as never,
  });
  ftpSrv.on('login', ({ username, password }, resolve, reject) => (username === 'carol' && password === 'carolpass' ? resolve({ root: ftpRoot }) : reject(new Error('bad login'))));
  await ftpSrv.listen();
}, 120_000);
afterAll(async () => {
  await ftpSrv?.close();
  await vsftpd?.stop();
  rmSync(ftpRoot, { recursive: true, force: true });
});

const TIMEOUT = 10_000;
const CUT = { cutAfter: 1 << 20 };
/** About 4 MiB of message in CRLF lines (none starts with a dot). */
const MESSAGE = `Subject: cut\r\n\r\n${`${'y'.repeat(70)}\r\n`.repeat(60_000)}`;
const BLOB = Buffer.alloc(4 << 20, 0x61);

/** The reset, as a connection error: the client's class, saying so, the reset as its cause. */
function expectReset(error: unknown, family: abstract new (...args: never[]) => Error): void {
  expect(error).toBeInstanceOf(family);
  const { message, cause } = error as Error;
  expect(message).not.toMatch(/Cannot call write|destroyed/);
  expect(message).toMatch(/reset the connection/);
  expect(cause).toBeInstanceOf(Error);
  expect((cause as { code?: unknown }).code).not.toBe('ERR_STREAM_DESTROYED');
  expect(String((cause as Error).message)).toMatch(/ECONNRESET/);
}

type Variant = readonly [string, TLSImplementation | null];
const variants: Variant[] = [...implementations.map((i) => [i.name, i] as const), ['plain text', null]];

describe.each(variants)('a reset in the middle of an upload (%s)', (name, implementation) => {
  it('SMTP DATA: SMTPServerDisconnected, the reset as cause, the client closed', async () => {
    let smtp: SMTP;
    let close = async (): Promise<void> => {};
    if (implementation === null) {
      const server = await startSmtpServer({ authOptional: true, disabledCommands: ['STARTTLS'] });
      const proxy = await throttleProxy(server.port, CUT);
      // The proxy first: smtp-server's close waits for its connections.
      close = async () => {
        await proxy.close();
        await server.close();
      };
      smtp = new SMTP({ host: '127.0.0.1', port: proxy.port, security: 'plaintext', localHostname: 'client.test', timeout: TIMEOUT });
    } else {
      const proxy = await throttleProxy(mailServers().ports.submission, CUT);
      smtp = new SMTP({ host: '127.0.0.1', port: proxy.port, serverHostname: 'localhost', implementation, configuration: clientConfig(), localHostname: 'client.test', timeout: TIMEOUT });
    }
    try {
      await smtp.connect();
      if (implementation !== null) await smtp.login('bob', 'bobpass');
      const error = await smtp.sendmail('bob@example.test', [`reset-${name.replace(/ /g, '-')}@example.test`], MESSAGE).catch((e: unknown) => e);
      expectReset(error, SMTPServerDisconnected);
      expect(smtp.state).toBeNull();
    } finally {
      await smtp.close();
      await close();
    }
  }, 60_000);

  it('IMAP APPEND: IMAP4Abort, the reset as cause, the client closed', async () => {
    const proxy = await throttleProxy(implementation === null ? mailServers().ports.imap : mailServers().ports.imaps, CUT);
    // Dovecot takes a plain-text login from 127.0.0.1 (the proxy's address): a local connection.
    const imap =
      implementation === null
        ? new IMAP4({ host: '127.0.0.1', port: proxy.port, security: 'plaintext', allowPlaintextAuth: true, timeout: TIMEOUT })
        : new IMAP4_SSL({ host: '127.0.0.1', port: proxy.port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: TIMEOUT });
    try {
      await imap.connect();
      await imap.login('bob', 'bobpass');
      const error = await imap.append('INBOX', MESSAGE).catch((e: unknown) => e);
      expectReset(error, IMAP4Abort);
      // imaplib's state after an abort.
      expect(imap.state).toBe('LOGOUT');
    } finally {
      await imap.close();
    }
  }, 60_000);

  it('FTP STOR: FTPConnectionError for the data connection, the reset as cause; the control connection stays usable', async () => {
    const port = implementation === null ? ftpSrvPort : vsftpd.ports.explicit;
    const transport = throttledData(port, CUT);
    const ftp =
      implementation === null
        ? new FTP({ host: '127.0.0.1', port, transport, allowPlaintextAuth: true, timeout: TIMEOUT })
        : new FTP_TLS({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), transport, timeout: TIMEOUT });
    try {
      await ftp.connect();
      if (implementation === null) await ftp.login('carol', 'carolpass');
      else await ftp.login(FTP_USER, FTP_PASSWORD);
      const file = `reset-${name.replace(/ /g, '-')}.bin`;
      const error = await ftp.storbinary(`STOR ${file}`, BLOB).catch((e: unknown) => e);
      if (implementation !== null && error instanceof FTPTempError) {
        // Every byte had been handed on before the reset reached the client (the kernel's buffers
        // hold 4 MiB on loopback): over TLS nothing reports it after close_notify went out, and
        // vsftpd's verdict (its TLS read failed) is the error, naming the command and the bytes.
        // break15: seen on tls-openssl and tls-pure, where this test failed on main.
        expect((error as Error).message).toBe(`STOR ${file}: 426 Failure reading network stream. (${BLOB.length} bytes of the STOR data had gone out)`);
      } else {
        // In plain text the same late reset is seen closing the data connection (ftp-srv answered 226).
        expectReset(error, FTPConnectionError);
        expect((error as Error).message).toMatch(/^data connection: /);
      }
      expect(transport.proxies).toHaveLength(1);
      expect(await ftp.pwd()).toBe('/');
    } finally {
      await ftp.close();
    }
  }, 60_000);
});
