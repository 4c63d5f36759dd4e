/**
 * Issue #16 item 2: a message body received straight into its memory. Inside a literal with at
 * least 16 KiB to come, IMAP4 reads with ClientConnection.recvInto (the TLSSocket's optional
 * recvInto: tls-openssl decrypts there) into the literal, allocated once at its announced size:
 * no copy through the framer. Small bodies come with ordinary reads. Dovecot on every
 * implementation: the socket's own recvInto where it has one, else a recv-and-copy stand-in put
 * on the socket, so the client's path runs on every implementation either way.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it, vi } from 'vitest';
import { IMAP4_SSL, IMAPConnection } from '@unitls/imap';
import { clientConfig, pki } from '../support/fixtures.js';
import { watchRecvInto, type IntoSocket } from '../support/recv-into-watch.js';
import { useMailServers } from '../support/mail-servers.js';
import { implementations } from '../conformance/implementations.js';

const mailServers = useMailServers(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));

/** 8-bit text without CR, LF or NUL (Dovecot stores and returns it as sent). */
const message = (subject: string, size: number) =>
  Buffer.concat([Buffer.from(`Subject: ${subject}\r\n\r\n`), Buffer.from(randomBytes(size).map((b) => (b === 0x0d || b === 0x0a || b === 0 ? 0x41 : b))), Buffer.from('\r\n')]);

describe.each(implementations.map((i) => [i.name, i] as const))('message bodies received into their literal (%s)', (name, implementation) => {
  const open = async (timeout?: number) => {
    const imap = new IMAP4_SSL({ host: '127.0.0.1', port: mailServers().ports.imaps, serverHostname: 'localhost', implementation, configuration: clientConfig(), ...(timeout ? { timeout } : {}) });
    await imap.connect();
    await imap.login('bob', 'bobpass');
    return imap;
  };

  it('fetch(): a 3 MiB body read into its own memory, byte-identical; a small one with ordinary reads; fetchEach into as well', async () => {
    await using imap = await open();
    const box = `into-${name}-${Date.now()}`;
    await imap.create(box);
    const texts = [message('big', 3 * 2 ** 20), message('small', 2000), message('middle', 200 * 1024)];
    for (const text of texts) await imap.append(box, text);
    await imap.examine(box);
    const seen = watchRecvInto(imap.tlsSocket as IntoSocket);

    const small = await imap.fetch('2', 'BODY.PEEK[]');
    expect(Buffer.from(small[0]!.body['BODY[]']!).equals(texts[1]!)).toBe(true);
    expect(seen.calls).toBe(0);

    const all = await imap.fetch('1:*', 'BODY.PEEK[]');
    const bodies = all.map((m) => m.body['BODY[]']!);
    expect(bodies.map((b, i) => Buffer.from(b).equals(texts[i]!))).toEqual([true, true, true]);
    // All but what came with ordinary reads (at most 64 KiB with a literal's announcement, and a
    // rest under 16 KiB) went straight into the bodies' own memory.
    expect(seen.bytes).toBeGreaterThan(texts[0]!.length + texts[2]!.length - 2 * (64 + 16) * 1024);
    expect(seen.into.every((into) => into.buffer === bodies[0]!.buffer || into.buffer === bodies[2]!.buffer)).toBe(true);
    expect(new Set(bodies.map((b) => b.buffer)).size).toBe(3);

    const before = seen.bytes;
    const memory = new Uint8Array(4 * 2 ** 20);
    const got: Buffer[] = [];
    await imap.fetchEach('1:*', 'BODY.PEEK[]', (m) => void got.push(Buffer.from(m.body['BODY[]']!)), { into: memory });
    expect(got.map((b, i) => b.equals(texts[i]!))).toEqual([true, true, true]);
    expect(seen.bytes - before).toBeGreaterThan(texts[0]!.length - (64 + 16) * 1024);
    expect(seen.into.slice(-1)[0]!.buffer).toBe(memory.buffer);

    await imap.closeMailbox();
    await imap.delete(box);
  });

  it('a recvInto that never answers: the operation timeout ends the fetch with a TimeoutError and closes the connection', async () => {
    const box = `into-stall-${name}-${Date.now()}`;
    {
      await using setup = await open();
      await setup.create(box);
      await setup.append(box, message('big', 512 * 1024));
    }
    const imap = await open(1500);
    await imap.examine(box);
    (imap.tlsSocket as IntoSocket).recvInto = () => new Promise<number>(() => {});
    const failure = await imap.fetch('1', 'BODY.PEEK[]').then(() => null, (error: unknown) => error);
    expect((failure as Error | null)?.name).toBe('TimeoutError');
    expect(imap.state).toBe('LOGOUT');
    await imap.close();
    await using cleanup = await open();
    await cleanup.delete(box);
  });

  it('reads a large literal read after read without going back to the core for events: nextEvent stays at a handful while recvInto runs dozens of times', async () => {
    await using imap = await open();
    const box = `into-loop-${name}-${Date.now()}`;
    await imap.create(box);
    const text = message('big', 3 * 2 ** 20);
    await imap.append(box, text);
    await imap.examine(box);
    const seen = watchRecvInto(imap.tlsSocket as IntoSocket);
    const events = vi.spyOn(IMAPConnection.prototype, 'nextEvent');
    try {
      const [fetched] = await imap.fetch('1', 'BODY.PEEK[]');
      expect(Buffer.from(fetched!.body['BODY[]']!).equals(text)).toBe(true);
      // At most 64 KiB per read: 3 MiB takes at least 48 recvInto calls (4 KiB records: hundreds).
      expect(seen.calls).toBeGreaterThanOrEqual(40);
      // The FETCH response, the tagged OK and a NEED_DATA or two around the literal's start and end.
      expect(events.mock.calls.length).toBeLessThan(12);
    } finally {
      events.mockRestore();
    }
    await imap.closeMailbox();
    await imap.delete(box);
  });
});
