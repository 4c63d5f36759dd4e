/**
 * Promises per POP3 RETR (issue #16 item 2): one by one, each RETR is 11 promises on every
 * implementation (before: 24 on tls-openssl and tls-pure, ~15 of them tls-core BufferSocket's send
 * and recv lanes; tls-node 10; session 12: 10 -> 11, the call's tracking for close() is one
 * reaction (InFlight.follow) instead of a WeakRef, which cost far more: bench/RESULTS.md
 * "Session 12: per-command cost"). The server is node:tls on callbacks (no promises of its own).
 *
 * And the JavaScript allocated per RETR one by one (session 16, pop16): V8's sampling heap
 * profiler, objects collected since included, over 200 RETRs, counting only what unitls's code
 * allocates (a sample whose stack holds a frame of packages/: the server here has none). A RETR was
 * an async function (an await context and two closures per send and per read), a Set add and
 * delete per call (InFlight), a new chunk array per reply (LineReader), a RegExp match per +OK, an
 * executor closure per send on tls-node and three closures per send on tls-openssl and tls-pure.
 * Measured (B per RETR, before / after): tls-node 4,908 / 4,214, tls-openssl 6,278 / 5,415,
 * tls-pure 10,397 / 9,426; each bound sits between the two.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { POP3_SSL } from '@unitls/pop';
import type { TLSImplementation } from '@unitls/tls-core';
import { clientConfig } from '../support/fixtures.js';
import { sampleAllocations, type ProfileNode } from '../support/heap-sampling.js';
import { promisesCreatedDuring } from '../support/promise-count.js';
import { replyingServer, type ReplyingServer } from '../support/replying-server.js';
import { implementations } from '../conformance/implementations.js';

const BODY = Array.from({ length: 40 }, (_, i) => `${i === 7 ? '.' : ''}line ${i} of a small message`).join('\r\n') + '\r\n';
// Dot-stuffed on the wire (RFC 1939 §3): the line starting with '.' goes out as '..'.
const WIRE = BODY.replace(/^\./gm, '..');

const servers: ReplyingServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

const RETRS = 200;

/** Bytes sampled under a frame of unitls's packages (the node or one of its callers). */
function unitlsBytes(node: ProfileNode, inUnitls = false): number {
  const ours = inUnitls || node.callFrame.url.includes('/packages/');
  return (ours ? node.selfSize : 0) + node.children.reduce((sum, child) => sum + unitlsBytes(child, ours), 0);
}

/** Bytes of JavaScript unitls allocates while `work` runs (sampled every 64 bytes on average). */
const allocatedDuring = async (work: () => Promise<void>): Promise<number> => unitlsBytes(await sampleAllocations(work, 64));

/** A client logged in to a server that answers every RETR with BODY, warmed by 20 RETRs. */
async function loggedIn(implementation: TLSImplementation): Promise<POP3_SSL> {
  const server = await replyingServer('+OK ready\r\n', () => (line) => {
    if (line.startsWith('RETR ')) return `+OK ${BODY.length} octets\r\n${WIRE}.\r\n`;
    if (line === 'QUIT') return { last: '+OK bye\r\n' };
    return '+OK\r\n';
  });
  servers.push(server);
  const pop = new POP3_SSL({ host: '127.0.0.1', port: server.port, serverHostname: 'localhost', implementation, configuration: clientConfig() });
  await pop.connect();
  await pop.user('bob');
  await pop.pass_('secret');
  for (let i = 0; i < 20; i++) expect(Buffer.from(await pop.retr(1)).toString('latin1')).toBe(BODY);
  return pop;
}

/** Per implementation (its name): under the bound now, over it before (see the module). */
const BOUND: Record<string, number> = { node: 4550, openssl: 5850, pure: 9900 };

describe.each(implementations.map((i) => [i.name, i] as const))('POP3 promises and allocation per RETR (%s)', (name, implementation) => {
  it('a RETR read one by one is 11 promises, and returns the message un-stuffed', async () => {
    const pop = await loggedIn(implementation);
    const count = 100;
    const { promises, result } = await promisesCreatedDuring(async () => {
      let last: Uint8Array | null = null;
      for (let i = 0; i < count; i++) last = await pop.retr(1);
      return last;
    });
    // Rounded: the count includes a few promises of the measurement itself, not per RETR.
    expect(Math.round(promises / count)).toBe(11);
    expect(Buffer.from(result!).toString('latin1')).toBe(BODY);
    await pop.quit();
  });

  it(`a RETR read one by one allocates under ${BOUND[name]} B of JavaScript in unitls's code`, async () => {
    const pop = await loggedIn(implementation);
    // More warm-up: what later calls reuse is compiled by then.
    for (let i = 0; i < 30; i++) await pop.retr(1);
    let last: Uint8Array | null = null;
    const bytes = await allocatedDuring(async () => {
      for (let i = 0; i < RETRS; i++) last = await pop.retr(1);
    });
    expect(Buffer.from(last!).toString('latin1')).toBe(BODY);
    await pop.quit();
    const perRetr = Math.round(bytes / RETRS);
    expect(perRetr, `${perRetr} B of JavaScript per RETR`).toBeLessThan(BOUND[name]!);
  });
});
