/**
 * Issue #18 for POP3, each item a scripted loopback server on every TLS implementation: leaving
 * retrLines() early (2), a dropped TLS connection (4), SASL and no raw lines (5), deadlines (6),
 * bounded listings and messages (7), and the one client shape.
 */
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { describe, expect, it } from 'vitest';
import { RaggedEOF } from '@unitls/tls-core';
import { POP3, POP3_SSL, POP3ConnectionError, POP3Error, POP3ProtocolError, POP3ReplyError, POP3UsageError, type POP3Options } from '@unitls/pop';
import { clientConfig, pki } from '../support/fixtures.js';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';
import { implementations } from '../conformance/implementations.js';

const scripted = useScriptedServers();
const upgrade = (c: ScriptConnection) => c.startTls(pki.pem('server-ec', 'chain.crt'), pki.pem('server-ec', 'key'));

/** Writes `text` one byte every `ms` until done or the socket closes (the drip of item 6). */
async function drip(c: ScriptConnection, text: string, ms: number): Promise<void> {
  for (const byte of text) {
    if (c.socket.destroyed) return;
    c.write(byte);
    await new Promise((resolve) => setTimeout(resolve, ms));
  }
}

/** Implicit TLS, greeting, USER/PASS accepted; then `rest`. */
const loggedIn = (rest: (c: ScriptConnection) => Promise<void>) =>
  scripted(async (c) => {
    await upgrade(c);
    c.write('+OK POP3 ready\r\n');
    for (let line = await c.line(); line !== null; line = await c.line()) {
      if (line === 'CAPA') c.write('+OK\r\nUSER\r\n.\r\n');
      else c.write('+OK\r\n');
      if (line.startsWith('PASS')) break;
    }
    await rest(c);
  });

describe.each(implementations.map((i) => [i.name, i] as const))('POP3 and issue #18 (%s)', (_, implementation) => {
  const options = (port: number, extra: POP3Options = {}): POP3Options => ({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 5000, ...extra });
  const ssl = async (port: number, extra: POP3Options = {}) => {
    const pop = new POP3_SSL(options(port, extra));
    await pop.connect();
    await pop.user('alice');
    await pop.pass_('secret');
    return pop;
  };

  describe('item 2: leaving retrLines() early never loses sync', () => {
    it('break: the rest of the body is drained; its "+OK" lines cannot confirm the DELE that follows', async () => {
      const s = await loggedIn(async (c) => {
        await c.line(); // RETR 1
        c.write(`+OK message follows\r\nSubject: trap\r\n\r\n${'+OK message 1 deleted\r\n'.repeat(2000)}.\r\n`);
        await c.line(); // DELE 1
        c.write('-ERR message 1 is locked\r\n');
        await c.line(); // NOOP
        c.write('+OK still here\r\n');
        await c.line();
      });
      const pop = await ssl(s.port);
      for await (const line of pop.retrLines(1)) {
        expect(line.toString()).toBe('Subject: trap');
        break;
      }
      await expect(pop.dele(1)).rejects.toMatchObject({ name: 'POP3ReplyError', response: '-ERR message 1 is locked' });
      expect(await pop.noop()).toBe('still here');
      expect(s.lines.slice(-3)).toEqual(['RETR 1', 'DELE 1', 'NOOP']);
      await pop.close();
    });

    it('another command while an iteration is open is refused before anything is sent', async () => {
      const s = await loggedIn(async (c) => {
        await c.line();
        c.write('+OK\r\nline 1\r\nline 2\r\n.\r\n');
        await c.line();
        c.write('+OK 1 120\r\n');
        await c.line();
      });
      const pop = await ssl(s.port);
      const lines = pop.retrLines(1);
      expect((await lines.next()).value?.toString()).toBe('line 1');
      await expect(pop.dele(1)).rejects.toBeInstanceOf(POP3UsageError);
      expect((await lines.next()).value?.toString()).toBe('line 2');
      expect((await lines.next()).done).toBe(true);
      expect(await pop.list(1)).toEqual({ message: 1, octets: 120 });
      expect(s.lines.slice(-2)).toEqual(['RETR 1', 'LIST 1']);
      await pop.close();
    });

    it('when the rest cannot be drained (the server stops), the connection is closed, never reused', async () => {
      const s = await loggedIn(async (c) => {
        await c.line();
        c.write('+OK\r\nfirst\r\n');
        await c.line(); // nothing more: the body never ends
      });
      const pop = await ssl(s.port, { timeout: 1500 }); // room for a loaded handshake: the wait that must end is the drain
      for await (const _ of pop.retrLines(1)) break;
      expect(pop.state).toBeNull();
      await expect(pop.dele(1)).rejects.toThrow(/not connected/);
      expect(s.lines.at(-1)).toBe('RETR 1');
    });
  });

  describe('item 4: a dropped TLS connection is a POP3ConnectionError on every implementation', () => {
    it('mid-message, with the transport error as cause', async () => {
      const s = await loggedIn(async (c) => {
        await c.line();
        c.write('+OK 100 octets\r\nSubject: cut\r\n\r\nhalf a bo');
        await new Promise((resolve) => c.socket.write('', resolve));
        c.socket.destroy(); // a TCP drop, no close_notify
      });
      const pop = await ssl(s.port);
      const error = await pop.retr(1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(POP3ConnectionError);
      expect(error).toBeInstanceOf(POP3Error);
      if (implementation.features.raggedEOF) expect((error as Error).cause).toBeInstanceOf(RaggedEOF);
      else expect((error as Error).message).toMatch(/closed by the server in the middle of the RETR response/);
      expect(pop.state).toBeNull();
      expect(await pop.quit()).toBeNull(); // a no-op on a closed client
    });
  });

  describe('item 5: SASL from the kit, no raw lines', () => {
    it('AUTH PLAIN with the initial response; NUL in a password and CR/LF in a user name refused, nothing sent', async () => {
      const s = await scripted(async (c) => {
        await upgrade(c);
        c.write('+OK ready\r\n');
        await c.line();
        c.write('+OK\r\nSASL PLAIN SCRAM-SHA-256\r\n.\r\n');
        await c.line();
        c.write('+OK logged in\r\n');
        await c.line();
        c.write('+OK bye\r\n');
      });
      const pop = new POP3_SSL(options(s.port));
      await pop.connect();
      await expect(pop.auth('PLAIN', { user: 'alice', password: 'se\0cret' })).rejects.toBeInstanceOf(POP3UsageError);
      await expect(pop.user('alice\r\nDELE 1')).rejects.toBeInstanceOf(POP3UsageError);
      expect(await pop.auth('PLAIN', { user: 'alice', password: 'secret' })).toBe('logged in');
      expect(pop.state).toBe('TRANSACTION');
      await pop.quit();
      expect(s.lines).toEqual(['CAPA', `AUTH PLAIN ${Buffer.from('\0alice\0secret').toString('base64')}`, 'QUIT']);
    });

    it('SCRAM-SHA-256: a server that cannot prove it knows the password is not trusted (connection closed)', async () => {
      const s = await scripted(async (c) => {
        await upgrade(c);
        c.write('+OK ready\r\n');
        await c.line();
        c.write('+OK\r\nSASL SCRAM-SHA-256\r\n.\r\n');
        const auth = (await c.line()) ?? '';
        const nonce = /r=([^,]+)/.exec(Buffer.from(auth.split(' ')[2] ?? '', 'base64').toString())![1];
        c.write(`+ ${Buffer.from(`r=${nonce}srv,s=${Buffer.from('salt').toString('base64')},i=4096`).toString('base64')}\r\n`);
        await c.line();
        c.write(`+ ${Buffer.from(`v=${Buffer.alloc(32).toString('base64')}`).toString('base64')}\r\n`);
        await c.line();
      });
      const pop = new POP3_SSL(options(s.port));
      await pop.connect();
      await expect(pop.auth('SCRAM-SHA-256', { user: 'alice', password: 'secret' })).rejects.toThrow(/could not prove it knows the password/);
      expect(pop.state).toBeNull();
    });
  });

  describe('item 6: the timeout is a deadline; signals end the wait', () => {
    it('a greeting dripped one byte at a time cannot outlast the timeout', async () => {
      const s = await scripted(async (c) => {
        await upgrade(c);
        await drip(c, '+OK a slow server says hello to you, one byte at a time\r\n', 40);
      });
      const pop = new POP3_SSL(options(s.port, { timeout: 600 }));
      await expect(pop.connect()).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(pop.state).toBeNull();
    });

    it('a message dripped one byte at a time cannot outlast the timeout', async () => {
      const s = await loggedIn(async (c) => {
        await c.line();
        await drip(c, `+OK\r\n${'a line of the message\r\n'.repeat(10)}.\r\n`, 40);
      });
      const pop = await ssl(s.port, { timeout: 800 });
      await expect(pop.retr(1)).rejects.toMatchObject({ name: 'TimeoutError' });
      expect(pop.state).toBeNull();
    });

    // The collected RETR is one operation begun and ended inline (7c6c9cd): a signal aborted in
    // the middle of the message, or before the call, ends it as io.run did.
    it('a per-call signal aborted in the middle of a collected RETR ends it and closes the connection', async () => {
      let sent!: () => void;
      const halfSent = new Promise<void>((resolve) => (sent = resolve));
      const s = await loggedIn(async (c) => {
        await c.line(); // RETR 1
        c.write('+OK\r\nSubject: half\r\n\r\nhalf a bo');
        sent();
        while ((await c.line()) !== null);
      });
      const pop = await ssl(s.port, { timeout: 60_000 });
      const controller = new AbortController();
      const waiting = pop.retr(1, { signal: controller.signal });
      await halfSent;
      controller.abort(new Error('the caller gave up'));
      await expect(waiting).rejects.toThrow('the caller gave up');
      expect(pop.state).toBeNull();
    });

    it('a signal aborted before a RETR: nothing is sent and the connection is closed', async () => {
      const s = await loggedIn(async (c) => {
        while ((await c.line()) !== null);
      });
      const pop = await ssl(s.port);
      await expect(pop.retr(1, { signal: AbortSignal.abort(new Error('not now')) })).rejects.toThrow('not now');
      expect(pop.state).toBeNull();
      expect(s.lines).not.toContain('RETR 1');
    });

    it('a per-call signal ends the wait and closes the connection', async () => {
      const s = await loggedIn(async (c) => {
        while ((await c.line()) !== null);
      });
      const pop = await ssl(s.port, { timeout: 60_000 });
      const controller = new AbortController();
      const waiting = pop.stat({ signal: controller.signal });
      controller.abort(new Error('the caller gave up'));
      await expect(waiting).rejects.toThrow('the caller gave up');
      expect(pop.state).toBeNull();
    });
  });

  describe('item 7: named limits with clear errors', () => {
    it('a message past limits.maxMessageSize fails and closes the connection', async () => {
      const s = await loggedIn(async (c) => {
        await c.line();
        c.write(`+OK\r\n${'0123456789\r\n'.repeat(20_000)}.\r\n`);
        await c.line();
      });
      const pop = await ssl(s.port, { limits: { maxMessageSize: 64 * 1024 } });
      const error = await pop.retr(1).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(POP3ProtocolError);
      expect((error as Error).message).toMatch(/RETR response is larger than 65536 bytes \(limits.maxMessageSize\)/);
      expect(pop.state).toBeNull();
    });

    it('a listing past limits.maxListingSize fails and closes the connection', async () => {
      const s = await loggedIn(async (c) => {
        await c.line();
        c.write(`+OK\r\n${'1 1\r\n'.repeat(100_000)}.\r\n`);
        await c.line();
      });
      const pop = await ssl(s.port, { limits: { maxListingSize: 100_000 } });
      await expect(pop.list()).rejects.toThrow(/LIST response is larger than 100000 bytes \(limits.maxListingSize\)/);
      expect(pop.state).toBeNull();
    });
  });

  describe('PIPELINING (RFC 2449): retrMany', () => {
    it('sends the RETRs before any reply came; a -ERR among them is raised after the rest were read, in sync', async () => {
      const s = await loggedIn(async (c) => {
        expect(await c.line()).toBe('CAPA');
        c.write('+OK\r\nUSER\r\nPIPELINING\r\n.\r\n');
        const asked = [await c.line(), await c.line(), await c.line()]; // all three before any answer
        expect(asked).toEqual(['RETR 1', 'RETR 2', 'RETR 3']);
        c.write('+OK\r\none\r\n.\r\n-ERR no such message\r\n+OK\r\nthree\r\n.\r\n');
        await c.line();
        c.write('+OK still in sync\r\n');
        await c.line();
      });
      const pop = await ssl(s.port);
      await expect(pop.retrMany([1, 2, 3])).rejects.toMatchObject({ name: 'POP3ReplyError', response: '-ERR no such message' });
      expect(await pop.noop()).toBe('still in sync');
      expect(s.lines.slice(-5)).toEqual(['CAPA', 'RETR 1', 'RETR 2', 'RETR 3', 'NOOP']);
      await pop.close();
    });

    it('one RETR at a time when the server does not offer it (or answers CAPA with -ERR)', async () => {
      const s = await scripted(async (c) => {
        await upgrade(c);
        c.write('+OK ready\r\n');
        for (let line = await c.line(); line !== null; line = await c.line()) {
          if (line === 'CAPA') c.write('-ERR unknown command\r\n');
          else if (line.startsWith('RETR')) c.write(`+OK\r\nmessage ${line.slice(5)}\r\n.\r\n`);
          else c.write('+OK\r\n');
        }
      });
      const pop = await ssl(s.port);
      const messages = await pop.retrMany([2, 1]);
      expect(messages.map((m) => Buffer.from(m).toString())).toEqual(['message 2\r\n', 'message 1\r\n']);
      expect(s.lines.slice(-3)).toEqual(['CAPA', 'RETR 2', 'RETR 1']);
      await pop.close();
    });
  });

  describe('the one client shape', () => {
    it("security 'starttls' with STLS, then `await using` says QUIT and closes", async () => {
      const s = await scripted(async (c) => {
        c.write('+OK ready\r\n');
        await c.line();
        c.write('+OK\r\nSTLS\r\nUSER\r\n.\r\n');
        await c.line();
        c.write('+OK begin TLS\r\n');
        await upgrade(c);
        for (let line = await c.line(); line !== null; line = await c.line()) c.write(line === 'QUIT' ? '+OK bye\r\n' : '+OK\r\n');
      });
      {
        await using pop = new POP3(options(s.port, { security: 'starttls' }));
        await pop.connect();
        expect(pop.secure).toBe(true);
        await pop.user('alice');
      }
      await s.done();
      expect(s.lines).toEqual(['CAPA', 'STLS', 'USER alice', 'QUIT']);
      expect(s.allClosed()).toBe(true);
    });

    it('diagnostics channels trace commands and replies with secrets redacted', async () => {
      const s = await loggedIn(async (c) => {
        await c.line();
        c.write('+OK 2 320\r\n');
        await c.line();
        c.write('+OK 4 octets\r\nHi\r\n.\r\n');
        await c.line();
        c.write('-ERR no such message\r\n');
        await c.line();
      });
      const seen: string[] = [];
      const command = ({ command: text }: { command: string }) => seen.push(`C: ${text}`);
      const reply = ({ reply: text }: { reply: string }) => seen.push(`S: ${text}`);
      subscribe('unitls:pop:command', command as (message: unknown) => void);
      subscribe('unitls:pop:reply', reply as (message: unknown) => void);
      try {
        const pop = await ssl(s.port);
        await pop.stat();
        // The collected RETR reads its status in its own loop (not through next()): traced alike.
        expect(Buffer.from(await pop.retr(1)).toString()).toBe('Hi\r\n');
        await expect(pop.retr(2)).rejects.toBeInstanceOf(POP3ReplyError);
        await pop.close();
      } finally {
        unsubscribe('unitls:pop:command', command as (message: unknown) => void);
        unsubscribe('unitls:pop:reply', reply as (message: unknown) => void);
      }
      expect(seen).toEqual(['S: +OK POP3 ready', 'C: USER alice', 'S: +OK', 'C: PASS <redacted>', 'S: +OK', 'C: STAT', 'S: +OK 2 320', 'C: RETR 1', 'S: +OK 4 octets', 'C: RETR 2', 'S: -ERR no such message']);
    });

    it('credentials never go out in clear without allowPlaintextAuth', async () => {
      const s = await scripted(async (c) => {
        c.write('+OK ready\r\n');
        while ((await c.line()) !== null) c.write('+OK\r\n');
      });
      const pop = new POP3(options(s.port, { security: 'plaintext' }));
      await pop.connect();
      await expect(pop.pass_('secret')).rejects.toBeInstanceOf(POP3UsageError);
      await expect(pop.auth('PLAIN', { user: 'a', password: 'b' })).rejects.toBeInstanceOf(POP3UsageError);
      expect(await pop.quit()).toBe('');
      expect(s.lines).toEqual(['QUIT']);
    });

    it('a -ERR greeting is a POP3ReplyError and nothing stays open', async () => {
      const s = await scripted(async (c) => {
        await upgrade(c);
        c.write('-ERR [SYS/TEMP] too many connections\r\n');
        await c.line();
      });
      const pop = new POP3_SSL(options(s.port));
      await expect(pop.connect()).rejects.toBeInstanceOf(POP3ReplyError);
      await s.done();
      expect(s.allClosed()).toBe(true);
    });
  });
});
