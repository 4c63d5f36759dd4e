/**
 * POP3 numbers as RFC 1939 writes them: decimal digits (the breaker's findings). STAT and LIST
 * were read with Number(), so "-5", "0x10", "1e3" or " 1.0" passed as sizes and counts.
 * A scripted server over a plain connection: nothing here depends on TLS.
 */
import { describe, expect, it } from 'vitest';
import { POP3, POP3ProtocolError, POP3UsageError } from '@unitls/pop';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';

const hostile = useScriptedServers();

/** Greets, accepts USER and PASS, then answers the next command with `answer`. */
async function answering(c: ScriptConnection, answer: string): Promise<void> {
  c.write('+OK ready\r\n');
  await c.line(); // USER
  c.write('+OK\r\n');
  await c.line(); // PASS
  c.write('+OK\r\n');
  await c.line();
  c.write(answer);
  if ((await c.line()) === 'QUIT') c.write('+OK bye\r\n');
}

async function session(port: number): Promise<POP3> {
  const pop = new POP3({ host: '127.0.0.1', port, security: 'plaintext', allowPlaintextAuth: true, timeout: 10_000 });
  await pop.connect();
  await pop.user('alice');
  await pop.pass_('secret');
  return pop;
}

describe('POP3 numbers are decimal digits (RFC 1939 §5)', () => {
  it.each<['STAT' | 'LIST', string, string]>([
    ['STAT', '+OK -1 -5\r\n', 'a negative count'],
    ['STAT', '+OK 0x10 1e3\r\n', 'hex and exponent'],
    ['STAT', '+OK 2.0 320\r\n', 'a decimal point'],
    ['STAT', '+OK 99999999999999999999 5\r\n', 'beyond 2^53'],
    ['LIST', '+OK\r\n1 -5\r\n2 +OK\r\n.\r\n', 'a negative size, then a line that looks like a reply'],
    ['LIST', '+OK\r\n1 0x10\r\n.\r\n', 'a hex size'],
    ['LIST', '+OK\r\n0 120\r\n.\r\n', 'message 0'],
    ['LIST', '+OK\r\n1e0 120\r\n.\r\n', 'an exponent'],
  ])('%s answered %j (%s) is a POP3ProtocolError, and the connection is closed (nothing left to answer a later command)', async (verb, answer) => {
    const s = await hostile((c) => answering(c, answer));
    const pop = await session(s.port);
    await expect(verb === 'STAT' ? pop.stat() : pop.list()).rejects.toBeInstanceOf(POP3ProtocolError);
    expect(pop.state).toBeNull();
    await s.done();
  });

  it('well-formed answers, with the text RFC 1939 lets a server add, still parse', async () => {
    const s = await hostile(async (c) => {
      await answering(c, '+OK 2 320 octets in the maildrop\r\n');
    });
    const pop = await session(s.port);
    expect(await pop.stat()).toEqual([2, 320]);
    await pop.quit();
    await s.done();
    const t = await hostile((c) => answering(c, '+OK 2 messages\r\n1 120 extra\r\n2 200\r\n.\r\n'));
    const again = await session(t.port);
    expect(await again.list()).toEqual([{ message: 1, octets: 120 }, { message: 2, octets: 200 }]);
    await again.quit();
    await t.done();
  });

  it.each([
    ['null', null],
    ['a string', '1,2'],
    ['an array with a non-number', [1, '2']],
    ['an array with 0', [1, 0]],
  ])('retrMany(%s) is a POP3UsageError and sends nothing (null was a TypeError; a bad number went out after CAPA)', async (_what, which) => {
    const s = await hostile((c) => answering(c, '+OK\r\n'));
    const pop = await session(s.port);
    await expect(pop.retrMany(which as never)).rejects.toBeInstanceOf(POP3UsageError);
    expect(s.lines).toEqual(['USER alice', 'PASS secret']);
    expect(await pop.noop()).toBe('');
    await pop.quit();
    await s.done();
  });
});
