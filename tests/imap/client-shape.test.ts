/**
 * Issue #18, the one client shape for IMAP4: `await using` says LOGOUT then closes, logout on a
 * closed client is a no-op, an injected transport is used, diagnostics are published with
 * credentials redacted, no listener or composed signal per read on a long-lived signal (item 8),
 * SCRAM-SHA-256 through the shared kit (the server must prove itself).
 */
import { createHmac, pbkdf2Sync } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { getEventListeners } from 'node:events';
import { connect } from 'node:net';
import { describe, expect, it, vi } from 'vitest';
import { IMAP4, IMAP4ProtocolError } from '@unitls/imap';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';

const scripted = useScriptedServers();
const tagOf = (line: string | null) => (line ?? '').split(' ')[0];
const options = (port: number, extra = {}) => ({ host: '127.0.0.1', port, security: 'plaintext' as const, allowPlaintextAuth: true, timeout: 5000, ...extra });

describe('the IMAP4 client shape', () => {
  it('`await using` says LOGOUT then closes; a transport factory is used; diagnostics are published, LOGIN redacted', async () => {
    const s = await scripted(async (c) => {
      c.write('* OK [CAPABILITY IMAP4rev1] hi\r\n');
      const login = await c.line();
      c.write(`${tagOf(login)} OK [CAPABILITY IMAP4rev1 IDLE] in\r\n`);
      const logout = await c.line();
      c.write(`* BYE bye\r\n${tagOf(logout)} OK done\r\n`);
      await c.line();
    });
    const seen: string[] = [];
    const command = (m: unknown) => seen.push(`C: ${(m as { command: string }).command}`);
    const reply = (m: unknown) => seen.push(`S: ${(m as { reply: string }).reply}`);
    subscribe('unitls:imap:command', command);
    subscribe('unitls:imap:reply', reply);
    const dialled: string[] = [];
    try {
      await using imap = new IMAP4(
        options(s.port, {
          host: 'mail.invalid',
          transport: async (address: { host: string; port: number }) => {
            dialled.push(`${address.host}:${address.port}`);
            const socket = connect(s.port, '127.0.0.1');
            await new Promise((resolve) => socket.once('connect', resolve));
            return socket;
          },
        }),
      );
      await imap.connect();
      await imap.login('alice', 'alicepass');
    } finally {
      unsubscribe('unitls:imap:command', command);
      unsubscribe('unitls:imap:reply', reply);
    }
    await s.done();
    expect(dialled).toEqual([`mail.invalid:${s.port}`]);
    expect(s.lines.map((l) => l.split(' ')[1])).toEqual(['LOGIN', 'LOGOUT']);
    expect(s.allClosed()).toBe(true);
    expect(seen).toEqual(['S: * OK [CAPABILITY IMAP4rev1] hi', 'C: A0001 LOGIN <redacted>', 'S: A0001 OK [CAPABILITY IMAP4rev1 IDLE] in', 'C: A0002 LOGOUT', 'S: * BYE bye', 'S: A0002 OK done']);
    expect(seen.join('\n')).not.toContain('alicepass');
  });

  it('logout on a closed client is a no-op; verbs on it reject without sending', async () => {
    const s = await scripted(async (c) => {
      c.write('* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n');
      const logout = await c.line();
      c.write(`* BYE bye\r\n${tagOf(logout)} OK done\r\n`);
      await c.line();
    });
    const imap = new IMAP4(options(s.port));
    await imap.connect();
    await imap.logout();
    await imap.logout();
    await expect(imap.noop()).rejects.toThrow(/not connected/);
    await s.done();
    expect(s.lines.map((l) => l.split(' ')[1])).toEqual(['LOGOUT']);
  });

  it('adds no listener per read to a long-lived signal and composes no signals (no leak, item 8)', async () => {
    const s = await scripted(async (c) => {
      c.write('* PREAUTH [CAPABILITY IMAP4rev1] hi\r\n');
      for (let line = await c.line(); line !== null; line = await c.line()) c.write(`* 1 EXISTS\r\n${tagOf(line)} OK done\r\n`);
    });
    const session = new AbortController();
    const perCall = new AbortController();
    const any = vi.spyOn(AbortSignal, 'any');
    const timeout = vi.spyOn(AbortSignal, 'timeout');
    try {
      const imap = new IMAP4(options(s.port, { signal: session.signal }));
      await imap.connect();
      for (let i = 0; i < 300; i++) {
        await imap.noop({ signal: perCall.signal });
        expect(getEventListeners(session.signal, 'abort')).toHaveLength(1);
      }
      expect(getEventListeners(perCall.signal, 'abort')).toHaveLength(0);
      await imap.logout();
      expect(getEventListeners(session.signal, 'abort')).toHaveLength(0);
      expect(any).not.toHaveBeenCalled();
      expect(timeout).not.toHaveBeenCalled();
    } finally {
      any.mockRestore();
      timeout.mockRestore();
    }
  });

  describe('AUTHENTICATE SCRAM-SHA-256 (RFC 7677) through the shared kit', () => {
    const password = 'pencil';
    const salt = Buffer.from('W22ZaJ0SNY7soEsUEjb6gQ==', 'base64');
    const iterations = 4096;
    const hmac = (key: Buffer, text: string) => createHmac('sha256', key).update(text).digest();

    /** A server side of SCRAM-SHA-256; `prove: false` answers with a wrong signature. */
    const scramServer = (prove: boolean) => async (c: ScriptConnection) => {
      c.write('* OK [CAPABILITY IMAP4rev1 AUTH=SCRAM-SHA-256] hi\r\n');
      const auth = await c.line();
      c.write('+ \r\n');
      const clientFirst = Buffer.from((await c.line())!, 'base64').toString();
      const bare = clientFirst.slice(3);
      const nonce = `${/r=([^,]*)/.exec(bare)![1]}%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0`;
      const serverFirst = `r=${nonce},s=${salt.toString('base64')},i=${iterations}`;
      c.write(`+ ${Buffer.from(serverFirst).toString('base64')}\r\n`);
      const clientFinal = Buffer.from((await c.line())!, 'base64').toString();
      const withoutProof = clientFinal.replace(/,p=.*$/, '');
      const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
      const serverKey = hmac(salted, 'Server Key');
      const message = `${bare},${serverFirst},${withoutProof}`;
      const signature = prove ? hmac(serverKey, message) : Buffer.alloc(32);
      c.write(`+ ${Buffer.from(`v=${signature.toString('base64')}`).toString('base64')}\r\n`);
      await c.line(); // the empty answer
      c.write(`${tagOf(auth)} OK [CAPABILITY IMAP4rev1] authenticated\r\n`);
      await c.line();
    };

    it('authenticates when the server proves it knows the password', async () => {
      const s = await scripted(scramServer(true));
      const imap = new IMAP4(options(s.port));
      await imap.connect();
      await imap.authenticate('SCRAM-SHA-256', 'user', password);
      expect(imap.state).toBe('AUTHENTICATED');
      await imap.close();
    });

    it('refuses, and closes, a server that cannot prove it', async () => {
      const s = await scripted(scramServer(false));
      const imap = new IMAP4(options(s.port));
      await imap.connect();
      await expect(imap.authenticate('SCRAM-SHA-256', 'user', password)).rejects.toBeInstanceOf(IMAP4ProtocolError);
      expect(imap.state).toBe('LOGOUT');
      await s.done();
    });
  });
});
