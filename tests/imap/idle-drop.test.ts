/**
 * IMAP IDLE when the server drops mid-IDLE, beyond state.test.ts's drop after one update, on every
 * implementation (implicit TLS, a scripted server): the server's TCP socket destroyed (no
 * close_notify) right after "+ idling", and after a burst of 2000 updates that the caller reads
 * slowly (the reader lags behind the network: the drop is seen while updates are still queued).
 * Each time every update sent is yielded, in order, before the loop rejects with IMAP4Abort (its
 * cause RaggedEOF where the implementation reports one), nothing is an unhandled rejection, and
 * the client is closed (state LOGOUT, logout() a no-op).
 */
import { describe, expect, it } from 'vitest';
import { RaggedEOF } from '@unitls/tls-core';
import { IMAP4_SSL, IMAP4Abort, type IMAP4Options } from '@unitls/imap';
import { clientConfig, pki } from '../support/fixtures.js';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';
import { implementations } from '../conformance/implementations.js';

const scripted = useScriptedServers();
const tagOf = (line: string | null) => (line ?? '').split(' ')[0];
const turns = async (count: number) => {
  for (let i = 0; i < count; i++) await new Promise((resolve) => setImmediate(resolve));
};

/** Implicit TLS, PREAUTH with IDLE, SELECT answered; IDLE gets "+ idling", `updates`, then the TCP socket is destroyed. */
function idleThenDrop(updates: number) {
  return async (c: ScriptConnection) => {
    const raw = c.socket;
    await c.startTls(pki.pem('server-ec', 'chain.crt'), pki.pem('server-ec', 'key'));
    c.write('* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi\r\n');
    const select = await c.line();
    c.write(`* 2 EXISTS\r\n${tagOf(select)} OK [READ-WRITE] done\r\n`);
    await c.line(); // IDLE
    let burst = '+ idling\r\n';
    for (let i = 1; i <= updates; i++) burst += `* ${i + 2} EXISTS\r\n`;
    await new Promise<void>((resolve) => c.socket.write(burst, () => resolve()));
    raw.destroy();
  };
}

/** Runs `work`; returns what it rejected with and the unhandled rejections seen meanwhile. */
async function rejection(work: () => Promise<void>): Promise<{ error: unknown; unhandled: unknown[] }> {
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', record);
  try {
    const error = await work().then(() => null, (e: unknown) => e);
    await turns(2);
    return { error, unhandled };
  } finally {
    process.off('unhandledRejection', record);
  }
}

describe.each(implementations.map((each) => [each.name, each] as const))('IDLE and a server that drops mid-IDLE (%s)', (_, implementation) => {
  const open = (port: number) => {
    const options: IMAP4Options = { host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 5000 };
    return new IMAP4_SSL(options);
  };

  it.each([
    ['a drop right after "+ idling"', 0],
    ['2000 updates then a drop, read slowly', 2000],
  ])('%s: IMAP4Abort, updates in order, no unhandled rejection, closed', async (_name, updates) => {
    const server = await scripted(idleThenDrop(updates));
    const imap = open(server.port);
    await imap.connect();
    await imap.select();
    const seen: number[] = [];
    const { error, unhandled } = await rejection(async () => {
      for await (const update of imap.idle()) {
        seen.push(Number((update as { number?: number }).number ?? Number.NaN));
        if (seen.length % 50 === 0) await turns(20);
      }
    });
    expect(error, String(error)).toBeInstanceOf(IMAP4Abort);
    if (implementation.features.raggedEOF) expect((error as Error).cause).toBeInstanceOf(RaggedEOF);
    else expect((error as Error).cause).toBeDefined();
    expect(unhandled).toEqual([]);
    expect(seen).toEqual(Array.from({ length: updates }, (_, i) => i + 3));
    expect(imap.state).toBe('LOGOUT');
    await imap.logout();
  });
});
