/**
 * fetchEach / uidFetchEach with `into` against unusual answers (breaker6, beside
 * fetch-each.test.ts): a body larger than `into` (fresh memory), a zero-length one and a literal8
 * (`~{n}`) one in one FETCH 1:3; a server that drops mid-literal and an abort mid-literal end the
 * call without calling onFetch. (An async onFetch: fetch-each.test.ts, fixed in 4e01a9f.)
 *
 * Found: an onFetch that ends the call (aborts the call's signal, or closes the client) with the
 * rest of FETCH 1:3 and the tagged OK already received: the two other messages were still handed
 * to onFetch after it, and the call RESOLVED (aborted, yet reported as done; the client closed).
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IMAP4, IMAP4Error } from '@unitls/imap';
import { useScriptedServers } from '../support/scripted-server.js';
import { preauthSession, SELECTED, tagOf } from '../support/imap-scripted.js';

const scripted = useScriptedServers();
const session = (answers: Array<string | Buffer>) => preauthSession(scripted, answers);

const bodies = [randomBytes(3000), randomBytes(10), randomBytes(1200)];
const fetchOf = (body: Buffer, seq: number, open = '{') => Buffer.concat([Buffer.from(`* ${seq} FETCH (UID ${100 + seq} BODY[] ${open}${body.length}}\r\n`), body, Buffer.from(')\r\n')]);
const fetch3 = Buffer.concat([fetchOf(bodies[0]!, 1), fetchOf(bodies[1]!, 2), fetchOf(bodies[2]!, 3), Buffer.from('TAG OK FETCH completed\r\n')]);

async function open(port: number) {
  const imap = new IMAP4({ host: '127.0.0.1', port, security: 'plaintext', timeout: 5000 });
  await imap.connect();
  await imap.select();
  return imap;
}

describe('fetchEach with into, hostile', () => {
  it('a body larger than into (fresh memory), a zero-length one and a literal8 (~{n}) one in one FETCH 1:3', async () => {
    const big = randomBytes(5000);
    const wire = Buffer.concat([fetchOf(big, 1), fetchOf(Buffer.alloc(0), 2), fetchOf(bodies[2]!, 3, '~{'), Buffer.from('TAG OK FETCH completed\r\n')]);
    const s = await session([wire]);
    const imap = await open(s.port);
    const memory = new Uint8Array(4096);
    const seen: Buffer[] = [];
    const inMemory: boolean[] = [];
    await imap.fetchEach('1:3', 'UID BODY.PEEK[]', (m) => {
      const body = m.body['BODY[]']!;
      seen.push(Buffer.from(body));
      inMemory.push(body.buffer === memory.buffer);
    }, { into: memory });
    expect(seen).toEqual([big, Buffer.alloc(0), bodies[2]]);
    expect([inMemory[0], inMemory[2]]).toEqual([false, true]);
    await imap.close();
  });

  it('a server that drops mid-literal: the call fails, onFetch is never called', async () => {
    const cut = fetch3.subarray(0, 2000);
    const s = await scripted(async (c) => {
      c.write('* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n');
      c.write(SELECTED.replace('TAG', tagOf(await c.line())));
      await c.line();
      c.write(cut);
      c.socket.end();
    });
    const imap = await open(s.port);
    const memory = new Uint8Array(4096);
    let calls = 0;
    await expect(imap.fetchEach('1:3', 'UID BODY.PEEK[]', () => calls++, { into: memory })).rejects.toThrow(IMAP4Error);
    expect(calls).toBe(0);
    await imap.close();
  });

  it('an abort mid-literal: the call rejects with the reason, onFetch is never called', async () => {
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));
    const s = await scripted(async (c) => {
      c.write('* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n');
      c.write(SELECTED.replace('TAG', tagOf(await c.line())));
      await c.line();
      c.write(fetch3.subarray(0, 2000));
      written();
      await c.line();
    });
    const imap = await open(s.port);
    const memory = new Uint8Array(4096);
    const ac = new AbortController();
    let calls = 0;
    const p = imap.fetchEach('1:3', 'UID BODY.PEEK[]', () => calls++, { into: memory, signal: ac.signal });
    // Aborted once the server wrote the first 2000 bytes (the first body is 3000).
    await wrote;
    ac.abort(new Error('stop'));
    await expect(p).rejects.toThrow('stop');
    expect(calls).toBe(0);
    await imap.close();
  });

  describe('an onFetch that ends the call, the rest of the answer already received: nothing more is handed over', () => {
    const burst = () => session([fetch3]);
    it('aborting the call\'s signal: the call rejects with the reason', async () => {
      const s = await burst();
      const imap = await open(s.port);
      const ac = new AbortController();
      const reason = new Error('enough');
      let calls = 0;
      await expect(imap.fetchEach('1:3', 'UID BODY.PEEK[]', () => {
        calls++;
        ac.abort(reason);
      }, { into: new Uint8Array(8192), signal: ac.signal })).rejects.toBe(reason);
      expect(calls).toBe(1);
      expect(imap.state).toBe('LOGOUT');
    });

    it('aborting it after an await in an async onFetch: the same', async () => {
      const s = await burst();
      const imap = await open(s.port);
      const ac = new AbortController();
      const reason = new Error('enough');
      let calls = 0;
      await expect(imap.uidFetchEach('101:103', 'UID BODY.PEEK[]', async () => {
        calls++;
        await new Promise((resolve) => setImmediate(resolve));
        ac.abort(reason);
      }, { into: new Uint8Array(8192), signal: ac.signal })).rejects.toBe(reason);
      expect(calls).toBe(1);
    });

    it('closing the client: the call rejects as closed by close()', async () => {
      const s = await burst();
      const imap = await open(s.port);
      let calls = 0;
      await expect(imap.fetchEach('1:3', 'UID BODY.PEEK[]', () => {
        calls++;
        void imap.close();
      }, { into: new Uint8Array(8192) })).rejects.toThrow(/closed by close\(\)/);
      expect(calls).toBe(1);
      expect(imap.state).toBe('LOGOUT');
    });
  });
});
