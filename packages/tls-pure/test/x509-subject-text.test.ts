/**
 * Subjects in tls-pure's messages are escaped as RFC 4514 section 2.4 says and read exactly as
 * node:crypto's X509Certificate.subject (OpenSSL's ESC_2253 | ESC_CTRL), which tls-node and
 * tls-openssl name certificates with: break13 found tls-pure showing ',' '+' '"' '\' '<' '>' ';'
 * and a leading '#' or space bare, so "CN=a\, O=b" (one attribute) and "CN=a, O=b" (two) read
 * the same and the implementations disagreed over one certificate.
 */
import { X509Certificate } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { AttributeTypeAndValue, AttributeValue, Name, RelativeDistinguishedName } from '@peculiar/asn1-x509';
import { ParsedCertificate } from '../src/x509/certificate.js';
import { subjectText, escapeDnValue } from '../src/x509/subject-text.js';
import { checkValidity } from '../src/x509/validity.js';
import { VerificationFailure } from '../src/x509/failure.js';
import { certificate, DAY, now } from './x509-fixtures.js';

type Attribute = readonly [type: string, value: string, kind?: 'utf8String' | 'printableString' | 'ia5String'];

/** A Name from RDNs, each a list of attributes (several: a multi-valued RDN). */
function nameOf(...rdns: ReadonlyArray<readonly Attribute[]>): Name {
  return new Name(
    rdns.map(
      (attributes) =>
        new RelativeDistinguishedName(
          attributes.map(([type, value, kind = 'utf8String']) => new AttributeTypeAndValue({ type, value: new AttributeValue({ [kind]: value }) })),
        ),
    ),
  );
}

const CN = '2.5.4.3';
const O = '2.5.4.10';
const OU = '2.5.4.11';

/** Subjects and how RFC 4514 writes them (RDNs joined by ", ", as the messages do). */
const SUBJECTS: ReadonlyArray<readonly [string, Name, string]> = [
  ['a comma', nameOf([[CN, 'Example, Inc.']]), 'CN=Example\\, Inc.'],
  ['every special character', nameOf([[CN, 'a,b+c"d\\e<f>g;h']]), 'CN=a\\,b\\+c\\"d\\\\e\\<f\\>g\\;h'],
  ['a leading #', nameOf([[CN, '#1 server']]), 'CN=\\#1 server'],
  ['a # inside', nameOf([[CN, 'server #1']]), 'CN=server #1'],
  ['a leading and a trailing space', nameOf([[CN, ' padded ']]), 'CN=\\ padded\\ '],
  ['an equals sign (RFC 4514 leaves it, as OpenSSL does)', nameOf([[CN, 'a=b']]), 'CN=a=b'],
  ['control characters', nameOf([[CN, 'line\nbreak\u007f']]), 'CN=line\\0Abreak\\7F'],
  ['a multi-valued RDN', nameOf([[CN, 'host'], [OU, 'web']], [[O, 'Org; Ltd']]), 'CN=host + OU=web, O=Org\\; Ltd'],
  ['non-ASCII text', nameOf([[CN, 'Zürich <eu>']]), 'CN=Zürich \\<eu\\>'],
  ['a PrintableString', nameOf([[CN, 'a+b', 'printableString']]), 'CN=a\\+b'],
];

describe('subjects in messages (RFC 4514 section 2.4)', () => {
  it.each(SUBJECTS)('%s: escaped, and as node:crypto shows it', (_, subject, expected) => {
    const { der } = certificate({ subject, extensions: [] });
    expect(subjectText(ParsedCertificate.decode(der).subjectName)).toBe(expected);
    // What tls-node and tls-openssl name the certificate with (node:crypto's lines joined by ", ").
    expect(new X509Certificate(der).subject.split('\n').join(', ')).toBe(expected);
  });

  it('an expired certificate with such a subject is named escaped', () => {
    const subject = nameOf([[CN, '#evil, O=Trusted CA']]);
    const { der } = certificate({ subject, extensions: [], notBefore: new Date(now - 30 * DAY), notAfter: new Date(now - DAY) });
    let failure: unknown;
    try {
      checkValidity(ParsedCertificate.decode(der), Math.floor(now / 1000), 'leaf');
    } catch (error) {
      failure = error;
    }
    expect(failure).toBeInstanceOf(VerificationFailure);
    expect((failure as Error).message).toMatch(/^certificate verification failed: the certificate "CN=\\#evil\\, O=Trusted CA" expired at /);
  });

  it('escapeDnValue leaves a value without special characters as it is', () => {
    expect(escapeDnValue('localhost')).toBe('localhost');
    expect(escapeDnValue('')).toBe('');
  });
});
