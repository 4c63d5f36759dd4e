/**
 * Issue #16 item 3: what a tls-node client connect allocates in JavaScript, against a raw
 * tls.connect to the same server (one shared secure context each, as bench/probes/connect-alloc.ts
 * and the memory benchmark's clients do). Garbage made per connect is what grows V8's young
 * generation, which an idle process's RSS keeps. V8's sampling heap profiler, objects collected
 * since included, over N connects each (connect, then the server's first byte read), the server
 * in a process of its own (support/idle-server.ts, raw node:tls). The difference of the two, in
 * the same process and run: never a time.
 */
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuthority, issueCertificate } from '@unitls/demo-pki';

const N = 200;

describe('a tls-node client connect (issue #16 item 3)', () => {
  let ca: string;
  let port: number;
  let stop: () => Promise<void>;
  beforeAll(async () => {
    const authority = await createAuthority({ name: 'connect allocation test CA' });
    const leaf = await issueCertificate(authority, { names: ['localhost'] });
    ca = authority.certPem;
    const child = fork(fileURLToPath(new URL('./support/idle-server.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx', '--expose-gc'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = once(child, 'exit');
    const ready = once(child, 'message');
    child.send({ kind: 'raw', cert: leaf.certPem, key: leaf.keyPem });
    port = ((await ready) as [{ port: number }])[0].port;
    stop = async () => {
      child.kill();
      await exited;
    };
  });
  afterAll(async () => {
    await stop?.();
  });

  it('allocates at most 7 KiB more than a raw tls.connect', { timeout: 300_000 }, async () => {
    const child = fork(fileURLToPath(new URL('./support/connect-alloc-client.ts', import.meta.url)), [], {
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const exited = once(child, 'exit');
    const reply = once(child, 'message');
    child.send({ port, ca, n: N });
    const [readings] = (await reply) as [{ ours: number[]; raw: number[] }];
    await exited;
    // The lower reading of each (the profiler samples; the process does other work meanwhile).
    const [mine, theirs] = [Math.min(...readings.ours), Math.min(...readings.raw)];
    console.log(`JavaScript allocated per connect: raw node:tls ${readings.raw.map((b) => b.toFixed(0)).join(', ')} B, tls-node ${readings.ours.map((b) => b.toFixed(0)).join(', ')} B (+${(mine - theirs).toFixed(0)} B)`);
    expect(theirs).toBeGreaterThan(10_000);
    // Here (session 16, raw ~16.2-18.4 KB): tls-node +5.8 KB; +8.6 KB before mem16's cuts (an
    // options object spread four times, an async #handshake whose untilAborted and deadline site
    // were made without a deadline, a second 'connect' listener, an array iterator).
    expect(mine - theirs).toBeLessThan(7_168);
  });
});
