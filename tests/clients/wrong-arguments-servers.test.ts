/**
 * Wrong per-call options against real servers (Dovecot for POP3 and IMAP4, Postfix for SMTP,
 * vsftpd for FTP_TLS): each is the client's usage error, and the next right call on the same
 * connection works and answers as it would have.
 *
 * Before (session 6): on POP3 and FTP a per-call `signal` that was not an AbortSignal reached the
 * operation after the sans-IO core had taken the command, so the next command was refused as
 * pipelined / out of state and the connection could only be closed; a misspelled `{ sginal }` was
 * ignored everywhere, so the call ran without the caller's signal.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FTP_TLS, FTPUsageError } from '@unitls/ftp';
import { IMAP4, IMAP4UsageError } from '@unitls/imap';
import { POP3, POP3UsageError } from '@unitls/pop';
import { SMTP, SMTPUsageError } from '@unitls/smtp';
import { implementation } from '@unitls/tls-node';
import { clientConfig, pki } from '../support/fixtures.js';
import { useMailServers } from '../support/mail-servers.js';
import { FTP_PASSWORD, FTP_USER, putFile, startVsftpd, vsftpdUnavailable, type Vsftpd } from '../support/vsftpd.js';

const mailServers = useMailServers(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));
let vsftpd: Vsftpd;

beforeAll(async () => {
  const why = vsftpdUnavailable();
  if (why !== null) throw new Error(why);
  vsftpd = await startVsftpd(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));
  putFile(vsftpd, 'hello.txt', Buffer.from('hello from vsftpd\n'));
}, 120_000);
afterAll(async () => {
  await vsftpd?.stop();
});

const tls = { serverHostname: 'localhost', implementation, configuration: clientConfig() } as const;
const WRONG = [{ signal: 'nope' }, { sginal: new AbortController().signal }, 5] as never[];

/** Every call's rejection must be `UsageError` saying nothing was sent. */
async function refused(calls: ReadonlyArray<() => Promise<unknown>>, UsageError: new (...args: never[]) => Error): Promise<void> {
  for (const call of calls) {
    const error = await call().then(
      (value) => new Error(`resolved with ${String(value)}`),
      (e: unknown) => e,
    );
    expect(error, String(error)).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(/nothing was sent$/);
  }
}

describe('wrong per-call options against real servers: the usage error, and the connection goes on', () => {
  it('POP3 (Dovecot, STLS): STAT, LIST, UIDL, RETR, TOP, retrMany, retrLines, DELE, NOOP, CAPA refused; then the same session reads the mailbox', async () => {
    await using pop = new POP3({ host: '127.0.0.1', port: mailServers().ports.pop3, ...tls });
    await pop.connect();
    await pop.user('alice');
    await pop.pass_('alicepass');
    const [count] = await pop.stat();
    for (const wrong of WRONG) {
      await refused(
        [
          () => pop.stat(wrong),
          () => pop.list(undefined, wrong),
          () => pop.uidl(undefined, wrong),
          () => pop.retr(1, wrong),
          () => pop.top(1, 0, wrong),
          () => pop.retrMany([1, 2], wrong),
          () => pop.retrLines(1, wrong).next(),
          () => pop.dele(1, wrong),
          () => pop.noop(wrong),
          () => pop.capa(wrong),
        ],
        POP3UsageError,
      );
    }
    expect(await pop.stat()).toEqual([count, expect.any(Number)]);
    expect(Buffer.from(await pop.retr(1)).toString('latin1')).toContain('Subject: Test message 1');
    expect(await pop.noop()).toBeDefined();
    // No DELE went out: QUIT commits nothing, the next session sees every message.
    await pop.quit();
    await using again = new POP3({ host: '127.0.0.1', port: mailServers().ports.pop3, ...tls });
    await again.connect();
    await again.user('alice');
    await again.pass_('alicepass');
    expect((await again.stat())[0]).toBe(count);
  });

  it('IMAP4 (Dovecot, STARTTLS): SELECT, FETCH, SEARCH, NOOP refused; then the same session selects and fetches', async () => {
    await using imap = new IMAP4({ host: '127.0.0.1', port: mailServers().ports.imap, ...tls });
    await imap.connect();
    await imap.login('alice', 'alicepass');
    for (const wrong of WRONG) {
      await refused([() => imap.select('INBOX', wrong), () => imap.fetch('1', 'UID', wrong), () => imap.search(['ALL'], undefined, wrong), () => imap.noop(wrong)], IMAP4UsageError);
    }
    const selected = await imap.select('INBOX');
    expect(selected.exists).toBeGreaterThan(0);
    const [first] = await imap.fetch('1', 'ENVELOPE');
    expect(first!.envelope?.subject).toBe('Test message 1');
    await imap.logout();
  });

  it('SMTP (Postfix submission, STARTTLS, logged in): NOOP, RSET, sendmail refused; then the same session sends', async () => {
    await using smtp = new SMTP({ host: '127.0.0.1', port: mailServers().ports.submission, localHostname: 'client.test', ...tls });
    await smtp.connect();
    await smtp.login('alice', 'alicepass');
    for (const wrong of WRONG) {
      await refused([() => smtp.noop(wrong), () => smtp.rset(wrong), () => smtp.sendmail('alice@example.test', ['rcpt@example.test'], 'Subject: x\r\n\r\nx\r\n', [], [], wrong)], SMTPUsageError);
    }
    await refused([() => smtp.sendmail('alice@example.test', ['rcpt@example.test'], 'x', [], [], { binary: 'yes' } as never)], SMTPUsageError);
    expect((await smtp.noop()).code).toBe(250);
    const marker = `after-refusals-${process.pid}-${Date.now()}`;
    expect((await smtp.sendmail('alice@example.test', ['rcpt@example.test'], `Subject: ${marker}\r\n\r\nhello\r\n`)).size).toBe(0);
    await smtp.quit();
  });

  it('FTP_TLS (vsftpd, AUTH TLS, PROT P): PWD, NLST, RETR, STOR, SIZE refused; then the same session lists and downloads', async () => {
    await using ftp = new FTP_TLS({ host: '127.0.0.1', port: vsftpd.ports.explicit, ...tls });
    await ftp.connect();
    await ftp.login(FTP_USER, FTP_PASSWORD);
    const sink: Buffer[] = [];
    for (const wrong of WRONG) {
      await refused(
        [
          () => ftp.pwd(wrong),
          () => ftp.nlst(wrong as never),
          () => ftp.retrbinary('RETR hello.txt', (chunk) => void sink.push(Buffer.from(chunk)), wrong),
          () => ftp.storbinary('STOR other.txt', 'x', wrong),
          () => ftp.size('hello.txt', wrong),
          () => ftp.voidcmd('NOOP', wrong),
        ],
        FTPUsageError,
      );
    }
    await refused([() => ftp.retrbinary('RETR hello.txt', () => {}, { rest: '5' } as never)], FTPUsageError);
    expect(sink).toEqual([]);
    expect(await ftp.pwd()).toBe('/');
    expect(await ftp.nlst()).toContain('hello.txt');
    await ftp.retrbinary('RETR hello.txt', (chunk) => void sink.push(Buffer.from(chunk)));
    expect(Buffer.concat(sink).toString()).toBe('hello from vsftpd\n');
    await ftp.quit();
  });
});
