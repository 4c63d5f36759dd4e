/**
 * codec/hex.ts, the one bytes<->hex helper of tls-pure (it replaced three copies: crypto/noble.ts's
 * OID keys, x509/crl.ts's revoked serials, x509/subject-name.ts's odd-length iPAddress text): the
 * same text as Node's Buffer for any bytes, the way back for any even-length hex, bad hex refused.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../src/codec/hex.js';

describe('codec/hex', () => {
  it('writes what Buffer writes and reads it back, for any bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (bytes) => {
        const text = toHex(bytes);
        expect(text).toBe(Buffer.from(bytes).toString('hex'));
        expect(fromHex(text)).toEqual(bytes);
        expect(fromHex(text.toUpperCase())).toEqual(bytes);
      }),
    );
  });

  it('refuses odd lengths and non-hex digits', () => {
    expect(() => fromHex('abc')).toThrow(RangeError);
    expect(() => fromHex('zz')).toThrow(RangeError);
    expect(fromHex('')).toEqual(new Uint8Array(0));
  });
});
