import { describe, expect, it } from 'vitest';
import { parseCertificate } from '../src/x509/certificate.js';
import { Extension } from '@peculiar/asn1-x509';
import { DerError, decodeDer, parseDer } from '../src/x509/der.js';
import { decodeGeneralNames, decodeNameConstraints } from '../src/x509/general-name.js';
import { VerificationFailure } from '../src/x509/failure.js';
import { certificatesIn } from '../src/x509/pem.js';
import { ca } from './x509-fixtures.js';

const bytes = (...values: number[]) => Uint8Array.from(values);

describe('strict DER (X.690 10-11)', () => {
  it('accepts DER, including long-form lengths whose last octet is zero (asn1js flags those wrongly)', () => {
    expect(() => decodeDer(bytes(0x30, 0x03, 0x02, 0x01, 0x05))).not.toThrow();
    expect(() => decodeDer(Uint8Array.of(0x04, 0x82, 0x01, 0x00, ...new Array(256).fill(7)))).not.toThrow();
    expect(() => decodeDer(bytes(0x02, 0x02, 0x00, 0x80))).not.toThrow();
    expect(() => decodeDer(bytes(0x01, 0x01, 0xff))).not.toThrow();
  });

  it.each([
    ['trailing bytes', bytes(0x05, 0x00, 0x00)],
    ['an indefinite length', bytes(0x30, 0x80, 0x05, 0x00, 0x00, 0x00)],
    ['a long form for a short length', bytes(0x04, 0x81, 0x01, 0x07)],
    ['a leading zero length octet', Uint8Array.of(0x04, 0x82, 0x00, 0x81, ...new Array(0x81).fill(7))],
    ['a non-minimal INTEGER', bytes(0x02, 0x02, 0x00, 0x05)],
    ['a non-minimal negative INTEGER', bytes(0x02, 0x02, 0xff, 0x85)],
    ['an empty INTEGER', bytes(0x02, 0x00)],
    ['a BOOLEAN that is not 00 or FF', bytes(0x01, 0x01, 0x01)],
    ['a constructed OCTET STRING', bytes(0x24, 0x03, 0x04, 0x01, 0x07)],
    ['non-zero BIT STRING padding', bytes(0x03, 0x02, 0x01, 0x01)],
    ['a BIT STRING with 8 unused bits', bytes(0x03, 0x02, 0x08, 0x00)],
    ['a truncated value', bytes(0x30, 0x05, 0x05, 0x00)],
    ['nothing', bytes()],
  ])('refuses %s', (_, input) => {
    expect(() => decodeDer(input)).toThrow(DerError);
  });

  it('refuses nesting deeper than certificates need', () => {
    const nest = (levels: number) => {
      let deep = bytes(0x05, 0x00);
      for (let i = 0; i < levels; i++) deep = Uint8Array.of(0x30, ...(deep.length < 128 ? [deep.length] : [0x81, deep.length]), ...deep);
      return deep;
    };
    expect(() => decodeDer(nest(30))).not.toThrow();
    expect(() => decodeDer(nest(80))).toThrow(/nested too deeply/);
  });
});

describe('parseCertificate', () => {
  const good = ca('DER root').der;

  it('decodes a certificate and exposes the signed bytes as received', () => {
    const cert = parseCertificate(good, 65536);
    expect(cert.version).toBe(3);
    expect(cert.selfIssued).toBe(true);
    expect(good.subarray(4, 4 + cert.tbs.length)).toEqual(cert.tbs);
  });

  it('refuses oversized, trailing or truncated input with a typed failure', () => {
    expect(() => parseCertificate(good, 100)).toThrow(expect.objectContaining({ code: 'CERTIFICATE_TOO_LARGE' }));
    expect(() => parseCertificate(Uint8Array.of(...good, 0), 65536)).toThrow(VerificationFailure);
    expect(() => parseCertificate(good.subarray(0, good.length - 1), 65536)).toThrow(expect.objectContaining({ code: 'MALFORMED_CERTIFICATE' }));
    expect(() => parseCertificate(bytes(0x30, 0x00), 65536)).toThrow(expect.objectContaining({ code: 'MALFORMED_CERTIFICATE' }));
  });
});

describe('PEM bundles (RFC 7468)', () => {
  const der = ca('PEM root').der;
  const pem = (body: Uint8Array) => `-----BEGIN CERTIFICATE-----\n${Buffer.from(body).toString('base64').replace(/.{64}/g, '$&\n')}\n-----END CERTIFICATE-----\n`;

  it('reads every CERTIFICATE block, skipping text around them, and one DER certificate as is', () => {
    const bundle = new TextEncoder().encode(`# a comment\n${pem(der)}junk\n${pem(der)}`);
    expect(certificatesIn(bundle)).toEqual({ certificates: [der, der], malformed: 0 });
    expect(certificatesIn(der).certificates).toEqual([der]);
  });

  it('counts blocks with bad base64, and ignores TRUSTED CERTIFICATE blocks', () => {
    const text = '-----BEGIN CERTIFICATE-----\n!!!\n-----END CERTIFICATE-----\n-----BEGIN TRUSTED CERTIFICATE-----\nMA==\n-----END TRUSTED CERTIFICATE-----\n';
    expect(certificatesIn(new TextEncoder().encode(text))).toEqual({ certificates: [], malformed: 1 });
  });
});

describe('nested lengths', () => {
  it('refuses a child running past its parent (asn1js reads it anyway)', () => {
    // SEQUENCE of length 3 whose INTEGER claims 2 octets of value: 1 byte spills over the parent.
    expect(() => decodeDer(bytes(0x30, 0x03, 0x02, 0x02, 0x01, 0x02))).toThrow(DerError);
    expect(() => decodeDer(bytes(0x30, 0x04, 0x02, 0x02, 0x01, 0x02))).not.toThrow();
  });
});

describe('schema-level DER (the bytes must be what the library writes for what it read)', () => {
  it('refuses a constructed tag where a SEQUENCE is due, which the schema parser lets through', () => {
    const der = Uint8Array.from(ca('Tagged root').der);
    der[0] = 0xa0;
    expect(() => parseCertificate(der, 65536)).toThrow(expect.objectContaining({ code: 'MALFORMED_CERTIFICATE' }));
  });

  it('refuses an explicitly encoded DEFAULT (critical FALSE, X.690 11.5)', () => {
    // Extension { subjectKeyIdentifier, critical FALSE, OCTET STRING { OCTET STRING 01 } }
    const explicitFalse = bytes(0x30, 0x0d, 0x06, 0x03, 0x55, 0x1d, 0x0e, 0x01, 0x01, 0x00, 0x04, 0x03, 0x04, 0x01, 0x01);
    expect(() => parseDer(explicitFalse, Extension)).toThrow(DerError);
    const implicitFalse = bytes(0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x0e, 0x04, 0x03, 0x04, 0x01, 0x01);
    expect(parseDer(implicitFalse, Extension).critical).toBe(false);
  });
});

describe('GeneralNames and NameConstraints from the tree', () => {
  it('decode each CHOICE by its context tag, keeping IP octets and directoryName RDNs', () => {
    // SEQUENCE { [2] "a.test", [7] 192.0.2.1, [4] { Name { SET { SEQ { CN, "x" } } } } }
    const names = decodeGeneralNames(
      bytes(0x30, 0x1f, 0x82, 0x06, ...new TextEncoder().encode('a.test'), 0x87, 0x04, 192, 0, 2, 1, 0xa4, 0x0f, 0x30, 0x0d, 0x31, 0x0b, 0x30, 0x09, 0x06, 0x03, 0x55, 0x04, 0x03, 0x0c, 0x02, 0x78, 0x79),
    );
    expect(names[0]).toEqual({ kind: 'dns', value: 'a.test' });
    expect(names[1]).toEqual({ kind: 'ip', value: Uint8Array.of(192, 0, 2, 1) });
    expect(names[2]).toMatchObject({ kind: 'directory' });
  });

  it.each([
    ['an empty list', bytes(0x30, 0x00)],
    ['a constructed dNSName', bytes(0x30, 0x04, 0xa2, 0x02, 0x04, 0x00)],
    ['a primitive directoryName', bytes(0x30, 0x02, 0x84, 0x00)],
    ['an unknown tag [9]', bytes(0x30, 0x02, 0x89, 0x00)],
    ['a universal tag', bytes(0x30, 0x02, 0x16, 0x00)],
    ['a SET instead of a SEQUENCE', bytes(0x31, 0x02, 0x82, 0x00)],
  ])('refuse %s', (_, der) => {
    expect(() => decodeGeneralNames(der)).toThrow(DerError);
  });

  it('read subtree bounds as present, and refuse misplaced fields', () => {
    // SEQUENCE { [0] { SEQUENCE { [2] "a", [1] 2 } } }
    expect(decodeNameConstraints(bytes(0x30, 0x0a, 0xa0, 0x08, 0x30, 0x06, 0x82, 0x01, 0x61, 0x81, 0x01, 0x02)).permitted?.[0]).toMatchObject({ bounded: true });
    expect(decodeNameConstraints(bytes(0x30, 0x07, 0xa1, 0x05, 0x30, 0x03, 0x82, 0x01, 0x61)).excluded?.[0]).toMatchObject({ bounded: false });
    expect(() => decodeNameConstraints(bytes(0x30, 0x0e, 0xa1, 0x05, 0x30, 0x03, 0x82, 0x01, 0x61, 0xa0, 0x05, 0x30, 0x03, 0x82, 0x01, 0x61))).toThrow(DerError);
    expect(() => decodeNameConstraints(bytes(0x30, 0x04, 0xa0, 0x02, 0x05, 0x00))).toThrow(DerError);
  });
});

describe('the decoded-certificate cache', () => {
  it('returns the same decoded certificate for the same bytes, unless asked not to cache', () => {
    const der = ca('Cached root').der;
    expect(parseCertificate(der, 65536)).toBe(parseCertificate(Uint8Array.from(der), 65536));
    expect(parseCertificate(der, 65536, { cache: false })).not.toBe(parseCertificate(der, 65536));
  });
});
