/**
 * Promises per POP3 RETR (issue #16 item 2): one by one, each RETR is 11 promises on every
 * implementation (before: 24 on tls-openssl and tls-pure, ~15 of them tls-core BufferSocket's send
 * and recv lanes; tls-node 10; session 12: 10 -> 11, the call's tracking for close() is one
 * reaction (InFlight.follow) instead of a WeakRef, which cost far more: bench/RESULTS.md
 * "Session 12: per-command cost"). The server is node:tls on callbacks (no promises of its own).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { POP3_SSL } from '@unitls/pop';
import { clientConfig } from '../support/fixtures.js';
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

describe.each(implementations.map((i) => [i.name, i] as const))('POP3 promises per RETR (%s)', (_, implementation) => {
  it('a RETR read one by one is 11 promises, and returns the message un-stuffed', async () => {
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
});
