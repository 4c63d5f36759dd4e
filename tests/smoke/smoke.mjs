/**
 * One smoke case, run on any runtime (Node, Bun, Deno): plain JavaScript over the built packages,
 * as a user's script would be. `smoke.mjs CASE` with the servers in the UNITLS_SMOKE environment
 * variable (JSON: ports by server name, the CA file, the FTP file's name and SHA-256). Prints one
 * JSON line: `{ "status": "pass", "detail": ... }` or `{ "status": "error", "name", "code",
 * "message" }` for an error the packages raised. Anything else (a crash, no line) is a failure
 * the matrix reports as such. Each case runs in a process of its own, so a runtime that kills the
 * process in one case cannot hide the others.
 */
import { createHash } from 'node:crypto';

const env = JSON.parse(process.env.UNITLS_SMOKE ?? '{}');
const text = (bytes) => new TextDecoder().decode(bytes);

async function tls() {
  const { TLSClientConfiguration, TrustStore } = await import('@unitls/tls-core');
  return { config: new TLSClientConfiguration({ trustStore: TrustStore.fromFile(env.caFile) }) };
}

async function implementationOf(name) {
  return (await import(`@unitls/tls-${name}`)).implementation;
}

async function connect(name) {
  const { config } = await tls();
  const implementation = await implementationOf(name);
  const socket = await new implementation.clientContext(config).connect({ host: 'localhost', port: env.ports['openssl.ok'] }, { timeout: 20_000 });
  try {
    if (socket.getpeercert() === null) throw new Error('no peer certificate');
    return `${socket.negotiatedTlsVersion}`;
  } finally {
    await socket.close();
  }
}

/**
 * Connects to the openssl s_server `server` and expects a CertificateVerificationError with
 * `reason`; `connected` is the failure when the connection is made instead.
 */
async function refusedAs(name, server, reason, connected) {
  const { config } = await tls();
  const implementation = await implementationOf(name);
  try {
    const socket = await new implementation.clientContext(config).connect({ host: 'localhost', port: env.ports[server] }, { timeout: 20_000 });
    await socket.close();
  } catch (error) {
    const { CertificateVerificationError } = await import('@unitls/tls-core');
    if (error instanceof CertificateVerificationError && error.reason === reason) return `refused: ${error.reason}`;
    throw error;
  }
  throw new Error(connected);
}

const wrongHost = (name) => refusedAs(name, 'openssl.wronghost', 'hostname-mismatch', 'connected to a certificate for wrong.example as localhost');

/**
 * An expired server certificate must be reported as expired on every runtime (trial 10: Deno's
 * node:tls records one code for every chain failure, and tls-node called the expiry an untrusted
 * issuer, advising a CA the trust store already held).
 */
const expired = (name) => refusedAs(name, 'openssl.expired', 'expired', 'connected to a server whose certificate expired');

/**
 * Reads a Python ssl server that sends "data" and then ends with (`clean`) or without (`ragged`)
 * close_notify: the first must be a clean end, the second a RaggedEOF (PEP 748), never a clean
 * end that would hide a truncation.
 */
async function ending(name, kind) {
  const { config } = await tls();
  const { RaggedEOF } = await import('@unitls/tls-core');
  const implementation = await implementationOf(name);
  const socket = await new implementation.clientContext(config).connect({ host: 'localhost', port: env.ports[`python.${kind}`] }, { timeout: 20_000 });
  let data = '';
  try {
    for (;;) {
      const chunk = await socket.recv(65536);
      if (chunk.length === 0) break;
      data += text(chunk);
    }
  } catch (error) {
    if (kind === 'ragged' && error instanceof RaggedEOF && data === 'data') return 'RaggedEOF after "data"';
    throw error;
  } finally {
    await socket.close().catch(() => {});
  }
  if (kind === 'ragged') throw new Error(`a FIN without close_notify was reported as a clean end after ${JSON.stringify(data)}`);
  if (data !== 'data') throw new Error(`read ${JSON.stringify(data)} instead of "data"`);
  return 'clean end after "data"';
}

async function smtp() {
  const { config } = await tls();
  const { SMTP } = await import('@unitls/smtp');
  const client = new SMTP({ host: '127.0.0.1', port: env.ports['postfix.submission'], serverHostname: 'localhost', configuration: config, timeout: 20_000 });
  try {
    await client.connect();
    if (!client.secure) throw new Error('not upgraded to TLS');
    await client.login('alice', env.mailPassword);
    return 'STARTTLS + AUTH';
  } finally {
    await client.quit().catch(() => client.close());
  }
}

async function imap() {
  const { config } = await tls();
  const { IMAP4_SSL } = await import('@unitls/imap');
  const client = new IMAP4_SSL({ host: '127.0.0.1', port: env.ports['dovecot.imaps'], serverHostname: 'localhost', configuration: config, timeout: 20_000 });
  try {
    await client.connect();
    await client.login('alice', env.mailPassword);
    const inbox = await client.select('INBOX');
    return `INBOX ${inbox.exists} messages`;
  } finally {
    await client.logout().catch(() => client.close());
  }
}

/** FTPS download on the default implementation, or on `name` (tls-pure: the way on Deno, whose node:tls cannot resume the session vsftpd requires). */
async function ftps(name) {
  const { config } = await tls();
  const { FTP_TLS } = await import('@unitls/ftp');
  const implementation = name === undefined ? undefined : await implementationOf(name);
  const client = new FTP_TLS({ host: '127.0.0.1', port: env.ports['vsftpd.explicit'], serverHostname: 'localhost', configuration: config, timeout: 20_000, ...(implementation ? { implementation } : {}) });
  try {
    await client.connect();
    await client.login(env.ftpUser, env.ftpPassword);
    const hash = createHash('sha256');
    let size = 0;
    await client.retrbinary(`RETR ${env.ftpFile}`, (chunk) => {
      hash.update(chunk);
      size += chunk.length;
    });
    if (hash.digest('hex') !== env.ftpSha256) throw new Error('downloaded bytes differ');
    return `${size} bytes`;
  } finally {
    await client.quit().catch(() => client.close());
  }
}

async function fetchH2() {
  const { config } = await tls();
  const { createDispatcher, fetch } = await import('@unitls/http');
  const dispatcher = createDispatcher({ configuration: config });
  const response = await fetch(`https://localhost:${env.ports['nginx.h2']}/hello`, { dispatcher });
  const body = await response.text();
  if (body !== 'hello HTTP/2.0 TLSv1.3\n') throw new Error(`unexpected body ${JSON.stringify(body)}`);
  await dispatcher.close();
  return body.trim();
}

async function cliReport() {
  // @unitls/cli loads an implementation only when asked: importing it never loads tls-openssl.
  const { connectAndReport, loadImplementation } = await import('@unitls/cli');
  const report = await connectAndReport(await loadImplementation('node'), { host: 'localhost', port: env.ports['openssl.ok'], cafile: env.caFile, wait: 0 });
  if (!report.ok) throw new Error(report.lines.join('\n'));
  return `${report.negotiated.version}, chain of ${report.chain.length}`;
}

const CASES = {
  'connect tls-node': () => connect('node'),
  'connect tls-openssl': () => connect('openssl'),
  'wrong host tls-node': () => wrongHost('node'),
  'wrong host tls-openssl': () => wrongHost('openssl'),
  'connect tls-pure': () => connect('pure'),
  'wrong host tls-pure': () => wrongHost('pure'),
  'expired tls-node': () => expired('node'),
  'expired tls-pure': () => expired('pure'),
  'ragged EOF tls-node': () => ending('node', 'ragged'),
  'clean end tls-node': () => ending('node', 'clean'),
  'ragged EOF tls-pure': () => ending('pure', 'ragged'),
  'clean end tls-pure': () => ending('pure', 'clean'),
  'SMTP STARTTLS': smtp,
  'IMAP4_SSL': imap,
  'FTPS download': () => ftps(),
  'FTPS download tls-pure': () => ftps('pure'),
  'fetch h2': fetchH2,
  'unitls CLI report': cliReport,
};

const name = process.argv[2];
if (name === '--list') {
  process.stdout.write(`${JSON.stringify(Object.keys(CASES))}\n`);
} else {
  const run = CASES[name];
  let line;
  try {
    if (run === undefined) throw new Error(`unknown smoke case "${name}"`);
    line = { status: 'pass', detail: await run() };
  } catch (error) {
    line = { status: 'error', name: error?.constructor?.name, code: error?.code, message: String(error?.message ?? error) };
  }
  process.stdout.write(`${JSON.stringify(line)}\n`);
  // The case is over; lingering keep-alive timers are not what this run measures.
  process.exit(0);
}
