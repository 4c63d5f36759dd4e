/**
 * breaker8 (session 7, after intake's d5f1d60 gave startTls sockets the one-promise recv): the
 * STARTTLS injection class (CVE-2011-0411; the 2021 "NO STARTTLS" findings) for plaintext that
 * arrives AFTER the client read the go-ahead and started the handshake, in its own TCP segment,
 * before any ServerHello: SMTP STARTTLS, IMAP STARTTLS, POP3 STLS and FTP AUTH TLS on every
 * implementation. The bytes must never be taken as if they came inside TLS: connect() rejects
 * with a TLSError (the handshake sees a record that is not TLS), promptly (not the timeout),
 * and the client writes no command after the go-ahead. (The same bytes in the go-ahead's own
 * segment are StartTlsInjectionError: each client's tests/<client>/hostile.test.ts.)
 */
import { setTimeout as delay } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { TLSError, TransportError } from '@unitls/tls-core';
import { SMTP } from '@unitls/smtp';
import { IMAP4 } from '@unitls/imap';
import { POP3 } from '@unitls/pop';
import { FTP_TLS } from '@unitls/ftp';
import { clientConfig } from '../support/fixtures.js';
import { useScriptedServers, type ScriptConnection } from '../support/scripted-server.js';
import { implementations } from '../conformance/implementations.js';

const scripted = useScriptedServers();
const tagOf = (line: string | null) => (line ?? '').split(' ')[0]!;

/** Waits until the client's ClientHello started arriving, then writes `text` in the clear. */
async function injectAfterClientHello(c: ScriptConnection, text: string): Promise<void> {
  const header = await c.bytes(5);
  expect(header[0]).toBe(0x16); // a TLS handshake record: the client is in TLS now
  c.write(text);
  await delay(20);
  c.write(text);
  await c.bytes(1 << 20); // until the client gives up
}

/** What the server does once the client has the go-ahead: `text` is plaintext it may inject. */
type AfterGoAhead = (c: ScriptConnection, text: string) => Promise<void>;

type Dialog = readonly [name: string, script: (c: ScriptConnection, after: AfterGoAhead) => Promise<void>, open: (port: number, options: object) => { connect(): Promise<unknown>; close(): Promise<void> }];

const dialogs: readonly Dialog[] = [
  ['SMTP STARTTLS', async (c, after) => {
    c.write('220 scripted ESMTP\r\n');
    await c.line();
    c.write('250-scripted\r\n250 STARTTLS\r\n');
    await c.line();
    c.write('220 go ahead\r\n');
    await after(c, '250-scripted\r\n250 AUTH PLAIN\r\n');
  }, (port, options) => new SMTP({ host: '127.0.0.1', port, localHostname: 'client.test', ...options })],
  ['IMAP STARTTLS', async (c, after) => {
    c.write('* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n');
    c.write(`${tagOf(await c.line())} OK begin TLS\r\n`);
    await after(c, '* 99 EXISTS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n');
  }, (port, options) => new IMAP4({ host: '127.0.0.1', port, ...options })],
  ['POP3 STLS', async (c, after) => {
    c.write('+OK scripted\r\n');
    await c.line();
    c.write('+OK\r\nSTLS\r\n.\r\n');
    await c.line();
    c.write('+OK begin TLS\r\n');
    await after(c, '+OK 3 messages\r\n');
  }, (port, options) => new POP3({ host: '127.0.0.1', port, ...options })],
  ['FTP AUTH TLS', async (c, after) => {
    c.write('220 scripted\r\n');
    await c.line();
    c.write('234 go\r\n');
    await after(c, '230 injected login\r\n');
  }, (port, options) => new FTP_TLS({ host: '127.0.0.1', port, ...options })],
];

describe.each(implementations.map((i) => [i.name, i] as const))('plaintext after the go-ahead, in its own segment, before the ServerHello (%s)', (_, implementation) => {
  it.each(dialogs)('%s: a TLSError before the timeout, nothing written after the go-ahead', async (name, script, open) => {
    const s = await scripted((c) => script(c, injectAfterClientHello));
    const client = open(s.port, { serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 20_000 });
    const failure = await client.connect().then(() => null, (error: unknown) => error);
    expect(failure, name).toBeInstanceOf(TLSError);
    expect((failure as Error).name).not.toBe('TimeoutError');
    await client.close();
    await s.done();
    expect(s.lines.at(-1)).toMatch(/STARTTLS|STLS|AUTH TLS/);
  });
});

/**
 * breaker11 (session 10), a pin (no fault found): the server ends the connection once the client's
 * ClientHello started arriving, with a FIN or a RST. Every client and implementation fails connect()
 * at once with the same typed error (not the timeout): TLSError for the FIN, TransportError
 * (ECONNRESET) for the RST.
 */
const dropAfterClientHello = (how: 'end' | 'resetAndDestroy'): AfterGoAhead => async (c) => {
  expect((await c.bytes(5))[0]).toBe(0x16);
  c.socket[how]();
};

describe.each(implementations.map((i) => [i.name, i] as const))('the server drops the connection mid-handshake of the upgrade (%s)', (_, implementation) => {
  it.each(dialogs.flatMap(([name, script, open]) => (['end', 'resetAndDestroy'] as const).map((how) => [`${name}, ${how === 'end' ? 'FIN' : 'RST'}`, how, script, open] as const)))('%s', async (name, how, script, open) => {
    const s = await scripted((c) => script(c, dropAfterClientHello(how)));
    const client = open(s.port, { serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 20_000 });
    const failure = await client.connect().then(() => null, (error: unknown) => error);
    if (how === 'end') {
      expect(failure, name).toBeInstanceOf(TLSError);
      expect((failure as Error).message).toBe('the connection closed during the TLS handshake');
    } else {
      expect(failure, name).toBeInstanceOf(TransportError);
      expect((failure as Error).message).toMatch(/ECONNRESET/);
    }
    await client.close();
    await s.done();
  });
});
