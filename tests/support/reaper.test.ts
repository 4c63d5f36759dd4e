/**
 * The daemons a test process starts (Postfix, Dovecot, nginx, vsftpd, openssl s_server) die with it however it ends:
 * a stand-in for a vitest worker (daemons-child.ts) starts them all, is killed (SIGKILL: no hook of
 * its own can run; SIGTERM), and afterwards no daemon process, listening port or folder of theirs
 * is left. Postfix detached from the test process and Dovecot was its orphaned child: both stayed up.
 */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it, vi } from 'vitest';
import { pki } from './fixtures.js';
import { mailServersUnavailable } from './mail-servers.js';
import { nginxUnavailable } from './nginx.js';
import { vsftpdUnavailable } from './vsftpd.js';

const CHILD = fileURLToPath(new URL('./daemons-child.ts', import.meta.url));

interface Started {
  reaper: number;
  ports: number[];
  dirs: string[];
  pids: number[];
}

/** Whether `pid` is a live process (a zombie, killed and not yet reaped by its new parent, is not). */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z /.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer().listen(port, '127.0.0.1');
    probe.once('listening', () => probe.close(() => resolve(true)));
    probe.once('error', () => resolve(false));
  });
}

const unavailable = mailServersUnavailable() ?? nginxUnavailable() ?? vsftpdUnavailable();

describe('daemons die with the test process', () => {
  // A machine without the daemons fails here with the reason (the project skips nothing).
  beforeAll(() => {
    if (unavailable !== null) throw new Error(unavailable);
  });

  it.each(['SIGKILL', 'SIGTERM'] as const)('killed with %s: no daemon, port or folder left', async (signal) => {
    const child = spawn(process.execPath, ['--import', 'tsx', CHILD, pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'), pki.path('root')], { stdio: ['ignore', 'pipe', 'pipe'] });
    const exited = new Promise((resolve) => child.once('exit', resolve));
    let output = '';
    let errors = '';
    child.stderr.on('data', (chunk: Buffer) => (errors += chunk.toString()));
    const line = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        if (output.includes('\n')) resolve(output.slice(0, output.indexOf('\n')));
      });
      child.once('exit', (code) => reject(new Error(`the child exited (${code}) before starting the daemons: ${errors}`)));
    });
    const started = JSON.parse(line) as Started;
    // Everything is up while the child lives.
    expect(started.pids.length).toBeGreaterThanOrEqual(4);
    expect(started.pids.every(alive)).toBe(true);
    for (const port of started.ports) expect(await bindable(port), `port ${port}`).toBe(false);
    expect(alive(started.reaper)).toBe(true);

    child.kill(signal);
    await exited;
    // The reaper exits once it has stopped everything.
    await vi.waitUntil(() => !alive(started.reaper), { timeout: 60_000, interval: 100 });
    // Postfix's master and Dovecot's end shortly after their stop; wait for that, then check the rest.
    await vi.waitUntil(() => !started.pids.some(alive), { timeout: 30_000, interval: 100 });
    for (const port of started.ports) expect(await bindable(port), `port ${port}`).toBe(true);
    for (const dir of started.dirs) expect(existsSync(dir), dir).toBe(false);
  }, 120_000);
});
