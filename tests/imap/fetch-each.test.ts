/**
 * IMAP4.fetchEach / uidFetchEach with `into` (issue #16 item 2): every FETCH body received into
 * one reused memory, handed over one response at a time. The cases that broke the reverted
 * literalBuffer design (0790670): reuse across FETCH 1:3 BODY[], an ENVELOPE literal beside
 * BODY[], every literal decoded right, results of other calls never overwritten. Scripted
 * servers for exact bytes; Dovecot on every implementation for a real server's 8-bit bodies.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { IMAP4, IMAP4_SSL, IMAP4UsageError, type FetchResult } from '@unitls/imap';
import { clientConfig, pki } from '../support/fixtures.js';
import { useMailServers } from '../support/mail-servers.js';
import { useScriptedServers } from '../support/scripted-server.js';
import { preauthSession, SELECTED, tagOf } from '../support/imap-scripted.js';
import { implementations } from '../conformance/implementations.js';

const scripted = useScriptedServers();
const within = (view: Uint8Array, memory: Uint8Array) => view.buffer === memory.buffer && view.byteOffset >= memory.byteOffset && view.byteOffset + view.length <= memory.byteOffset + memory.length;

const session = (answers: Array<string | Buffer>) => preauthSession(scripted, answers);

const bodies = [randomBytes(3000), Buffer.from('Subject: two\r\n\r\nsecond\r\n'), randomBytes(1200)];
const fetchOf = (body: Buffer, seq: number, before = '') => Buffer.concat([Buffer.from(`* ${seq} FETCH (UID ${100 + seq} ${before}BODY[] {${body.length}}\r\n`), body, Buffer.from(')\r\n')]);
const fetch3 = Buffer.concat([fetchOf(bodies[0]!, 1), Buffer.from('* 7 EXISTS\r\n'), fetchOf(bodies[1]!, 2), fetchOf(bodies[2]!, 3), Buffer.from('TAG OK FETCH completed\r\n')]);

interface Seen {
  uid: number | undefined;
  body: Buffer;
  inMemory: boolean;
  subject: string | null | undefined;
}

function collect(memory: Uint8Array | null, seen: Seen[]) {
  return (m: FetchResult) => {
    const body = m.body['BODY[]']!;
    seen.push({ uid: m.uid, body: Buffer.from(body), inMemory: memory !== null && within(body, memory), subject: m.envelope?.subject });
  };
}

describe('fetchEach against scripted servers', () => {
  it('FETCH 1:3 BODY[] into one memory: each body in it and right when handed over; an EXISTS between them is no message', async () => {
    const s = await session([fetch3, fetch3]);
    const imap = new IMAP4({ host: '127.0.0.1', port: s.port, security: 'plaintext', timeout: 5000 });
    await imap.connect();
    await imap.select();
    const memory = new Uint8Array(4096);
    const seen: Seen[] = [];
    await imap.fetchEach('1:3', 'UID BODY.PEEK[]', collect(memory, seen), { into: memory });
    expect(seen.map((m) => m.uid)).toEqual([101, 102, 103]);
    expect(seen.map((m) => m.body)).toEqual(bodies);
    expect(seen.every((m) => m.inMemory)).toBe(true);
    // Without `into`: fresh memory per body, which the callback may keep.
    const kept: FetchResult[] = [];
    await imap.uidFetchEach('101:103', 'UID BODY.PEEK[]', (m) => kept.push(m));
    expect(kept.map((m) => Buffer.from(m.body['BODY[]']!))).toEqual(bodies);
    expect(s.lines.slice(1, 3)).toEqual([expect.stringMatching(/^A\d+ FETCH 1:3 \(UID BODY.PEEK\[\]\)$/), expect.stringMatching(/^A\d+ UID FETCH 101:103 \(UID BODY.PEEK\[\]\)$/)]);
    await imap.close();
  });

  it('ENVELOPE (its subject a literal) beside BODY[], and pipelined sets: every literal decoded right', async () => {
    const subject = 'Literal subject \u00e9';
    const envelope = (n: number) => `ENVELOPE ("Mon, 1 Jan 2024 00:00:00 +0000" {${Buffer.byteLength(`${subject} ${n}`)}}\r\n${subject} ${n} NIL NIL NIL NIL NIL NIL NIL "<m${n}@x>") `;
    const wire = (seq: number) => Buffer.concat([
      Buffer.from(`* ${seq} FETCH (UID ${100 + seq} `),
      Buffer.from(envelope(seq)),
      Buffer.from(`BODY[] {${bodies[seq - 1]!.length}}\r\n`),
      bodies[seq - 1]!,
      Buffer.from(')\r\nTAG OK FETCH completed\r\n'),
    ]);
    const s = await scripted(async (c) => {
      c.write('* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n');
      c.write(SELECTED.replace('TAG', tagOf(await c.line())));
      const tags = [];
      for (let i = 0; i < 3; i++) tags.push(tagOf(await c.line()));
      // Answered only once all three arrived: the three responses come in one burst.
      c.write(Buffer.concat(tags.map((tag, i) => Buffer.from(wire(i + 1).toString('latin1').replace('TAG', tag), 'latin1'))));
      await c.line();
    });
    const imap = new IMAP4({ host: '127.0.0.1', port: s.port, security: 'plaintext', timeout: 5000 });
    await imap.connect();
    await imap.select();
    const memory = new Uint8Array(8192);
    const seen: Seen[] = [];
    await imap.fetchEach(['1', '2', '3'], 'UID ENVELOPE BODY.PEEK[]', collect(memory, seen), { into: memory });
    expect(seen.map((m) => [m.uid, m.subject])).toEqual([1, 2, 3].map((n) => [100 + n, `${subject} ${n}`]));
    expect(seen.map((m) => m.body)).toEqual(bodies);
    expect(seen.every((m) => m.inMemory)).toBe(true);
    await imap.close();
  });

  it('an async onFetch: the next response waits until its promise settles (the bytes stay valid); a rejection ends the call', async () => {
    // All three answers in one burst: without the wait, the next body would land in the memory
    // while the first onFetch is still awaiting.
    const s = await scripted(async (c) => {
      c.write('* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n');
      c.write(SELECTED.replace('TAG', tagOf(await c.line())));
      for (let round = 0; round < 2; round++) {
        const tags = [];
        for (let i = 0; i < 3; i++) tags.push(tagOf(await c.line()));
        c.write(Buffer.concat(tags.flatMap((tag, i) => [fetchOf(bodies[i]!, i + 1), Buffer.from(`${tag} OK FETCH completed\r\n`)])));
      }
      await c.line();
    });
    const imap = new IMAP4({ host: '127.0.0.1', port: s.port, security: 'plaintext', timeout: 5000 });
    await imap.connect();
    await imap.select();
    const memory = new Uint8Array(4096);
    const seen: Buffer[] = [];
    await imap.fetchEach(['1', '2', '3'], 'UID BODY.PEEK[]', async (m) => {
      await new Promise(setImmediate);
      seen.push(Buffer.from(m.body['BODY[]']!));
    }, { into: memory });
    expect(seen).toEqual(bodies);
    const mine = new Error('the disk is full');
    await expect(imap.fetchEach(['1', '2', '3'], 'UID BODY.PEEK[]', () => Promise.reject(mine), { into: memory })).rejects.toBe(mine);
    expect(imap.state).toBe('LOGOUT');
    await imap.close();
  });

  it("another call's results are never in the memory: fetch() before and after keeps its bodies", async () => {
    const s = await session([fetch3, fetch3, fetch3]);
    const imap = new IMAP4({ host: '127.0.0.1', port: s.port, security: 'plaintext', timeout: 5000 });
    await imap.connect();
    await imap.select();
    const memory = new Uint8Array(4096);
    const before = await imap.fetch('1:3', 'UID BODY.PEEK[]');
    await imap.fetchEach('1:3', 'UID BODY.PEEK[]', () => {}, { into: memory });
    const after = await imap.fetch('1:3', 'UID BODY.PEEK[]');
    for (const results of [before, after]) {
      expect(results.map((m) => Buffer.from(m.body['BODY[]']!))).toEqual(bodies);
      expect(results.some((m) => within(m.body['BODY[]']!, memory))).toBe(false);
    }
    await imap.close();
  });

  it('what onFetch throws ends the call with it and closes the connection; bad arguments send nothing', async () => {
    const s = await session([fetch3]);
    const imap = new IMAP4({ host: '127.0.0.1', port: s.port, security: 'plaintext', timeout: 5000 });
    await imap.connect();
    await imap.select();
    await expect(imap.fetchEach('1:3', 'BODY[]', () => {}, { into: 'memory' as unknown as Uint8Array })).rejects.toThrow(IMAP4UsageError);
    // Says what it got (it said "got object" for an ArrayBuffer), and what it takes.
    await expect(imap.fetchEach('1:3', 'BODY[]', () => {}, { into: new ArrayBuffer(10) as unknown as Uint8Array })).rejects.toThrow(/must be a Uint8Array .*, got an ArrayBuffer; nothing was sent$/);
    await expect(imap.fetchEach('1:3', 'BODY[]', () => {}, { into: new DataView(new ArrayBuffer(4)) as unknown as Uint8Array })).rejects.toThrow(/got a DataView;/);
    await expect(imap.fetchEach('1:3', 'BODY[]', () => {}, { into: {} as unknown as Uint8Array })).rejects.toThrow(/got an object \(\{\}\);/);
    await expect(imap.fetchEach('1:3', 'BODY[]', null as unknown as () => void)).rejects.toThrow(IMAP4UsageError);
    expect(s.lines).toEqual([expect.stringMatching(/ SELECT "INBOX"$/)]);
    const mine = new Error('the caller gave up');
    let calls = 0;
    await expect(imap.fetchEach('1:3', 'BODY.PEEK[]', () => {
      calls++;
      throw mine;
    }, { into: new Uint8Array(4096) })).rejects.toBe(mine);
    expect(calls).toBe(1);
    expect(imap.state).toBe('LOGOUT');
    await imap.close();
  });
});

const mailServers = useMailServers(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));

describe.each(implementations.map((i) => [i.name, i] as const))('fetchEach against Dovecot (%s)', (name, implementation) => {
  it('three 8-bit messages (up to 1.5 MiB) fetched into one memory, byte-identical, subjects from ENVELOPE', async () => {
    await using imap = new IMAP4_SSL({ host: '127.0.0.1', port: mailServers().ports.imaps, serverHostname: 'localhost', implementation, configuration: clientConfig() });
    await imap.connect();
    await imap.login('bob', 'bobpass');
    const box = `each-${name}-${Date.now()}`;
    await imap.create(box);
    // 8-bit bodies without CR or LF: Dovecot stores and returns them as sent.
    const texts = [1.5 * 2 ** 20, 64 * 1024, 700 * 1024].map((size, i) => {
      const body = Buffer.from(randomBytes(size).map((b) => (b === 0x0d || b === 0x0a || b === 0 ? 0x41 : b)));
      return Buffer.concat([Buffer.from(`Subject: message ${i + 1}\r\n\r\n`), body, Buffer.from('\r\n')]);
    });
    for (const text of texts) await imap.append(box, text);
    await imap.examine(box);
    const memory = new Uint8Array(2 * 2 ** 20);
    const seen: Seen[] = [];
    await imap.fetchEach('1:*', 'UID ENVELOPE BODY.PEEK[]', collect(memory, seen), { into: memory });
    expect(seen.map((m) => m.subject)).toEqual(['message 1', 'message 2', 'message 3']);
    expect(seen.map((m) => m.body.equals(texts[seen.indexOf(m)]!))).toEqual([true, true, true]);
    expect(seen.every((m) => m.inMemory)).toBe(true);
    await imap.closeMailbox();
    await imap.delete(box);
  });
});
