/**
 * IMAP APPEND through a slow link (slow14 item 1; SMTP's is tests/smtp/slow-reader): the literal
 * goes out SEND_PIECE (64 KiB) at a time and the `timeout` bounds each piece, not the APPEND. A
 * proxy (tests/support/throttle-proxy) in front of Dovecot (imaps on every implementation, and in
 * plain text) stops reading for STALL ms at 1 MiB and 3 MiB of the 9 MiB message (more than
 * TIMEOUT in all, each less; the loopback buffers cannot take the rest at either): the message is
 * stored, every byte. A proxy that stops reading after 256 KiB: an IMAP4TimeoutError (phase
 * 'write') naming the APPEND command and how much of it went out, the connection closed.
 */
import { describe, expect, it } from 'vitest';
import { IMAP4, IMAP4_SSL, IMAP4Abort } from '@unitls/imap';
import type { TLSImplementation } from '@unitls/tls-core';
import { clientConfig, pki } from '../support/fixtures.js';
import { useMailServers } from '../support/mail-servers.js';
import { numberedMessage, SIZE, SLOW, STALL, TIMEOUT } from '../support/slow-upload.js';
import { throttleProxy } from '../support/throttle-proxy.js';
import { implementations } from '../conformance/implementations.js';

const mailServers = useMailServers(pki.path('server-ec', 'chain.crt'), pki.path('server-ec', 'key'));


type Variant = readonly [string, TLSImplementation | null];
const variants: Variant[] = [...implementations.map((i) => [i.name, i] as const), ['plain text', null]];

describe.each(variants)('IMAP APPEND to Dovecot through a slow link (%s)', (name, implementation) => {
  const open = async (port: number): Promise<IMAP4> => {
    // Dovecot takes a plain-text login from 127.0.0.1 (the proxy's address): a local connection.
    const imap =
      implementation === null
        ? new IMAP4({ host: '127.0.0.1', port, security: 'plaintext', allowPlaintextAuth: true, timeout: TIMEOUT })
        : new IMAP4_SSL({ host: '127.0.0.1', port, serverHostname: 'localhost', implementation, configuration: clientConfig(), timeout: TIMEOUT });
    await imap.connect();
    await imap.login('bob', 'bobpass');
    return imap;
  };
  const target = () => (implementation === null ? mailServers().ports.imap : mailServers().ports.imaps);

  it(`a 9 MiB APPEND that takes longer than the timeout (two ${STALL} ms stalls, timeout ${TIMEOUT} ms) to send: stored, every byte`, async () => {
    const proxy = await throttleProxy(target(), SLOW);
    await using imap = await open(proxy.port);
    const marker = `slow-append-${name.replace(/ /g, '-')}-${Date.now()}`;
    const text = numberedMessage(marker);
    await imap.create(marker);
    await imap.append(marker, text);
    expect(proxy.forwarded).toBeGreaterThan(SIZE);
    await imap.examine(marker);
    const [fetched] = await imap.fetch('1', 'BODY.PEEK[]');
    expect(Buffer.from(fetched!.body['BODY[]']!).toString('latin1') === text).toBe(true);
    await imap.closeMailbox();
    await imap.delete(marker);
  }, 120_000);

  it('a server that stops reading during APPEND: an IMAP4TimeoutError (phase write) naming the APPEND command and how much went out, the connection closed', async () => {
    const proxy = await throttleProxy(target(), { stopAfter: 256 * 1024 });
    const imap = await open(proxy.port);
    const error = await imap.append('INBOX', numberedMessage(`stalled-${name}`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(IMAP4Abort);
    expect(error).toMatchObject({ name: 'TimeoutError', phase: 'write', command: 'APPEND', timeout: TIMEOUT });
    expect((error as Error).message).toMatch(new RegExp(`the server took no more of the APPEND command for ${TIMEOUT} ms after \\d+ of its \\d+ bytes had gone out: it stopped reading`));
    const [, sent, total] = /after (\d+) of its (\d+) bytes/.exec((error as Error).message)!;
    expect(Number(sent)).toBeGreaterThan(0);
    expect(Number(sent)).toBeLessThan(Number(total));
    expect(Number(total)).toBeGreaterThan(SIZE);
    expect(imap.state).toBe('LOGOUT');
    await imap.close();
  }, 60_000);
});
