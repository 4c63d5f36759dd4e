/**
 * gnutls-serv on a free port, counted as up only once it listens. It takes no port 0 and prints
 * no port of its own, so a free one is probed first; it prints "listening on IPv4 ... port N..."
 * before it binds and "done" after, or "bind() failed" when another process bound the port in
 * between; it then exits or stays up listening on nothing (CI of 3e0bd6e: waiting on the first
 * half of that line, or on the port alone, which the other process then held, timed out). Then it
 * is killed and a new port is tried, three in all. The process dies with the test process however
 * that ends (reaper.ts).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { freePort } from './daemons.js';
import { reapOnDeath } from './reaper.js';

/** What gnutls-serv prints once its IPv4 socket is bound and listening. */
export const GNUTLS_SERV_READY = /listening on IPv4[^\n]*\.\.\.done/;
/**
 * What it prints when the IPv4 socket could not be bound: "listening on IPv4 0.0.0.0 port N...bind()
 * failed: Address already in use". GnuTLS 3.7 then stays up listening on nothing (or on IPv6 only).
 */
const GNUTLS_SERV_FAILED = /listening on IPv4[^\n]*?\.\.\.(?!done)([^\n]*)\n/;

export interface GnutlsServ {
  readonly port: number;
  readonly child: ChildProcessWithoutNullStreams;
  /** Everything it printed so far (stdout and stderr). */
  output(): string;
  /** Kills it (SIGKILL) and waits for it to exit. */
  close(): Promise<void>;
}

export interface GnutlsServOptions {
  /** Where ports come from (tests of this helper); default: a free port probed by daemons.ts. */
  port?: () => Promise<number>;
  /** How many ports to try (default 3). */
  attempts?: number;
}

/**
 * Starts `gnutls-serv --port N ...args` and resolves once it listens.
 *
 * @throws Error with its output when it exited before listening on each of the ports tried.
 */
export async function startGnutlsServ(args: readonly string[], options: GnutlsServOptions = {}): Promise<GnutlsServ> {
  const attempts = options.attempts ?? 3;
  const failures: string[] = [];
  for (let attempt = 1; attempt <= attempts; attempt++) {
    const port = await (options.port ?? freePort)();
    const started = await once(port, args);
    if ('server' in started) return started.server;
    failures.push(`port ${port}: ${started.failure}`);
  }
  throw new Error(`gnutls-serv did not start on ${attempts} ports:\n${failures.join('\n')}`);
}

/** One try on `port`: the server once it listens, or why it exited first. */
function once(port: number, args: readonly string[]): Promise<{ server: GnutlsServ } | { failure: string }> {
  const child = spawn('gnutls-serv', ['--port', String(port), ...args]);
  const forget = child.pid === undefined ? () => {} : reapOnDeath({ kill: child.pid, signal: 'SIGKILL' });
  let text = '';
  const exited = new Promise<void>((resolve) => child.once('close', () => (forget(), resolve())));
  const close = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
  };
  return new Promise((resolve) => {
    let settled = false;
    const check = () => {
      if (settled) return;
      if (GNUTLS_SERV_READY.test(text)) {
        settled = true;
        resolve({ server: { port, child, output: () => text, close } });
      } else if (GNUTLS_SERV_FAILED.test(text)) {
        settled = true;
        void close().then(() => resolve({ failure: `could not listen: ${GNUTLS_SERV_FAILED.exec(text)![1]}\n${text}` }));
      }
    };
    child.stdout.on('data', (chunk: Buffer) => ((text += chunk.toString()), check()));
    child.stderr.on('data', (chunk: Buffer) => ((text += chunk.toString()), check()));
    // Not started at all (no gnutls-serv): 'close' may never come.
    child.once('error', (error) => {
      if (settled) return;
      settled = true;
      forget();
      resolve({ failure: `could not be started: ${error.message}` });
    });
    void exited.then(() => {
      if (settled) return;
      settled = true;
      resolve({ failure: `exited (${child.exitCode ?? child.signalCode}) before listening:\n${text}` });
    });
  });
}
