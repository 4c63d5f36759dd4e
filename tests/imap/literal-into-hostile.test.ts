/**
 * breaker8 (session 7): message bodies received straight into their literal's memory
 * (db47161, 735eaeb) against a hostile scripted server, on every implementation. The socket's own
 * recvInto where it has one, else a recv-and-copy stand-in, so the direct path runs either way:
 * a literal cut short by the server's close, a server stalling inside it, a tagged OK sent inside
 * the literal's bytes, a body sent in pieces so the switch between ordinary reads and recvInto
 * falls at many offsets, an abort while a recvInto waits (the caller's memory is not written
 * afterwards), and bodies of one fetch() never sharing or reusing memory.
 */
import { randomBytes } from 'node:crypto';
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { IMAP4_SSL, IMAP4Error } from '@unitls/imap';
import { clientConfig, pki } from '../support/fixtures.js';
import { watchRecvInto, type IntoSocket } from '../support/recv-into-watch.js';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';
import { implementations } from '../conformance/implementations.js';

const scripted = useScriptedServers();
const tagOf = (line: string | null) => (line ?? '').split(' ')[0]!;

const fetchHead = (size: number, seq = 1) => Buffer.from(`* ${seq} FETCH (UID ${100 + seq} BODY[] {${size}}\r\n`);

/** Implicit TLS, PREAUTH, SELECT answered, then `rest` runs with the FETCH line's tag. */
function server(rest: (c: ScriptConnection, tag: string) => Promise<void>) {
  return scripted(async (c) => {
    await c.startTls(pki.pem('server-ec', 'chain.crt'), pki.pem('server-ec', 'key'));
    c.write('* PREAUTH [CAPABILITY IMAP4rev1] ready\r\n');
    c.write(`* 1 EXISTS\r\n${tagOf(await c.line())} OK [READ-WRITE] selected\r\n`);
    const line = await c.line();
    if (line === null) return;
    await rest(c, tagOf(line));
  });
}

describe.each(implementations.map((i) => [i.name, i] as const))('literals received into their memory, hostile server (%s)', (_, implementation) => {
  const open = async (port: number, timeout = 5000) => {
    const imap = new IMAP4_SSL({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout });
    await imap.connect();
    await imap.select();
    return { imap, seen: watchRecvInto(imap.tlsSocket as IntoSocket) };
  };

  it('a server closing 30000 bytes into a 100000-byte literal: IMAP4Error, the connection closed', async () => {
    const s = await server(async (c) => {
      c.write(Buffer.concat([fetchHead(100_000), randomBytes(30_000)]));
      await delay(20);
      c.write(randomBytes(30_000));
      c.socket.end();
    });
    const { imap, seen } = await open(s.port);
    await expect(imap.fetch('1', 'BODY.PEEK[]')).rejects.toThrow(IMAP4Error);
    expect(seen.calls).toBeGreaterThan(0);
    expect(imap.state).toBe('LOGOUT');
    await imap.close();
  });

  it('a tagged OK inside the literal is literal data: the call does not complete with a short body', async () => {
    const s = await server(async (c, tag) => {
      c.write(fetchHead(50_000));
      await delay(20);
      c.write(Buffer.from(`)\r\n${tag} OK FETCH completed\r\n`));
      await delay(20);
      c.write(Buffer.alloc(20_000, 0x41));
      c.socket.end();
    });
    const { imap } = await open(s.port);
    await expect(imap.fetch('1', 'BODY.PEEK[]')).rejects.toThrow(IMAP4Error);
    await imap.close();
  });

  it('a server stalling inside the literal: TimeoutError, the connection closed', async () => {
    const s = await server(async (c) => {
      c.write(Buffer.concat([fetchHead(200_000), randomBytes(40_000)]));
      await c.line();
    });
    const { imap, seen } = await open(s.port, 1000);
    const failure = await imap.fetch('1', 'BODY.PEEK[]').then(() => null, (error: unknown) => error);
    expect((failure as Error | null)?.name).toBe('TimeoutError');
    expect(seen.calls).toBeGreaterThan(0);
    expect(imap.state).toBe('LOGOUT');
    await imap.close();
  });

  it('a body sent in pieces of varying size (the switch to recvInto at many offsets) and a literal {0}: byte-identical', async () => {
    const body = randomBytes(70_000);
    const wire = Buffer.concat([fetchHead(body.length), body, Buffer.from(' BODY[1] {0}\r\n)\r\n')]);
    const s = await server(async (c, tag) => {
      let at = 0;
      for (const size of [1, 7, 16_383, 1, 16_385, 3, 2, 9000, 1]) {
        c.write(wire.subarray(at, at + size));
        at += size;
        await delay(2);
      }
      c.write(Buffer.concat([wire.subarray(at), Buffer.from(`${tag} OK done\r\n`)]));
      await c.line();
    });
    const { imap, seen } = await open(s.port);
    const [message] = await imap.fetch('1', 'BODY.PEEK[] BODY.PEEK[1]');
    expect(Buffer.from(message!.body['BODY[]']!).equals(body)).toBe(true);
    expect(message!.body['BODY[1]']!.length).toBe(0);
    expect(seen.calls).toBeGreaterThan(0);
    await imap.close();
  });

  it('an abort while recvInto waits: the call rejects with the reason and the caller\'s memory is not written afterwards', async () => {
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let written!: () => void;
    const wrote = new Promise<void>((resolve) => (written = resolve));
    const s = await server(async (c) => {
      c.write(Buffer.concat([fetchHead(100_000), Buffer.alloc(20_000, 0x41)]));
      written();
      await released;
      c.write(Buffer.alloc(80_000, 0x42));
      await c.line();
    });
    const { imap, seen } = await open(s.port);
    const memory = new Uint8Array(200_000);
    const ac = new AbortController();
    const call = imap.fetchEach('1', 'BODY.PEEK[]', () => {}, { into: memory, signal: ac.signal });
    await wrote;
    // Once the 20000 bytes written are received a recvInto waits for the rest.
    await delay(50);
    while (seen.calls === seen.done) await delay(5);
    ac.abort(new Error('stop'));
    await expect(call).rejects.toThrow('stop');
    const snapshot = Buffer.from(memory);
    release();
    await delay(100);
    expect(Buffer.from(memory).equals(snapshot)).toBe(true);
    expect(memory.includes(0x42)).toBe(false);
    await imap.close();
  });

  it('the bodies of one fetch() have memory of their own, never written by a later fetch()', async () => {
    const bodies = [randomBytes(40_000), randomBytes(20_000), randomBytes(40_000)];
    const answer = (tag: string, list: Buffer[]) =>
      Buffer.concat([...list.flatMap((b, i) => [fetchHead(b.length, i + 1), b, Buffer.from(')\r\n')]), Buffer.from(`${tag} OK done\r\n`)]);
    const s = await server(async (c, tag) => {
      c.write(answer(tag, bodies.slice(0, 2)));
      const next = await c.line();
      c.write(answer(tagOf(next), [bodies[2]!, bodies[2]!]));
      await c.line();
    });
    const { imap, seen } = await open(s.port);
    const first = await imap.fetch('1:2', 'BODY.PEEK[]');
    const kept = first.map((m) => m.body['BODY[]']!);
    const copies = kept.map((b) => Buffer.from(b));
    const second = await imap.fetch('1:2', 'BODY.PEEK[]');
    expect(kept.map((b, i) => Buffer.from(b).equals(copies[i]!))).toEqual([true, true]);
    expect(copies.map((b, i) => b.equals(bodies[i]!))).toEqual([true, true]);
    const all = [...kept, ...second.map((m) => m.body['BODY[]']!)];
    expect(new Set(all.map((b) => b.buffer)).size).toBe(4);
    expect(seen.calls).toBeGreaterThan(0);
    await imap.close();
  });
});
