/**
 * Runs README examples against local servers: what tests/docs/readme-examples.test.ts checks and
 * what `npm run examples` (try.ts) does for a user. One copy of the servers' set-up (credentials,
 * files, routes), of the folder an example runs in and of the runner.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { groupOf, startLocalServers, type LocalServers } from '../../support/local-servers.js';
import type { Pki } from '../../support/pki.js';
import type { Example } from '../examples.js';

export const root = fileURLToPath(new URL('../../../', import.meta.url));

/** The password of every account the examples use (alice, bob; FTP's alice). */
export const EXAMPLE_PASSWORD = 'secret';

/** The file the FTP server and nginx serve as big.iso, and examples find in their folder. */
export const BIG_FILE = randomBytes(1 << 20);

/** 'HOST:PORT' -> local server name, for every route any of the examples names. */
export function routesOf(examples: readonly Example[]): Record<string, string> {
  return Object.assign({}, ...examples.map((e) => e.routes)) as Record<string, string>;
}

/** Starts the servers the examples' routes name (groups of tests/support/local-servers.ts). */
export async function startExampleServers(examples: readonly Example[], pki: Pki): Promise<LocalServers> {
  const routes = routesOf(examples);
  const groups = new Set(Object.values(routes).map(groupOf));
  let servers: LocalServers | undefined;
  const portFor = (target: string) => (routes[target] === undefined ? undefined : servers!.port(routes[target]));
  servers = await startLocalServers(groups, {
    pki,
    leaf: 'examples',
    mailPasswords: { alice: EXAMPLE_PASSWORD, bob: EXAMPLE_PASSWORD },
    ftpAccount: { user: 'alice', password: EXAMPLE_PASSWORD },
    files: { 'big.iso': BIG_FILE },
    // The proxy's tunnels go where the examples' routes say.
    route: (host, port) => ({ host: '127.0.0.1', port: portFor(`${host}:${port}`) ?? port }),
  });
  return servers;
}

/**
 * Makes `dir` the folder an example runs in: the files examples read (server.pem, server.key,
 * test-server.pem, client.pem, client.key, ca.pem, big.iso). ca.pem is the trust store
 * (SSL_CERT_FILE) that makes the local servers' certificate for example.org & co. trusted.
 */
export function fixtureFolder(dir: string, pki: Pki): string {
  mkdirSync(dir, { recursive: true });
  const files: Record<string, string> = {
    'server.pem': pki.path('examples', 'chain.crt'),
    'server.key': pki.path('examples', 'key'),
    'test-server.pem': pki.path('examples'),
    'client.pem': pki.path('client'),
    'client.key': pki.path('client', 'key'),
  };
  for (const [file, from] of Object.entries(files)) copyFileSync(from, join(dir, file));
  writeFileSync(join(dir, 'ca.pem'), pki.pem('root') + pki.pem('intermediate'));
  writeFileSync(join(dir, 'big.iso'), BIG_FILE);
  return dir;
}

export interface ExampleRun {
  stdout: string;
  stderr: string;
  /** The exit code; 0 also when it was ended after finishing with what it must print; null: timed out. */
  code: number | null;
  /** The example's top level ran to its end without throwing. */
  finished: boolean;
}

export interface RunOptions {
  /** The module to run (.mts/.ts through tsx, .mjs/.js in plain Node). */
  file: string;
  /** The folder it runs in (fixtureFolder). */
  cwd: string;
  /** 'HOST:PORT' -> local port: where its connections to HOST:PORT go. */
  routes: Record<string, number>;
  /** Ports it listens on that get an ephemeral port instead. */
  listen?: number[];
  /** What it must print before it is ended (it may leave sockets open). */
  expect?: string[];
  /** ms; default 90 s. */
  timeout?: number;
  /**
   * Run until it exits by itself, not until its top level finished (a program of the user's):
   * event-style code (node:tls's connect callback, 'data' / 'end' handlers) prints after its top
   * level, and ending it there dropped all of that and still called it ok (trial16).
   */
  untilExit?: boolean;
  /** Sees the output as it comes (try.ts prints it). */
  onOutput?: (stream: 'stdout' | 'stderr', text: string) => void;
}

const FINISHED = '[example finished]';

/** Runs one example module with its connections routed to the local servers. */
export function runExample(options: RunOptions): Promise<ExampleRun> {
  const { file, cwd, routes, listen = [], expect = [], timeout = 90_000, onOutput, untilExit = false } = options;
  const typescript = /\.[mc]?ts$/.test(file);
  const child = spawn(
    process.execPath,
    [...(typescript ? ['--import', import.meta.resolve('tsx')] : []), '--import', join(root, 'tests/docs/examples/route.mjs'), join(root, 'tests/docs/examples/run.mjs'), file],
    {
      cwd,
      env: { ...process.env, SSL_CERT_FILE: join(cwd, 'ca.pem'), SSL_CERT_DIR: '', UNITLS_EXAMPLE_ROUTES: JSON.stringify(routes), UNITLS_EXAMPLE_LISTEN: JSON.stringify(listen) },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let stdout = '';
  let stderr = '';
  return new Promise((resolve) => {
    const done = (code: number | null) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve({ stdout, stderr, code, finished: stdout.includes(FINISHED) });
    };
    // Sockets an example leaves open keep it alive: it is over once it finished and printed what it should.
    const check = () => {
      if (!untilExit && stdout.includes(FINISHED) && expect.every((text) => stdout.includes(text))) done(0);
    };
    const timer = setTimeout(() => done(null), timeout);
    child.stdout.on('data', (chunk: Buffer) => ((stdout += chunk.toString()), onOutput?.('stdout', chunk.toString()), check()));
    child.stderr.on('data', (chunk: Buffer) => ((stderr += chunk.toString()), onOutput?.('stderr', chunk.toString())));
    child.once('exit', (code) => setImmediate(() => done(code)));
  });
}

/** Writes an example's code to `dir` and runs it there. */
export function runReadmeExample(example: Example, dir: string, servers: LocalServers, onOutput?: RunOptions['onOutput']): Promise<ExampleRun> {
  const file = join(dir, example.lang === 'ts' ? 'example.mts' : 'example.mjs');
  writeFileSync(file, example.code);
  const routes = Object.fromEntries(Object.entries(example.routes).map(([target, server]) => [target, servers.port(server)]));
  return runExample({ file, cwd: dir, routes, listen: example.listen, expect: example.expect, onOutput });
}
