/**
 * `openssl s_server` and `s_client` as independent peers. Ports are ephemeral (s_server prints
 * the one it bound on its ACCEPT line); every process is killed by the returned close().
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { peerMissing } from './peers.mjs';
import { reapOnDeath } from './reaper.js';

function requireOpenSSL(): void {
  const why = peerMissing(['openssl']);
  if (why !== null) throw new Error(why);
}

export interface OpenSSLServer {
  readonly port: number;
  /** Everything s_server printed so far. */
  output(): string;
  close(): Promise<void>;
}

function track(child: ChildProcessWithoutNullStreams): { output: () => string; exited: Promise<number | null> } {
  let text = '';
  child.stdout.on('data', (chunk: Buffer) => (text += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (text += chunk.toString()));
  // Dies with the test process however it ends (s_server outlived a killed worker, listening for ever).
  const forget = child.pid === undefined ? () => {} : reapOnDeath({ kill: child.pid, signal: 'SIGKILL' });
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => (forget(), resolve(code))));
  return { output: () => text, exited };
}

/** Starts `openssl s_server` on 127.0.0.1 with an ephemeral port and the given extra arguments. */
export async function startServer(args: string[]): Promise<OpenSSLServer> {
  requireOpenSSL();
  const child = spawn('openssl', ['s_server', '-accept', '127.0.0.1:0', ...args]);
  const { output, exited } = track(child);
  const port = await new Promise<number>((resolve, reject) => {
    const onData = () => {
      const match = /ACCEPT 127\.0\.0\.1:(\d+)/.exec(output());
      if (match) {
        child.stdout.off('data', onData);
        resolve(Number(match[1]));
      }
    };
    child.stdout.on('data', onData);
    void exited.then((code) => reject(new Error(`openssl s_server exited (${code}) before listening:\n${output()}`)));
  });
  return {
    port,
    output,
    close: async () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
  };
}

export interface ClientRun {
  readonly code: number | null;
  readonly output: string;
}

/**
 * Runs `openssl s_client` against 127.0.0.1:port, writes `input` and waits for `expect` in its
 * output (or its exit), then ends it.
 */
export async function runClient(port: number, args: string[], input: string, expect?: RegExp): Promise<ClientRun> {
  requireOpenSSL();
  const child = spawn('openssl', ['s_client', '-connect', `127.0.0.1:${port}`, ...args]);
  const { output, exited } = track(child);
  child.stdin.write(input);
  if (expect === undefined) child.stdin.end();
  else {
    await new Promise<void>((resolve) => {
      const check = () => {
        if (expect.test(output())) {
          child.stdout.off('data', check);
          resolve();
        }
      };
      child.stdout.on('data', check);
      void exited.then(() => resolve());
      check();
    });
    child.stdin.end();
  }
  const code = await exited;
  return { code, output: output() };
}
