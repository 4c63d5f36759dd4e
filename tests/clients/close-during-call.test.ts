/**
 * close() while a call waits for its reply (trial 10, finding 7): in
 * `try { await c.connect(); return c.noop(); } finally { await c.close(); }` the caller attaches its
 * handler to the call's promise only after the finally, and close() rejects the call while the
 * caller waits in it. The caller must still get the error, and the process must see no unhandled
 * rejection (Node's default mode ends the process on one). Before the fix: one
 * 'unhandledRejection' per client here. (A failure close() did not cause, a timeout nobody awaits,
 * still reports as unhandled: vitest fails a run on one, so that is not pinned here.)
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SMTP } from '@unitls/smtp';
import { IMAP4 } from '@unitls/imap';
import { POP3 } from '@unitls/pop';
import { FTP } from '@unitls/ftp';
import { clientConfig } from '../support/fixtures.js';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';

const scripted = useScriptedServers();
const common = { host: '127.0.0.1', serverHostname: 'localhost', configuration: clientConfig(), security: 'plaintext' as const, timeout: 5000 };

let unhandled: unknown[] = [];
const record = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', record);
});
afterEach(() => {
  process.off('unhandledRejection', record);
});

/** Node reports unhandled rejections after the microtask queue drains: two macrotask turns. */
async function settled(): Promise<void> {
  for (let i = 0; i < 2; i++) await new Promise((resolve) => setImmediate(resolve));
}

interface Client {
  connect(): Promise<unknown>;
  close(): Promise<void>;
}

/** The trial's pattern: the call's promise returned, not awaited, from a try with close() in its finally. */
async function callThenClose<C extends Client>(client: C, call: (client: C) => Promise<unknown>): Promise<unknown> {
  try {
    await client.connect();
    return call(client);
  } finally {
    await client.close();
  }
}

/** A server that greets, then reads the call's command and answers nothing until the client leaves. */
function silentAfter(greeting: string, before?: (c: ScriptConnection) => Promise<void>) {
  return async (c: ScriptConnection): Promise<void> => {
    c.write(greeting);
    await before?.(c);
    await c.line(); // the call's command
    await c.line(); // EOF: the client closed
  };
}

const cases: Array<{ name: string; greeting: string; before?: (c: ScriptConnection) => Promise<void>; run: (port: number) => Promise<unknown>; error: RegExp }> = [
  {
    name: 'SMTP noop',
    greeting: '220 test ESMTP\r\n',
    run: (port) => callThenClose(new SMTP({ ...common, port, localHostname: 'client.test' }), (s) => s.noop()),
    error: /closed by close\(\) while a call was in progress/,
  },
  {
    name: 'IMAP4 noop',
    greeting: '* PREAUTH test ready\r\n',
    before: async (c) => {
      const tag = ((await c.line()) ?? '').split(' ')[0];
      c.write(`* CAPABILITY IMAP4rev1\r\n${tag} OK done\r\n`);
    },
    run: (port) => callThenClose(new IMAP4({ ...common, port }), (s) => s.noop()),
    error: /closed by close\(\) while a call was in progress/,
  },
  {
    name: 'POP3 capa',
    greeting: '+OK test ready\r\n',
    run: (port) => callThenClose(new POP3({ ...common, port }), (s) => s.capa()),
    error: /closed by close\(\) while a call was in progress/,
  },
  {
    name: 'FTP pwd',
    greeting: '220 test ready\r\n',
    run: (port) => callThenClose(new FTP({ host: common.host, port, timeout: common.timeout }), (s) => s.pwd()),
    error: /closed by close\(\) while a call was in progress/,
  },
];

describe('close() while a call is in progress', () => {
  for (const { name, greeting, before, run, error } of cases) {
    it(`${name}: the caller gets the error, and no rejection goes unhandled`, async () => {
      const server = await scripted(silentAfter(greeting, before));
      await expect(run(server.port)).rejects.toThrow(error);
      await settled();
      expect(unhandled).toEqual([]);
      await server.done();
      expect(server.allClosed()).toBe(true);
    });
  }

  // POP3 and FTP keep weak references to their calls (client-kit InFlight); up to session 10 to the
  // last 8 only (review 10): a call still waiting at close() that 8 later calls had pushed out
  // rejected unhandled.
  it('POP3 with PIPELINING: 12 capa() calls sent at once, close() while all wait: each rejects for its caller, none unhandled', async () => {
    const server = await scripted(async (c) => {
      c.write('+OK test ready\r\n');
      await c.line(); // CAPA
      c.write('+OK\r\nPIPELINING\r\n.\r\n');
      while ((await c.line()) !== null); // the pipelined commands, answered never, until the client leaves
    });
    const pop = new POP3({ ...common, port: server.port });
    await pop.connect();
    await pop.capa();
    const calls = Array.from({ length: 12 }, () => pop.capa());
    await pop.close();
    await settled();
    const results = await Promise.allSettled(calls);
    expect(unhandled).toEqual([]);
    for (const result of results) expect(String((result as PromiseRejectedResult).reason)).toMatch(/closed by close\(\) while a call was in progress/);
    await server.done();
    expect(server.allClosed()).toBe(true);
  });

  it('FTP: a pwd() waiting, 11 more refused meanwhile (one reply awaited at a time), then close(): the waiting one rejects for its caller, not unhandled', async () => {
    const server = await scripted(silentAfter('220 test ready\r\n'));
    const ftp = new FTP({ host: common.host, port: server.port, timeout: common.timeout });
    await ftp.connect();
    const waiting = ftp.pwd();
    for (let i = 0; i < 11; i++) await expect(ftp.pwd()).rejects.toThrow(/still awaited/);
    await ftp.close();
    await settled();
    const [result] = await Promise.allSettled([waiting]);
    expect(unhandled).toEqual([]);
    expect(String((result as PromiseRejectedResult).reason)).toMatch(/closed by close\(\) while a call was in progress/);
    await server.done();
    expect(server.allClosed()).toBe(true);
  });
});
