/**
 * Callers who stop early (break16): for each async iterator a client hands out, a caller that
 * throws inside the loop body, aborts at each await, or calls close() while the iteration is open
 * or a read is in flight. Each ends either with the connection usable for the next command or
 * closed, the next call then saying so with a typed error; no rejection unhandled, the server sees
 * the socket close, nothing hangs. Scripted TLS servers on every implementation (exact timing).
 */
import { describe, expect, it, vi } from 'vitest';
import { expectNoStrayErrors } from '../support/stray-errors.js';
import { POP3_SSL, POP3ConnectionError, type POP3Options } from '@unitls/pop';
import { IMAP4_SSL, IMAP4Abort, type IMAP4Options } from '@unitls/imap';
import { clientConfig, pki } from '../support/fixtures.js';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';
import { implementations } from '../conformance/implementations.js';

const scripted = useScriptedServers();
const upgrade = (c: ScriptConnection) => c.startTls(pki.pem('server-ec', 'chain.crt'), pki.pem('server-ec', 'key'));

expectNoStrayErrors();

/** POP3 over implicit TLS: greeting, USER/PASS accepted; then `rest`. */
const pop3 = (rest: (c: ScriptConnection) => Promise<void>) =>
  scripted(async (c) => {
    await upgrade(c);
    c.write('+OK POP3 ready\r\n');
    for (let line = await c.line(); line !== null; line = await c.line()) {
      c.write('+OK\r\n');
      if (line.startsWith('PASS')) break;
    }
    await rest(c);
  });

/** IMAP4 over implicit TLS, logged in and selected; then `rest`. */
const imap4 = (rest: (c: ScriptConnection) => Promise<void>) =>
  scripted(async (c) => {
    await upgrade(c);
    c.write('* OK [CAPABILITY IMAP4rev1 IDLE] hi\r\n');
    for (let line = await c.line(); line !== null; line = await c.line()) {
      const [tag, verb] = line.split(' ');
      if (verb === 'SELECT') {
        c.write(`* 2 EXISTS\r\n${tag} OK [READ-WRITE] selected\r\n`);
        break;
      }
      c.write(`${tag} OK [CAPABILITY IMAP4rev1 IDLE] done\r\n`);
    }
    await rest(c);
  });

/** Answers each IMAP command with OK until the client leaves (IDLE: entered, then one EXISTS per DONE awaited). */
async function imapAnswers(c: ScriptConnection): Promise<void> {
  for (let line = await c.line(); line !== null; line = await c.line()) {
    const [tag, verb] = line.split(' ');
    if (verb === 'IDLE') {
      c.write('+ idling\r\n* 3 EXISTS\r\n');
      if ((await c.line()) === 'DONE') c.write(`${tag} OK idle done\r\n`);
    } else if (verb === 'LOGOUT') {
      c.write(`* BYE bye\r\n${tag} OK bye\r\n`);
      return;
    } else c.write(`${tag} OK done\r\n`);
  }
}

/** After login: RETR answered with a two-line message, then the server waits for one more line. */
const answerRetrWithTwoLines = async (c: ScriptConnection): Promise<void> => {
  await c.line();
  c.write('+OK\r\nfirst\r\nsecond\r\n.\r\n');
  await c.line();
};

describe.each(implementations.map((i) => [i.name, i] as const))('callers who stop early (%s)', (_, implementation) => {
  const popOptions = (port: number): POP3Options => ({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 5000 });
  const imapOptions = (port: number): IMAP4Options => ({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 5000 });
  const pop = async (port: number) => {
    const client = new POP3_SSL(popOptions(port));
    await client.connect();
    await client.user('alice');
    await client.pass_('secret');
    return client;
  };
  const imap = async (port: number) => {
    const client = new IMAP4_SSL(imapOptions(port));
    await client.connect();
    await client.login('alice', 'secret');
    await client.select('INBOX');
    return client;
  };

  describe('POP3 retrLines()', () => {
    it('a throw in the loop body: the caller gets its own error, the rest is drained, the next command is answered', async () => {
      const s = await pop3(async (c) => {
        await c.line(); // RETR 1
        c.write(`+OK\r\nfirst\r\n${'+OK trap\r\n'.repeat(500)}.\r\n`);
        await c.line(); // NOOP
        c.write('+OK still here\r\n');
        await c.line();
      });
      const client = await pop(s.port);
      const mine = new Error('mine');
      await expect(
        (async () => {
          for await (const _line of client.retrLines(1)) throw mine;
        })(),
      ).rejects.toBe(mine);
      expect(await client.noop()).toBe('still here');
      await client.close();
    });

    it('close() while the loop body runs: the next step rejects with POP3ConnectionError, the server sees the close', async () => {
      const s = await pop3(answerRetrWithTwoLines);
      const client = await pop(s.port);
      const error = await (async () => {
        for await (const _line of client.retrLines(1)) await client.close();
      })().catch((e: unknown) => e);
      // 'second' and the end had come with 'first': they are not handed over after close().
      expect(error).toBeInstanceOf(POP3ConnectionError);
      expect((error as Error).message).toMatch(/^not connected/);
      await expect(client.noop()).rejects.toBeInstanceOf(POP3ConnectionError);
      await vi.waitFor(() => expect(s.allClosed()).toBe(true));
    });

    it('close() while a line is awaited: the read rejects as closed by close()', async () => {
      const s = await pop3(async (c) => {
        await c.line();
        c.write('+OK\r\nfirst\r\n');
        await c.line(); // never more
      });
      const client = await pop(s.port);
      const lines = client.retrLines(1);
      expect((await lines.next()).value?.toString()).toBe('first');
      const second = lines.next();
      const rejected = expect(second).rejects.toThrow(/closed by close\(\)/);
      await client.close();
      await rejected;
      expect((await lines.next()).done).toBe(true);
      await expect(client.noop()).rejects.toBeInstanceOf(POP3ConnectionError);
      await vi.waitFor(() => expect(s.allClosed()).toBe(true));
    });

    it('the signal aborted while the loop body runs, then break: closed, the next call says why', async () => {
      const s = await pop3(answerRetrWithTwoLines);
      const client = await pop(s.port);
      const controller = new AbortController();
      const reason = new Error('enough');
      for await (const _line of client.retrLines(1, { signal: controller.signal })) {
        controller.abort(reason);
        break;
      }
      await expect(client.noop()).rejects.toBeInstanceOf(POP3ConnectionError);
      await vi.waitFor(() => expect(s.allClosed()).toBe(true));
    });

    it('the signal aborted while the loop body runs, then go on: the next step rejects with the reason', async () => {
      const s = await pop3(answerRetrWithTwoLines);
      const client = await pop(s.port);
      const controller = new AbortController();
      const reason = new Error('enough');
      const error = await (async () => {
        for await (const _line of client.retrLines(1, { signal: controller.signal })) controller.abort(reason);
      })().catch((e: unknown) => e);
      expect(error).toBe(reason);
      await expect(client.noop()).rejects.toThrow(/not connected \(enough\)/);
      await vi.waitFor(() => expect(s.allClosed()).toBe(true));
    });

    it('the signal aborted before the +OK (mid-reply): rejects with the reason, closed', async () => {
      const s = await pop3(async (c) => {
        await c.line(); // RETR 1, never answered
        await c.line();
      });
      const client = await pop(s.port);
      const controller = new AbortController();
      const reason = new Error('enough');
      const lines = client.retrLines(1, { signal: controller.signal });
      const first = lines.next();
      await vi.waitFor(() => expect(s.lines.at(-1)).toBe('RETR 1'));
      controller.abort(reason);
      await expect(first).rejects.toBe(reason);
      await expect(client.noop()).rejects.toBeInstanceOf(POP3ConnectionError);
      await vi.waitFor(() => expect(s.allClosed()).toBe(true));
    });
  });

  describe('IMAP4 idle()', () => {
    it('a throw in the loop body: DONE is sent, the caller gets its own error, the next command is answered', async () => {
      const s = await imap4(imapAnswers);
      const client = await imap(s.port);
      const mine = new Error('mine');
      await expect(
        (async () => {
          for await (const _update of client.idle()) throw mine;
        })(),
      ).rejects.toBe(mine);
      expect((await client.noop()).tagged.status).toBe('OK');
      expect(s.lines.slice(-3).map((l) => l.split(' ')[1] ?? l)).toEqual(['IDLE', 'DONE', 'NOOP']);
      await client.logout();
    });

    it('close() while the loop body runs: the loop ends with a typed error, the next call too, the server sees the close', async () => {
      const s = await imap4(imapAnswers);
      const client = await imap(s.port);
      const error = await (async () => {
        for await (const _update of client.idle()) await client.close();
      })().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(IMAP4Abort);
      await expect(client.noop()).rejects.toBeInstanceOf(IMAP4Abort);
      await vi.waitFor(() => expect(s.allClosed()).toBe(true));
    });

    it('close() while an update is awaited: the loop rejects as closed by close()', async () => {
      const s = await imap4(async (c) => {
        await c.line(); // IDLE
        c.write('+ idling\r\n');
        await c.line();
      });
      const client = await imap(s.port);
      const updates = client.idle();
      const first = updates.next();
      await vi.waitFor(() => expect(s.lines.at(-1)).toMatch(/ IDLE$/));
      const rejected = expect(first).rejects.toThrow(/closed by close\(\)/);
      await client.close();
      await rejected;
      await expect(client.noop()).rejects.toBeInstanceOf(IMAP4Abort);
      await vi.waitFor(() => expect(s.allClosed()).toBe(true));
    });

    it('the signal aborted while the loop body runs, then throw: DONE, the caller gets its error, the session goes on', async () => {
      const s = await imap4(imapAnswers);
      const client = await imap(s.port);
      const controller = new AbortController();
      const mine = new Error('mine');
      await expect(
        (async () => {
          for await (const _update of client.idle({ signal: controller.signal })) {
            controller.abort(new Error('enough'));
            throw mine;
          }
        })(),
      ).rejects.toBe(mine);
      expect((await client.noop()).tagged.status).toBe('OK');
      await client.logout();
    });
  });
});
