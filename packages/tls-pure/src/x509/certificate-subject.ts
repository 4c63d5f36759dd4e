/**
 * A certificate's subject Name found from its DER by walking tag-length headers only (RFC 5280
 * 4.1: Certificate ::= SEQUENCE { tbsCertificate SEQUENCE { [0] version OPTIONAL, serialNumber,
 * signature, issuer, validity, subject, ... }, ... }), without decoding anything else. A trust
 * store indexes its certificates by subject this way and decodes one fully (certificate.ts, about
 * a millisecond each through the ASN.1 libraries) only when a chain names it as an issuer.
 *
 * @module
 */

/** One DER header: where the value starts and ends; null when it does not fit in `end`. */
function header(der: Uint8Array, at: number, end: number): { tag: number; start: number; end: number } | null {
  if (at + 2 > end) return null;
  const tag = der[at]!;
  // Every tag on the way to the subject is a one-octet tag; a high tag number is not a certificate.
  if ((tag & 0x1f) === 0x1f) return null;
  let length = der[at + 1]!;
  let start = at + 2;
  if (length === 0x80) return null; // indefinite length: not DER
  if (length > 0x80) {
    const octets = length & 0x7f;
    if (octets > 4 || start + octets > end) return null;
    length = 0;
    for (let i = 0; i < octets; i++) length = length * 256 + der[start + i]!;
    start += octets;
  }
  return start + length > end ? null : { tag, start, end: start + length };
}

const SEQUENCE = 0x30;
const VERSION = 0xa0; // [0] EXPLICIT, constructed

/**
 * The DER of the certificate's subject Name (a view of `der`), or null when the outline is not
 * that of a certificate. The bytes are the same that a full decode's `subject` holds; whether the
 * rest is a valid certificate is left to that decode.
 */
export function subjectOf(der: Uint8Array): Uint8Array | null {
  const certificate = header(der, 0, der.length);
  if (certificate === null || certificate.tag !== SEQUENCE || certificate.end !== der.length) return null;
  const tbs = header(der, certificate.start, certificate.end);
  if (tbs === null || tbs.tag !== SEQUENCE) return null;
  let at = tbs.start;
  let field = header(der, at, tbs.end);
  if (field !== null && field.tag === VERSION) {
    at = field.end;
    field = header(der, at, tbs.end);
  }
  // serialNumber, signature, issuer, validity: skipped; the next is the subject.
  for (let skip = 0; skip < 4; skip++) {
    if (field === null) return null;
    at = field.end;
    field = header(der, at, tbs.end);
  }
  if (field === null || field.tag !== SEQUENCE) return null;
  return der.subarray(at, field.end);
}
