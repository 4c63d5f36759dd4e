#!/usr/bin/env -S npx tsx
// IMAP FETCH of 2,000 small messages and of one 50 MB message, and POP3 RETR of 2,000 messages,
// from Dovecot (started here, as in tests/): @unitls/imap and @unitls/pop (tls-node, tls-openssl)
// vs imapflow vs Python's imaplib / poplib, implicit TLS, one run. Needs root and the Debian mail
// packages (see .ci/run). Usage: npx tsx bench/mail.ts [--messages 2000] [--big-mib 50]
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs, promisify } from 'node:util';
import { ImapFlow } from 'imapflow';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';
import { IMAP4_SSL } from '@unitls/imap';
import { POP3_SSL } from '@unitls/pop';
import { TLSClientConfiguration, TrustStore, type TLSImplementation } from '@unitls/tls-core';
import { implementation as node } from '@unitls/tls-node';
import { implementation as openssl } from '@unitls/tls-openssl';
import { startMailServers } from '../tests/support/mail-servers.js';

const { values } = parseArgs({ options: { messages: { type: 'string', default: '2000' }, 'big-mib': { type: 'string', default: '50' } } });
const N = Number(values.messages);
const BIG = Number(values['big-mib']) * 1024 * 1024;

const ca = await createAuthority({ name: 'bench CA' });
const leaf = await issueCertificate(ca, { names: ['localhost', '127.0.0.1'] });
const work = mkdtempSync(join(tmpdir(), 'unitls-mailbench-'));
chmodSync(work, 0o755);
for (const [name, pem] of [['ca.pem', ca.certPem], ['server.crt', leaf.certPem], ['server.key', leaf.keyPem]] as const) writeFileSync(join(work, name), pem);
const servers = await startMailServers(join(work, 'server.crt'), join(work, 'server.key'));

// Seed bob's INBOX with N small messages and a "Big" folder with one large one, as Dovecot's maildir files.
const home = join(servers.dir, 'dovecot', 'home', 'bob', 'Maildir');
for (let i = 0; i < N; i++) {
  writeFileSync(join(home, 'cur', `1700${String(i).padStart(6, '0')}.M${i}.bench:2,S`), `From: a@example.test\r\nTo: bob@example.test\r\nSubject: message ${i}\r\n\r\n${'Hello, this is a small message body.\r\n'.repeat(20)}`);
}
for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(home, '.Big', sub), { recursive: true });
const line = Buffer.from(`${'x'.repeat(998)}\r\n`);
writeFileSync(join(home, '.Big', 'cur', '1700999999.M1.bench:2,S'), Buffer.concat([Buffer.from('Subject: big\r\n\r\n'), Buffer.concat(Array(Math.ceil(BIG / line.length)).fill(line))]));
execFileSync('chown', ['-R', '65534:65534', home]);

const configuration = new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(ca.certPem) });
const time = async (run: () => Promise<number>) => {
  const start = performance.now();
  const bytes = await run();
  return { seconds: (performance.now() - start) / 1000, bytes };
};

async function oursImap(implementation: TLSImplementation, mailbox: string) {
  const imap = new IMAP4_SSL({ host: '127.0.0.1', port: servers.ports.imaps, serverHostname: 'localhost', implementation, configuration });
  await imap.connect();
  await imap.login('bob', 'bobpass');
  await imap.examine(mailbox);
  const result = await time(async () => (await imap.fetch('1:*', 'BODY.PEEK[]')).reduce((n, m) => n + (m.body['BODY[]']?.length ?? 0), 0));
  await imap.logout();
  return result;
}

async function imapflow(mailbox: string) {
  const client = new ImapFlow({ host: '127.0.0.1', port: servers.ports.imaps, secure: true, tls: { ca: ca.certPem, servername: 'localhost' }, auth: { user: 'bob', pass: 'bobpass' }, logger: false });
  await client.connect();
  const lock = await client.getMailboxLock(mailbox, { readOnly: true });
  const result = await time(async () => {
    let bytes = 0;
    for await (const message of client.fetch('1:*', { source: true })) bytes += message.source?.length ?? 0;
    return bytes;
  });
  lock.release();
  await client.logout();
  return result;
}

const PY_IMAP = `
import imaplib, ssl, sys, time
port, cafile, mailbox = int(sys.argv[1]), sys.argv[2], sys.argv[3]
imap = imaplib.IMAP4_SSL('127.0.0.1', port, ssl_context=ssl.create_default_context(cafile=cafile))
imap.login('bob', 'bobpass'); imap.select(mailbox, readonly=True)
start = time.perf_counter(); typ, data = imap.fetch('1:*', '(BODY.PEEK[])')
size = sum(len(part[1]) for part in data if isinstance(part, tuple))
print(time.perf_counter() - start, size); imap.logout()
`;
const PY_POP = `
import poplib, ssl, sys, time
port, cafile = int(sys.argv[1]), sys.argv[2]
pop = poplib.POP3_SSL('127.0.0.1', port, context=ssl.create_default_context(cafile=cafile))
pop.user('bob'); pop.pass_('bobpass'); count = pop.stat()[0]
start = time.perf_counter(); size = sum(len(b'\\r\\n'.join(pop.retr(i)[1])) for i in range(1, count + 1))
print(time.perf_counter() - start, size); pop.quit()
`;
writeFileSync(join(work, 'imap.py'), PY_IMAP);
writeFileSync(join(work, 'pop.py'), PY_POP);
async function python(script: string, ...args: string[]) {
  const { stdout } = await promisify(execFile)('python3', [join(work, script), ...args], { maxBuffer: 1 << 20 });
  const [seconds, bytes] = stdout.trim().split(' ').map(Number);
  return { seconds: seconds!, bytes: bytes! };
}

async function oursPop(implementation: TLSImplementation) {
  const pop = new POP3_SSL({ host: '127.0.0.1', port: servers.ports.pop3s, serverHostname: 'localhost', implementation, configuration });
  await pop.connect();
  await pop.user('bob');
  await pop.pass_('bobpass');
  const [count] = await pop.stat();
  const result = await time(async () => {
    let bytes = 0;
    for (let i = 1; i <= count; i++) bytes += (await pop.retr(i)).length;
    return bytes;
  });
  await pop.quit();
  return result;
}

function table(title: string, rows: Array<[string, { seconds: number; bytes: number }]>) {
  const anchor = rows[0]![1].seconds;
  console.log(`\n${title}`);
  console.log('| client | seconds | MiB | speed vs anchor |');
  console.log('|---|---|---|---|');
  for (const [name, r] of rows) console.log(`| ${name} | ${r.seconds.toFixed(3)} | ${(r.bytes / 2 ** 20).toFixed(1)} | ${(anchor / r.seconds).toFixed(2)} |`);
}

try {
  table(`IMAP FETCH 1:* BODY.PEEK[] of ${N} small messages (implicit TLS, loopback)`, [
    ['imapflow (anchor)', await imapflow('INBOX')],
    ['@unitls/imap on tls-node', await oursImap(node, 'INBOX')],
    ['@unitls/imap on tls-openssl', await oursImap(openssl, 'INBOX')],
    ['Python imaplib', await python('imap.py', String(servers.ports.imaps), join(work, 'ca.pem'), 'INBOX')],
  ]);
  table(`IMAP FETCH of one ${BIG / 2 ** 20} MiB message`, [
    ['imapflow (anchor)', await imapflow('Big')],
    ['@unitls/imap on tls-node', await oursImap(node, 'Big')],
    ['@unitls/imap on tls-openssl', await oursImap(openssl, 'Big')],
    ['Python imaplib', await python('imap.py', String(servers.ports.imaps), join(work, 'ca.pem'), 'Big')],
  ]);
  table(`POP3 RETR of ${N} messages`, [
    ['Python poplib (anchor)', await python('pop.py', String(servers.ports.pop3s), join(work, 'ca.pem'))],
    ['@unitls/pop on tls-node', await oursPop(node)],
    ['@unitls/pop on tls-openssl', await oursPop(openssl)],
  ]);
} finally {
  await servers.stop();
}
