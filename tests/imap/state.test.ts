/**
 * Issue #18 for IMAP, each item a scripted loopback server on every TLS implementation: IDLE and
 * a dropped connection (1), connect() closing on failure (3), transport failures as IMAP4Abort
 * (4), no raw lines (5), deadlines (6), bounded memory (7).
 */
import { describe, expect, it } from 'vitest';
import { RaggedEOF } from '@unitls/tls-core';
import { IMAP4, IMAP4_SSL, IMAP4Abort, IMAP4ProtocolError, IMAP4UsageError, type IMAP4Options } from '@unitls/imap';
import { clientConfig, pki } from '../support/fixtures.js';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';
import { implementations } from '../conformance/implementations.js';

const scripted = useScriptedServers();
const tagOf = (line: string | null) => (line ?? '').split(' ')[0];
const upgrade = (c: ScriptConnection) => c.startTls(pki.pem('server-ec', 'chain.crt'), pki.pem('server-ec', 'key'));
/** A promise and its resolver, for a script to wait on the test. */
function gate(): { open: () => void; opened: Promise<void> } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { open, opened };
}
/** Runs `work` and returns what it rejected with, and every unhandled rejection seen meanwhile. */
async function rejection(work: () => Promise<void>): Promise<{ error: unknown; unhandled: unknown[] }> {
  const unhandled: unknown[] = [];
  const record = (reason: unknown) => unhandled.push(reason);
  process.on('unhandledRejection', record);
  try {
    const error = await work().then(
      () => null,
      (e: unknown) => e,
    );
    await new Promise((resolve) => setImmediate(resolve));
    return { error, unhandled };
  } finally {
    process.off('unhandledRejection', record);
  }
}

/** Implicit TLS scripts: IDLE answered with "+" and one update, then a TCP drop (no close_notify) once `drop` opens. */
const idleThenDrop = (drop: { opened: Promise<void> }) => async (c: ScriptConnection) => {
  await c.line();
  c.write('+ idling\r\n* 3 EXISTS\r\n');
  await drop.opened;
  c.socket.destroy();
};

/** Writes `text` one byte every `ms` until done or the socket closes (the drip of item 6). */
async function drip(c: ScriptConnection, text: string, ms: number): Promise<void> {
  for (const byte of text) {
    if (c.socket.destroyed) return;
    c.write(byte);
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
}

describe.each(implementations.map((i) => [i.name, i] as const))('IMAP4 and issue #18 (%s)', (name, implementation) => {
  const options = (port: number, extra: IMAP4Options = {}): IMAP4Options => ({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 5000, ...extra });
  const ssl = (port: number, extra: IMAP4Options = {}) => new IMAP4_SSL(options(port, extra));

  /** Implicit TLS, PREAUTH with IDLE, SELECT answered; then `rest`. */
  const selected = (rest: (c: ScriptConnection) => Promise<void>) =>
    scripted(async (c) => {
      await upgrade(c);
      c.write('* PREAUTH [CAPABILITY IMAP4rev1 IDLE] hi\r\n');
      const select = await c.line();
      c.write(`* 2 EXISTS\r\n${tagOf(select)} OK [READ-WRITE] done\r\n`);
      await rest(c);
    });

  describe('item 1: IDLE when the server drops the connection', () => {
    it('the loop rejects with IMAP4Abort (the first error), no unhandled rejection', async () => {
      const drop = gate();
      const s = await selected(idleThenDrop(drop));
      const imap = ssl(s.port);
      await imap.connect();
      await imap.select();
      const seen: string[] = [];
      const { error, unhandled } = await rejection(async () => {
        for await (const update of imap.idle()) {
          seen.push(update.type);
          drop.open();
        }
      });
      expect(seen).toEqual(['EXISTS']);
      expect(error).toBeInstanceOf(IMAP4Abort);
      if (implementation.features.raggedEOF) expect((error as Error).cause).toBeInstanceOf(RaggedEOF);
      else expect((error as Error).message).toMatch(/closed the connection during IDLE/);
      expect(unhandled).toEqual([]);
      expect(imap.state).toBe('LOGOUT');
      await imap.logout(); // a no-op on a closed client
    });

    it('leaving IDLE after the server dropped: DONE cannot be written, the first failure is what rejects', async () => {
      const drop = gate();
      const s = await selected(idleThenDrop(drop));
      const imap = ssl(s.port);
      await imap.connect();
      await imap.select();
      const controller = new AbortController();
      const { error, unhandled } = await rejection(async () => {
        for await (const _ of imap.idle(controller.signal)) {
          drop.open();
          await s.done();
          controller.abort();
        }
      });
      expect(error).toBeInstanceOf(IMAP4Abort);
      expect(unhandled).toEqual([]);
    });
  });

  describe('item 3: connect() rejects and closes; nothing later goes out in clear', () => {
    it.each([
      ['CAPABILITY answered BAD', 'BAD unknown command', /CAPABILITY failed: BAD/],
      ['a tagged reply out of order', null, /never sent or already completed/],
    ])('%s', async (_, answer, message) => {
      const s = await scripted(async (c) => {
        c.write('* OK hi\r\n');
        const line = await c.line();
        c.write(answer === null ? 'A0099 OK CAPABILITY completed\r\n' : `${tagOf(line)} ${answer}\r\n`);
        while ((await c.line()) !== null);
      });
      const imap = new IMAP4(options(s.port));
      await expect(imap.connect()).rejects.toThrow(message);
      await expect(imap.select('INBOX')).rejects.toThrow(/not connected/);
      await expect(imap.append('INBOX', 'Subject: secret\r\n\r\nhi\r\n')).rejects.toThrow(/not connected/);
      await expect(imap.login('alice', 'secret')).rejects.toThrow(/without TLS|not connected/);
      await s.done();
      expect(s.lines.map((l) => l.split(' ')[1])).toEqual(['CAPABILITY']);
      expect(s.allClosed()).toBe(true);
    });
  });

  describe('item 4: a dropped TLS connection is IMAP4Abort on every implementation', () => {
    it('mid-response, with the transport error as cause', async () => {
      const s = await scripted(async (c) => {
        await upgrade(c);
        c.write('* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n');
        await c.line();
        c.write('* 1 EXISTS\r\n* 2 EXI');
        await new Promise((resolve) => c.socket.write('', resolve));
        c.socket.destroy(); // a TCP drop, no close_notify
      });
      const imap = ssl(s.port);
      await imap.connect();
      const error = await imap.noop().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IMAP4Abort);
      if (implementation.features.raggedEOF) expect((error as Error).cause).toBeInstanceOf(RaggedEOF);
      else expect((error as Error).message).toMatch(/closed the connection in the middle of a response|closed the connection during NOOP/);
      expect(imap.state).toBe('LOGOUT');
    });
  });

  describe('item 5: no call can send a raw line', () => {
    it.each([
      ['a command name with CRLF', (imap: IMAP4) => imap.command('NOOP\r\nA0002 DELETE INBOX')],
      ['a command name that is a whole line', (imap: IMAP4) => imap.command('DELETE INBOX')],
      ['an atom with CRLF', (imap: IMAP4) => imap.command('NOOP', { atom: 'x\r\nA0002 DELETE INBOX' })],
      ['NUL in a LOGIN password', (imap: IMAP4) => imap.login('alice', 'se\0cret')],
      ['NUL in a SASL user name', (imap: IMAP4) => imap.authenticate('PLAIN', 'al\0ice', 'secret')],
      ['a FETCH item list with CRLF', (imap: IMAP4) => imap.fetch('1', 'FLAGS\r\nA0002 DELETE INBOX')],
    ])('%s is refused, nothing is sent, the session goes on', async (_, act) => {
      const s = await scripted(async (c) => {
        await upgrade(c);
        c.write('* PREAUTH [CAPABILITY IMAP4rev1 AUTH=PLAIN] hi\r\n');
        for (let line = await c.line(); line !== null; line = await c.line()) c.write(`${tagOf(line)} OK done\r\n`);
      });
      const imap = new IMAP4(options(s.port, { security: 'implicit' }));
      await imap.connect();
      await imap.select();
      await expect(act(imap)).rejects.toBeInstanceOf(IMAP4UsageError);
      await imap.noop();
      await imap.logout();
      expect(s.lines.map((l) => l.split(' ')[1])).toEqual(['SELECT', 'NOOP', 'LOGOUT']);
    });
  });

  describe('item 6: the timeout is a deadline; signals end the wait', () => {
    it('a greeting dripped one byte at a time cannot outlast the timeout', async () => {
      const s = await scripted(async (c) => {
        await upgrade(c);
        await drip(c, '* OK [CAPABILITY IMAP4rev1] a slow server says hello to you\r\n', 40);
      });
      const imap = ssl(s.port, { timeout: 600 });
      await expect(imap.connect()).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(imap.state).toBe('LOGOUT');
    });

    it('a reply dripped one byte at a time cannot outlast the timeout', async () => {
      const s = await selected(async (c) => {
        await c.line();
        await drip(c, '* 3 EXISTS\r\n* 4 EXISTS\r\n* 5 EXISTS\r\n* 6 EXISTS\r\n', 40);
      });
      const imap = ssl(s.port, { timeout: 800 });
      await imap.connect();
      await imap.select();
      await expect(imap.noop()).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(imap.state).toBe('LOGOUT');
    });

    it('leaving IDLE is bounded: a server that never answers DONE', async () => {
      const s = await selected(async (c) => {
        await c.line();
        c.write('+ idling\r\n* 3 EXISTS\r\n');
        while ((await c.line()) !== null); // reads DONE, answers nothing
      });
      const imap = ssl(s.port, { timeout: 500 });
      await imap.connect();
      await imap.select();
      const controller = new AbortController();
      const error = await (async () => {
        for await (const _ of imap.idle(controller.signal)) controller.abort();
      })().catch((e: unknown) => e);
      expect(error).toMatchObject({ name: 'TimeoutError' });
      expect(s.lines.at(-1)).toBe('DONE');
    });

    it('a per-call signal ends the wait and closes the connection', async () => {
      const s = await selected(async (c) => {
        while ((await c.line()) !== null);
      });
      const imap = ssl(s.port, { timeout: 60_000 });
      await imap.connect();
      await imap.select();
      const controller = new AbortController();
      const waiting = imap.noop({ signal: controller.signal });
      controller.abort(new Error('the caller gave up'));
      await expect(waiting).rejects.toThrow('the caller gave up');
      expect(imap.state).toBe('LOGOUT');
    });
  });

  describe('item 7: bounded responses', () => {
    it('a chain of {0} literals stops at limits.maxResponseSize', async () => {
      const s = await selected(async (c) => {
        const fetch = await c.line();
        c.write(`* 1 FETCH (${'BODY[1] {0}\r\n '.repeat(20_000)}`);
        c.write(`)\r\n${tagOf(fetch)} OK done\r\n`);
        await c.line();
      });
      const imap = ssl(s.port, { limits: { maxResponseSize: 256 * 1024 } });
      await imap.connect();
      await imap.select();
      const error = await imap.fetch('1', 'BODY[1]').catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IMAP4ProtocolError);
      expect((error as Error).message).toMatch(/larger than 262144 bytes \(limits.maxResponseSize\)/);
      expect(imap.state).toBe('LOGOUT');
    });
  });
});
