/**
 * Hostile records on an established TLS 1.3 connection, written with the peer's own traffic keys
 * (tests/support/tls13-records.ts), against both sides of every implementation: the three must
 * give the same verdict for the same bytes.
 *
 * - Data, or an alert, after close_notify is never delivered (RFC 8446 §6.1): a clean end.
 * - A post-handshake handshake message that may not come (unknown type, Finished, ClientHello,
 *   a truncated NewSessionTicket), a record with no non-zero octet or an unknown inner content
 *   type (§5.4), an empty handshake or alert record (§5.1), a run of empty application data
 *   records: a TLSError (never RaggedEOF), nothing delivered.
 * - A fatal alert with a description no RFC assigns: a TLSError that names it.
 *
 * Found (breaker11, session 10):
 * - tls-pure took an empty handshake record after a TLS 1.3 handshake as nothing; OpenSSL ends
 *   the connection (bad length). During a handshake each one also reset the count of records
 *   without data, so they could come for ever.
 * - tls-openssl said only "TLS read failed: " for an alert OpenSSL has no name for.
 *
 * Deviation (documented, not fixed): tls-node does not see such an alert at all. node:tls
 * (Node 20.20 to 26, OpenSSL 3.0 and 3.5) drops an OpenSSL error that has no reason text: no
 * 'error' event, the connection stays open, a recv waits until the peer closes (then RaggedEOF)
 * and a connect() given one in place of a ServerHello waits likewise. Here the peer ends the
 * connection after the alert, as peers do.
 */
import { describe, expect, it } from 'vitest';
import { RaggedEOF, TLSError, type TLSImplementation, type TLSSocket } from '@unitls/tls-core';
import { conformanceImplementations as implementations } from './implementations.js';
import { CONTENT, facingInjector, readToEnd, useTls13Injector, type InjectedRecord } from '../support/tls13-records.js';

const start = useTls13Injector();
const bytes = (...values: number[]) => Buffer.from(values);
const handshake = (type: number, body: Buffer): InjectedRecord => ({ type: CONTENT.handshake, content: Buffer.concat([bytes(type, 0, body.length >> 8, body.length & 0xff), body]) });
const EVIL = { type: CONTENT.applicationData, content: Buffer.from('evil') };
const CLOSE_NOTIFY = { type: CONTENT.alert, content: bytes(1, 0) };

type Verdict = 'clean end' | 'TLSError';
const CASES: ReadonlyArray<[name: string, records: InjectedRecord[], verdict: Verdict]> = [
  ['application data after close_notify', [CLOSE_NOTIFY, EVIL], 'clean end'],
  ['a fatal alert after close_notify', [CLOSE_NOTIFY, { type: CONTENT.alert, content: bytes(2, 10) }, EVIL], 'clean end'],
  ['a handshake message of unknown type 254', [handshake(254, Buffer.alloc(0)), EVIL], 'TLSError'],
  ['a NewSessionTicket cut after its lifetime', [handshake(4, bytes(0, 0, 1, 0, 0)), EVIL], 'TLSError'],
  ['a Finished', [handshake(20, Buffer.alloc(32)), EVIL], 'TLSError'],
  ['a ClientHello', [handshake(1, Buffer.alloc(4)), EVIL], 'TLSError'],
  ['a record of padding only (no content type)', [{ inner: Buffer.alloc(10) }, EVIL], 'TLSError'],
  ['inner content type 99', [{ type: 99, content: bytes(1) }, EVIL], 'TLSError'],
  ['inner content type change_cipher_spec', [{ type: 20, content: bytes(1) }, EVIL], 'TLSError'],
  ['an empty handshake record', [{ type: CONTENT.handshake, content: Buffer.alloc(0) }, EVIL], 'TLSError'],
  ['an empty alert record', [{ type: CONTENT.alert, content: Buffer.alloc(0) }, EVIL], 'TLSError'],
  ['a KeyUpdate with request_update 2', [handshake(24, bytes(2))], 'TLSError'],
  ['a KeyUpdate of 2 bytes', [handshake(24, bytes(0, 0))], 'TLSError'],
  ['a KeyUpdate followed by more handshake data in its record (straddling the key change)', [{ type: CONTENT.handshake, content: Buffer.concat([bytes(24, 0, 0, 1, 0), bytes(24, 0, 0, 1, 0)]) }], 'TLSError'],
  ['5000 empty application data records', [...Array.from({ length: 5000 }, () => ({ type: CONTENT.applicationData, content: Buffer.alloc(0) })), EVIL], 'TLSError'],
];

/** Runs `body` with the implementation's socket facing the injector, as client or as server. */
function facing(implementation: TLSImplementation, side: 'client' | 'server', body: (socket: TLSSocket, inject: (records: InjectedRecord[], options?: { end?: boolean }) => void) => Promise<void>): Promise<void> {
  return facingInjector(start, implementation, side, (socket, injector) => body(socket, (records, options) => injector.inject(records, options)));
}

describe.each(implementations.map((i) => [i.name, i] as const))('%s', (name, implementation) => {
  describe.each(['client', 'server'] as const)('as %s', (side) => {
    it.each(CASES)('%s: %s', async (_, records, verdict) => {
      await facing(implementation, side, async (socket, inject) => {
        // The FIN after them: an implementation that took a record as nothing would otherwise wait.
        inject(records, { end: true });
        const { text, end } = await readToEnd(socket);
        expect(text).toBe('');
        if (verdict === 'clean end') expect(end).toBe('clean end');
        else {
          expect(end, String(end)).toBeInstanceOf(TLSError);
          expect(end, String(end)).not.toBeInstanceOf(RaggedEOF);
        }
      });
    });

    it('a fatal alert of description 99 (unassigned), then FIN: a TLSError naming alert 99 (tls-node: RaggedEOF, see above)', async () => {
      await facing(implementation, side, async (socket, inject) => {
        inject([{ type: CONTENT.alert, content: bytes(2, 99) }, EVIL], { end: true });
        const { text, end } = await readToEnd(socket);
        expect(text).toBe('');
        if (name === 'node') expect(end, String(end)).toBeInstanceOf(RaggedEOF);
        else {
          expect(end, String(end)).toBeInstanceOf(TLSError);
          expect(end, String(end)).not.toBeInstanceOf(RaggedEOF);
          expect(String(end)).toMatch(/\balert\b.*\b99\b/);
        }
      });
    });

    it('user_canceled, data, close_notify: the data is delivered, then a clean end (the three agree; RFC 8446 §6.1)', async () => {
      await facing(implementation, side, async (socket, inject) => {
        inject([{ type: CONTENT.alert, content: bytes(1, 90) }, EVIL, CLOSE_NOTIFY]);
        expect(await readToEnd(socket)).toEqual({ text: 'evil', end: 'clean end' });
      });
    });
  });
});
