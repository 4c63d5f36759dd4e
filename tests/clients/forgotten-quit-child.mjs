/**
 * A user's script, run as a child process by forgotten-quit.test.ts (session 13, trial 12): it
 * connects to a real server (Postfix, Dovecot, vsftpd), makes one call, prints one JSON line and
 * ends without quit(), logout() or close(). The process must then exit by itself: an idle client
 * connection may not keep it alive (Python's scripts exit likewise).
 *
 * argv: scenario, implementation (node | openssl | pure), port. The trust anchor comes from
 * SSL_CERT_FILE; the FTP account from FTP_USER / FTP_PASSWORD.
 */
import { FTP_TLS } from '@unitls/ftp';
import { IMAP4, IMAP4_SSL } from '@unitls/imap';
import { POP3, POP3_SSL } from '@unitls/pop';
import { SMTP, SMTP_SSL } from '@unitls/smtp';
import { TLSClientConfiguration, TrustStore } from '@unitls/tls-core';

const [scenario, implementationName, portText] = process.argv.slice(2);
const { implementation } = await import(`@unitls/tls-${implementationName}`);
const port = Number(portText);
const tls = {
  host: '127.0.0.1',
  port,
  serverHostname: 'localhost',
  implementation,
  configuration: new TLSClientConfiguration({ trustStore: TrustStore.fromFile(process.env.SSL_CERT_FILE) }),
};
const plain = { host: '127.0.0.1', port, security: 'plaintext' };

async function imapLoggedIn(client) {
  await client.connect();
  await client.login('alice', 'alicepass');
  return client;
}

async function popLoggedIn(client) {
  await client.connect();
  await client.user('alice');
  await client.pass_('alicepass');
  return client;
}

async function ftpLoggedIn(client) {
  await client.connect();
  await client.login(process.env.FTP_USER, process.env.FTP_PASSWORD);
  return client;
}

const SCENARIOS = {
  smtp: async () => {
    const smtp = new SMTP({ ...tls, localHostname: 'client.test' });
    await smtp.connect();
    return { secure: smtp.secure, code: (await smtp.noop()).code };
  },
  smtps: async () => {
    const smtp = new SMTP_SSL({ ...tls, localHostname: 'client.test' });
    await smtp.connect();
    return { secure: smtp.secure, code: (await smtp.noop()).code };
  },
  'smtp plain': async () => {
    const smtp = new SMTP({ ...plain, localHostname: 'client.test' });
    await smtp.connect();
    return { secure: smtp.secure, code: (await smtp.noop()).code };
  },
  imap: async () => {
    const imap = await imapLoggedIn(new IMAP4(tls));
    return { secure: imap.secure, exists: (await imap.select('INBOX')).exists };
  },
  imaps: async () => {
    const imap = await imapLoggedIn(new IMAP4_SSL(tls));
    return { secure: imap.secure, exists: (await imap.select('INBOX')).exists };
  },
  'imap plain': async () => {
    const imap = new IMAP4(plain);
    await imap.connect();
    await imap.noop();
    return { secure: imap.secure, exists: null };
  },
  // Mid-operation: IDLE waits for updates with nothing else alive in this process (the signal's
  // timer does not keep a process alive): the wait must not be cut short, then the script ends.
  'imap idle': async () => {
    const imap = await imapLoggedIn(new IMAP4_SSL(tls));
    await imap.select('INBOX');
    let updates = 0;
    for await (const update of imap.idle(AbortSignal.timeout(300))) updates += update === undefined ? 0 : 1;
    await imap.noop();
    return { secure: imap.secure, idled: true, updates: updates >= 0 };
  },
  pop3: async () => {
    const pop = await popLoggedIn(new POP3(tls));
    return { secure: pop.secure, count: (await pop.stat())[0] };
  },
  pop3s: async () => {
    const pop = await popLoggedIn(new POP3_SSL(tls));
    return { secure: pop.secure, count: (await pop.stat())[0] };
  },
  'pop3 plain': async () => {
    const pop = new POP3(plain);
    await pop.connect();
    return { secure: pop.secure, count: (await pop.capa()).size > 0 ? 0 : -1 };
  },
  ftp: async () => {
    const ftp = await ftpLoggedIn(new FTP_TLS(tls));
    return { secure: ftp.secure, pwd: await ftp.pwd() };
  },
  ftps: async () => {
    const ftp = await ftpLoggedIn(new FTP_TLS({ ...tls, implicit: true }));
    return { secure: ftp.secure, pwd: await ftp.pwd() };
  },
  // A data connection (PROT P, resumed session) opened and closed by the call.
  'ftp nlst': async () => {
    const ftp = await ftpLoggedIn(new FTP_TLS(tls));
    return { secure: ftp.secure, listed: Array.isArray(await ftp.nlst()) };
  },
};

const result = await SCENARIOS[scenario]();
process.stdout.write(`${JSON.stringify(result)}\n`);
// Nothing else: no quit(), logout() or close(). The script ends here, and so must the process.
