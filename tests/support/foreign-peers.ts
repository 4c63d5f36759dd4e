/**
 * TLS stacks nobody here wrote, as peers of the conformance suite in one shape: GnuTLS
 * (`gnutls-serv`, `gnutls-cli`), Go's crypto/tls (tests/support/go, built once per machine and source), and
 * Python's ssl module (tests/support/python/tls_peer.py). Each can serve (both the EC and the RSA
 * fixture chains, every suite it has, tickets on) and connect as a client to a port we serve,
 * limited to one TLS version, resuming its first session when asked. Every process is killed by
 * close(); ports are the kernel's (or free ones probed first, for gnutls-serv).
 */
import { execFile, execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CIPHER_TABLE } from '@unitls/tls-node';
import { peerMissing } from './peers.mjs';
import type { Pki } from './pki.js';
import { reapOnDeath } from './reaper.js';
import { startGnutlsServ } from './gnutls-serv.js';

export type Version = 'TLSv1.2' | 'TLSv1.3';

/** A peer server: it answers one line per connection with a line that contains it. */
export interface PeerServer {
  readonly port: number;
  close(): Promise<void>;
}

/** What a peer client saw (its own report of the connection it made). */
export interface PeerClientResult {
  readonly ok: boolean;
  readonly error?: string;
  readonly version?: string;
  /** The suite id it reports. */
  readonly suite?: number;
  /** Whether its last connection resumed (with `resume`, the second). */
  readonly resumed: boolean;
  /** The line our server answered. */
  readonly reply?: string;
}

export interface PeerClient {
  /** Connects to 127.0.0.1:port limited to `version`, sends "ping\n" and reads one line; with `resume`, twice. */
  connect(request: { port: number; version: Version; resume?: boolean }): Promise<PeerClientResult>;
  close(): Promise<void>;
}

export interface ForeignPeer {
  readonly name: string;
  /** The PEP 748 suites it has, by id. */
  readonly suites: readonly number[];
  /** Whether it does the extended master secret (RFC 7627) in TLS 1.2. */
  readonly extendedMasterSecret: boolean;
  /** Why it cannot run here (a missing Debian package), or null. */
  missing(): string | null;
  server(pki: Pki): Promise<PeerServer>;
  client(pki: Pki): Promise<PeerClient>;
}

export const TLS13_SUITES = [0x1301, 0x1302, 0x1303, 0x1304, 0x1305] as const;
export const isTls13 = (id: number) => id >= 0x1301 && id <= 0x1305;
/** Suites whose TLS 1.2 authentication is ECDSA (an EC certificate); the other TLS 1.2 ones are RSA. */
export const isEcdsa12 = (id: number) => [0xc02b, 0xc02c, 0xc0ac, 0xc0ad, 0xc0ae, 0xc0af, 0xcca9].includes(id);
const ALL_SUITES = [...TLS13_SUITES, 0xc02b, 0xc02c, 0xc02f, 0xc030, 0xc0ac, 0xc0ad, 0xc0ae, 0xc0af, 0xcca8, 0xcca9];

const children = new Set<ChildProcessWithoutNullStreams>();

function track(child: ChildProcessWithoutNullStreams) {
  children.add(child);
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  // Dies with the test process however it ends (see reaper.ts).
  const forget = child.pid === undefined ? () => {} : reapOnDeath({ kill: child.pid, signal: 'SIGKILL' });
  const exited = new Promise<void>((resolve) => child.once('close', () => (children.delete(child), forget(), resolve())));
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return { output: () => text, exited, kill };
}

/** Starts a server that prints "LISTENING <port>" once it listens. */
async function listeningServer(command: string, args: string[], env?: NodeJS.ProcessEnv): Promise<PeerServer> {
  const child = spawn(command, args, { env: { ...process.env, ...env } });
  const { output, exited, kill } = track(child);
  const port = await new Promise<number>((resolve, reject) => {
    const check = () => {
      const match = /LISTENING (\d+)/.exec(output());
      if (match) resolve(Number(match[1]));
    };
    child.stdout.on('data', check);
    void exited.then(() => reject(new Error(`${command} exited before listening:\n${output()}`)));
  });
  return { port, close: kill };
}

/** A client driver that takes one JSON request per line on stdin and answers one JSON line each. */
function lineClient(command: string, args: string[], toResult: (raw: Record<string, unknown>) => PeerClientResult, env?: NodeJS.ProcessEnv): PeerClient {
  const child = spawn(command, args, { env: { ...process.env, ...env } });
  const { output, exited, kill } = track(child);
  const waiting: Array<(line: string) => void> = [];
  let buffered = '';
  child.stdout.on('data', (chunk: Buffer) => {
    buffered += chunk.toString();
    for (let at = buffered.indexOf('\n'); at >= 0; at = buffered.indexOf('\n')) {
      const line = buffered.slice(0, at);
      buffered = buffered.slice(at + 1);
      waiting.shift()?.(line);
    }
  });
  void exited.then(() => {
    for (const resolve of waiting.splice(0)) resolve(JSON.stringify({ ok: false, error: `${command} exited:\n${output()}` }));
  });
  return {
    connect: (request) =>
      new Promise<PeerClientResult>((resolve) => {
        waiting.push((line) => resolve(toResult(JSON.parse(line) as Record<string, unknown>)));
        child.stdin.write(`${JSON.stringify({ serverName: 'localhost', resume: false, ...request })}\n`);
      }),
    close: async () => {
      child.stdin.end();
      await Promise.race([exited, kill()]);
    },
  };
}

const opensslIds = new Map(CIPHER_TABLE.map(([id, , openssl]) => [openssl, id]));
const ianaIds = new Map(CIPHER_TABLE.map(([id, iana]) => [iana, id]));

// ---- GnuTLS -------------------------------------------------------------------------------------

const GNUTLS_PRIORITY = 'NORMAL:+AES-128-CCM:+AES-256-CCM:+AES-128-CCM-8:+AES-256-CCM-8';
const GNUTLS_CIPHERS: Record<string, number[]> = {
  'AES-128-GCM': [0x1301, 0xc02b, 0xc02f],
  'AES-256-GCM': [0x1302, 0xc02c, 0xc030],
  'CHACHA20-POLY1305': [0x1303, 0xcca9, 0xcca8],
  'AES-128-CCM': [0x1304, 0xc0ac],
  'AES-128-CCM-8': [0x1305, 0xc0ae],
  'AES-256-CCM': [0xc0ad],
  'AES-256-CCM-8': [0xc0af],
};

/** The suite of a gnutls-cli "- Description: (TLS1.2-X.509)-(ECDHE-SECP256R1)-(ECDSA-SECP256R1-SHA256)-(AES-128-GCM)" line. */
function gnutlsSuite(description: string): { version: string; suite?: number } {
  const parts = [...description.matchAll(/\(([^)]+)\)/g)].map((m) => m[1]!);
  const version = parts[0]?.startsWith('TLS1.3') ? 'TLSv1.3' : 'TLSv1.2';
  const candidates = GNUTLS_CIPHERS[parts.at(-1) ?? ''] ?? [];
  const ecdsa = (parts[2] ?? '').startsWith('ECDSA');
  const suite = candidates.find((id) => (version === 'TLSv1.3' ? isTls13(id) : !isTls13(id) && isEcdsa12(id) === ecdsa));
  return { version, suite };
}

export const gnutls: ForeignPeer = {
  name: 'GnuTLS',
  suites: ALL_SUITES,
  extendedMasterSecret: true,
  missing: () => peerMissing(['gnutls-bin']),
  async server(pki) {
    // Up once it says it listens, on a new port if another process took the first (gnutls-serv.ts).
    const server = await startGnutlsServ([
      '--echo', '--priority', GNUTLS_PRIORITY,
      '--x509certfile', pki.path('server-ec', 'chain.crt'), '--x509keyfile', pki.path('server-ec', 'key'),
      '--x509certfile', pki.path('server-rsa', 'chain.crt'), '--x509keyfile', pki.path('server-rsa', 'key'),
    ]);
    return { port: server.port, close: () => server.close() };
  },
  async client(pki) {
    return {
      async connect({ port, version, resume = false }) {
        const priority = `${GNUTLS_PRIORITY}:-VERS-ALL:+VERS-${version === 'TLSv1.3' ? 'TLS1.3' : 'TLS1.2'}`;
        const child = spawn('gnutls-cli', ['--port', String(port), '--x509cafile', pki.path('root'), '--priority', priority, ...(resume ? ['--resume'] : []), 'localhost']);
        const { output, exited, kill } = track(child);
        child.stdin.write('ping\n');
        await new Promise<void>((resolve) => {
          const check = () => (/pong/.test(output()) ? resolve() : undefined);
          child.stdout.on('data', check);
          void exited.then(() => resolve());
          check();
        });
        await kill();
        const text = output();
        const reply = /^(pong.*)$/m.exec(text)?.[1];
        const description = [...text.matchAll(/- Description: (.*)/g)].at(-1)?.[1];
        if (reply === undefined || description === undefined) return { ok: false, error: text, resumed: false };
        return { ok: true, ...gnutlsSuite(description), resumed: /This is a resumed session/.test(text), reply };
      },
      close: async () => {},
    };
  },
};

// ---- Go -------------------------------------------------------------------------------------------

const GO_SOURCE = fileURLToPath(new URL('./go/', import.meta.url));
let goBinary: Promise<string> | undefined;
let goEms: boolean | undefined;

/**
 * Builds tests/support/go once (Go's standard library only: no module is fetched) and keeps the
 * binary in the temp dir under the hash of its sources and of the Go toolchain, so a second run
 * on the same machine reuses it: a cold build compiles crypto/tls and takes tens of seconds on a
 * small machine. The build cache is a temp dir of its own, removed after the build.
 */
function buildGo(): Promise<string> {
  goBinary ??= (async () => {
    const goVersion = await new Promise<string>((resolve, reject) =>
      execFile('go', ['env', 'GOVERSION', 'GOROOT'], (error, stdout) => (error ? reject(new Error(`go env failed: ${error.message}`)) : resolve(stdout))),
    );
    const hash = createHash('sha256').update(goVersion);
    for (const file of ['go.mod', 'main.go']) hash.update(file).update(readFileSync(join(GO_SOURCE, file)));
    const cached = join(tmpdir(), 'unitls-go-peer', `tlspeer-${hash.digest('hex').slice(0, 16)}`);
    if (existsSync(cached)) return cached;
    const dir = mkdtempSync(join(tmpdir(), 'unitls-go-build-'));
    try {
      const built = join(dir, 'tlspeer');
      const env = { ...process.env, GOCACHE: join(dir, 'cache'), GOMODCACHE: join(dir, 'mod'), GOPATH: join(dir, 'gopath'), GOPROXY: 'off', GOFLAGS: '-mod=mod', CGO_ENABLED: '0' };
      await new Promise<void>((resolve, reject) =>
        execFile('go', ['build', '-o', built, '.'], { cwd: GO_SOURCE, env }, (error, _stdout, stderr) =>
          error ? reject(new Error(`go build of tests/support/go failed: ${stderr || error.message}`)) : resolve(),
        ),
      );
      mkdirSync(join(cached, '..'), { recursive: true });
      // rename is atomic: a run building the same sources at the same time leaves one whole binary.
      renameSync(built, cached);
      return cached;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  })();
  return goBinary;
}

export const go: ForeignPeer = {
  name: 'Go crypto/tls',
  // Go has no AES-CCM; its TLS 1.2 ECDHE AEAD suites are the GCM and ChaCha20 ones.
  suites: [0x1301, 0x1302, 0x1303, 0xc02b, 0xc02c, 0xc02f, 0xc030, 0xcca8, 0xcca9],
  // crypto/tls does RFC 7627 from Go 1.21 on; Debian 12's Go 1.19 does not.
  get extendedMasterSecret() {
    goEms ??= (() => {
      const version = /^go1\.(\d+)/.exec(execFileSync('go', ['env', 'GOVERSION'], { encoding: 'utf8' }).trim());
      return version === null || Number(version[1]) >= 21; // a development build ("devel ...") is new
    })();
    return goEms;
  },
  missing: () => peerMissing(['golang-go']),
  async server(pki) {
    const path = await buildGo();
    return listeningServer(path, ['server', '-cert', pki.path('server-ec', 'chain.crt'), '-key', pki.path('server-ec', 'key'), '-cert', pki.path('server-rsa', 'chain.crt'), '-key', pki.path('server-rsa', 'key')]);
  },
  async client(pki) {
    const path = await buildGo();
    return lineClient(path, ['client', '-root', pki.path('root')], (raw) => ({
      ok: raw.ok === true,
      error: raw.error as string | undefined,
      version: raw.version as string | undefined,
      suite: typeof raw.suite === 'string' ? Number(raw.suite) : undefined,
      resumed: raw.resumed === true,
      reply: raw.reply as string | undefined,
    }));
  },
};

// ---- Python's ssl ---------------------------------------------------------------------------------

const PYTHON_PEER = fileURLToPath(new URL('./python/tls_peer.py', import.meta.url));
let opensslConf: string | undefined;

/**
 * An OpenSSL configuration enabling the TLS 1.3 CCM suites, which Python cannot set itself (its
 * ssl module has no API for TLS 1.3 suites); given to Python only, through OPENSSL_CONF.
 */
function pythonEnv(): NodeJS.ProcessEnv {
  if (opensslConf === undefined) {
    const dir = mkdtempSync(join(tmpdir(), 'unitls-python-ssl-'));
    opensslConf = join(dir, 'openssl.cnf');
    writeFileSync(
      opensslConf,
      [
        'openssl_conf = openssl_init',
        '[openssl_init]',
        'ssl_conf = ssl_sect',
        '[ssl_sect]',
        'system_default = system_default_sect',
        '[system_default_sect]',
        'Ciphersuites = TLS_AES_256_GCM_SHA384:TLS_CHACHA20_POLY1305_SHA256:TLS_AES_128_GCM_SHA256:TLS_AES_128_CCM_SHA256:TLS_AES_128_CCM_8_SHA256',
        '',
      ].join('\n'),
    );
  }
  return { OPENSSL_CONF: opensslConf, PYTHONUNBUFFERED: '1' };
}

/** Removes the OpenSSL configuration written for Python. */
export function cleanUpPython(): void {
  if (opensslConf !== undefined) rmSync(join(opensslConf, '..'), { recursive: true, force: true });
  opensslConf = undefined;
}

export const python: ForeignPeer = {
  name: "Python's ssl",
  suites: ALL_SUITES,
  extendedMasterSecret: true,
  missing: () => peerMissing(['python3']),
  server: (pki) =>
    listeningServer('python3', [PYTHON_PEER, 'server', pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'), pki.path('server-rsa', 'chain.crt'), pki.path('server-rsa', 'key')], pythonEnv()),
  client: async (pki) =>
    lineClient(
      'python3',
      [PYTHON_PEER, 'client', pki.path('root')],
      (raw) => ({
        ok: raw.ok === true,
        error: raw.error as string | undefined,
        version: raw.version as string | undefined,
        suite: typeof raw.suite === 'string' ? (opensslIds.get(raw.suite) ?? ianaIds.get(raw.suite)) : undefined,
        resumed: raw.resumed === true,
        reply: raw.reply as string | undefined,
      }),
      pythonEnv(),
    ),
};

/** Kills whatever peer process is still running (a test that failed half-way). */
export async function killPeers(): Promise<void> {
  await Promise.all(
    [...children].map((child) => {
      if (child.exitCode !== null || child.signalCode !== null) return undefined;
      const closed = new Promise((resolve) => child.once('close', resolve));
      child.kill('SIGKILL');
      return closed;
    }),
  );
}
