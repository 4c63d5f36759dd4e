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
import { TLSError } from '@unitls/tls-core';
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

type Dialog = readonly [name: string, script: (c: ScriptConnection) => Promise<void>, open: (port: number, options: object) => { connect(): Promise<unknown>; close(): Promise<void> }];

const dialogs: readonly Dialog[] = [
  ['SMTP STARTTLS', async (c) => {
    c.write('220 scripted ESMTP\r\n');
    await c.line();
    c.write('250-scripted\r\n250 STARTTLS\r\n');
    await c.line();
    c.write('220 go ahead\r\n');
    await injectAfterClientHello(c, '250-scripted\r\n250 AUTH PLAIN\r\n');
  }, (port, options) => new SMTP({ host: '127.0.0.1', port, localHostname: 'client.test', ...options })],
  ['IMAP STARTTLS', async (c) => {
    c.write('* OK [CAPABILITY IMAP4rev1 STARTTLS] hi\r\n');
    c.write(`${tagOf(await c.line())} OK begin TLS\r\n`);
    await injectAfterClientHello(c, '* 99 EXISTS\r\n* CAPABILITY IMAP4rev1 AUTH=PLAIN\r\n');
  }, (port, options) => new IMAP4({ host: '127.0.0.1', port, ...options })],
  ['POP3 STLS', async (c) => {
    c.write('+OK scripted\r\n');
    await c.line();
    c.write('+OK\r\nSTLS\r\n.\r\n');
    await c.line();
    c.write('+OK begin TLS\r\n');
    await injectAfterClientHello(c, '+OK 3 messages\r\n');
  }, (port, options) => new POP3({ host: '127.0.0.1', port, ...options })],
  ['FTP AUTH TLS', async (c) => {
    c.write('220 scripted\r\n');
    await c.line();
    c.write('234 go\r\n');
    await injectAfterClientHello(c, '230 injected login\r\n');
  }, (port, options) => new FTP_TLS({ host: '127.0.0.1', port, ...options })],
];

describe.each(implementations.map((i) => [i.name, i] as const))('plaintext after the go-ahead, in its own segment, before the ServerHello (%s)', (_, implementation) => {
  it.each(dialogs)('%s: a TLSError before the timeout, nothing written after the go-ahead', async (name, script, open) => {
    const s = await scripted(script);
    const client = open(s.port, { serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: 20_000 });
    const failure = await client.connect().then(() => null, (error: unknown) => error);
    expect(failure, name).toBeInstanceOf(TLSError);
    expect((failure as Error).name).not.toBe('TimeoutError');
    await client.close();
    await s.done();
    expect(s.lines.at(-1)).toMatch(/STARTTLS|STLS|AUTH TLS/);
  });
});
