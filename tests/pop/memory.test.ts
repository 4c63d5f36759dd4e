/**
 * Issue #18 item 7 for POP3: floods of tiny lines in LIST and RETR once held 22-36x the bytes
 * received (8 MiB in, ~280 MiB held: a Buffer per line, then a re-join). Now a message is
 * collected into one buffer as it arrives and a listing is parsed line by line, so what is held
 * stays within a small factor of what the call returns.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { POP3 } from '@unitls/pop';
import { useScriptedServers } from '../support/scripted-server.js';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
const held = () => {
  gc();
  gc();
  const { heapUsed, arrayBuffers } = process.memoryUsage();
  return heapUsed + arrayBuffers;
};
const tick = () => new Promise((resolve) => setImmediate(resolve));

const scripted = useScriptedServers();

describe('memory held by POP3 (plain loopback; the TLS layer is not what is measured)', () => {
  /** A server that logs in anyone and answers the other commands with `answer` (bytes made before the measurement starts). */
  const answering = (answer: Buffer) =>
    scripted(async (c) => {
      c.write('+OK ready\r\n');
      for (let line = await c.line(); line !== null; line = await c.line()) {
        if (line.startsWith('USER') || line.startsWith('PASS') || line === 'QUIT') c.write('+OK\r\n');
        else c.write(answer);
      }
    });
  const client = async (port: number) => {
    const pop = new POP3({ host: '127.0.0.1', port, security: 'plaintext', allowPlaintextAuth: true, timeout: 60_000 });
    await pop.connect();
    await pop.user('alice');
    await pop.pass_('secret');
    return pop;
  };

  it('RETR of a message of 2 million one-byte lines holds about the message, nothing per line', async () => {
    const lines = 2_000_000;
    const s = await answering(Buffer.from(`+OK ${lines * 3} octets\r\n${'x\r\n'.repeat(lines)}.\r\n`));
    const pop = await client(s.port);
    const before = held();
    const message = await pop.retr(1);
    await tick();
    const during = held() - before;
    expect(message.length).toBe(lines * 3);
    console.log(`RETR: ${message.length} bytes returned, ${during} held (${(during / message.length).toFixed(2)}x)`);
    expect(during).toBeLessThan(1.5 * message.length);
    await pop.close();
  });

  it('LIST of 500,000 entries holds a small multiple of the listing, and nothing after', async () => {
    const count = 500_000;
    let wire = '+OK\r\n';
    for (let i = 1; i <= count; i++) wire += `${i} ${1000 + (i % 9000)}\r\n`;
    const listing = Buffer.byteLength(wire);
    const s = await answering(Buffer.from(`${wire}.\r\n`));
    const pop = await client(s.port);
    const before = held();
    let result: Awaited<ReturnType<POP3['list']>> | null = await pop.list();
    await tick();
    const during = held() - before;
    expect(result).toHaveLength(count);
    expect(result[count - 1]).toEqual({ message: count, octets: 1000 + (count % 9000) });
    result = null;
    await tick();
    console.log(`LIST: ${listing} bytes received, ${during} held (${(during / listing).toFixed(2)}x)`);
    // ~12 bytes a line on the wire; each entry is an object of two numbers (40 bytes without
    // pointer compression) and its array slot: the factor is the objects', nothing per line is kept.
    expect(during).toBeLessThan(8 * listing);
    expect(held() - before).toBeLessThan(listing / 4);
    await pop.close();
  });
});
