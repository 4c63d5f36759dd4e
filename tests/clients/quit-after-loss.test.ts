/**
 * Trial 12: quit() in a `finally` after the connection was lost must not hide the error the
 * script is leaving with. The server's side goes away while the client is idle (a relay in front
 * of Postfix, Dovecot and vsftpd cuts every connection, with a FIN, for TLS an end without
 * close_notify, or with a RST); the script then fails on its own and quits in its `finally`:
 * that failure is the one it sees, quit() resolves quietly (null; IMAP logout(): undefined) and
 * the client is closed, as Python's close() never raises. Before the fix SMTP, POP3 and FTP_TLS
 * raised their connection error (FTP_TLS: RaggedEOF) from quit() instead.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { FTP_TLS } from '@unitls/ftp';
import { IMAP4_SSL } from '@unitls/imap';
import { POP3 } from '@unitls/pop';
import { SMTP } from '@unitls/smtp';
import { clientConfig, pki } from '../support/fixtures.js';
import { cuttingProxy, type CuttingProxy } from '../support/cutting-proxy.js';
import { useMailServers } from '../support/mail-servers.js';
import { FTP_PASSWORD, FTP_USER, useVsftpd } from '../support/vsftpd.js';
import { implementations } from '../conformance/implementations.js';

const mailServers = useMailServers(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));
const ftpServer = useVsftpd(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));

let proxy: CuttingProxy | null = null;
afterEach(async () => {
  await proxy?.close();
  proxy = null;
});

interface Quitting {
  readonly connected?: boolean;
  quit?(): Promise<unknown>;
  logout?(): Promise<unknown>;
  close(): Promise<void>;
}

/** A client logged in through the relay, one call made; then quit() is how the script ends. */
interface Case {
  name: string;
  port: () => number;
  open: (port: number, implementation: (typeof implementations)[number]) => Promise<Quitting>;
  quit: (client: Quitting) => Promise<unknown>;
  /** What quit() resolves with once the connection is gone. */
  quiet: unknown;
}

const tls = (port: number, implementation: (typeof implementations)[number]) => ({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 10_000 });

const CASES: Case[] = [
  {
    name: 'SMTP (STARTTLS, Postfix)',
    port: () => mailServers().ports.submission,
    open: async (port, implementation) => {
      const smtp = new SMTP({ ...tls(port, implementation), localHostname: 'client.test' });
      await smtp.connect();
      await smtp.noop();
      return smtp;
    },
    quit: (client) => client.quit!(),
    quiet: null,
  },
  {
    name: 'IMAP4_SSL (Dovecot)',
    port: () => mailServers().ports.imaps,
    open: async (port, implementation) => {
      const imap = new IMAP4_SSL(tls(port, implementation));
      await imap.connect();
      await imap.login('alice', 'alicepass');
      await imap.select('INBOX');
      return imap;
    },
    quit: (client) => client.logout!(),
    quiet: undefined,
  },
  {
    name: 'POP3 (STLS, Dovecot)',
    port: () => mailServers().ports.pop3,
    open: async (port, implementation) => {
      const pop = new POP3(tls(port, implementation));
      await pop.connect();
      await pop.user('alice');
      await pop.pass_('alicepass');
      await pop.stat();
      return pop;
    },
    quit: (client) => client.quit!(),
    quiet: null,
  },
  {
    name: 'FTP_TLS (AUTH TLS, vsftpd)',
    port: () => ftpServer().ports.explicit,
    open: async (port, implementation) => {
      const ftp = new FTP_TLS(tls(port, implementation));
      await ftp.connect();
      await ftp.login(FTP_USER, FTP_PASSWORD);
      await ftp.nlst();
      return ftp;
    },
    quit: (client) => client.quit!(),
    quiet: null,
  },
];

const matrix = implementations.flatMap((implementation) => CASES.flatMap((c) => (['fin', 'reset'] as const).map((how) => [`${c.name} on ${implementation.name}, cut with ${how.toUpperCase()}`, c, implementation, how] as const)));

describe('quit() after the server dropped the connection', () => {
  it.each(matrix)('%s: the script sees its own error, quit() resolves quietly', async (_, c, implementation, how) => {
    proxy = await cuttingProxy(c.port());
    const client = await c.open(proxy.port, implementation);
    await proxy.cut(how);
    const own = new Error('the script failed on its own');
    const script = async (): Promise<void> => {
      try {
        throw own;
      } finally {
        await c.quit(client);
      }
    };
    await expect(script()).rejects.toBe(own);
    // Closed now: quit() again is the usual no-op.
    expect(await c.quit(client)).toBe(c.quiet);
    await client.close();
  });
});
