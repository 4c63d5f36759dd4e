/**
 * Certificate validity periods (RFC 5280 4.1.2.5): the strict time encodings and the check at the
 * verification time.
 *
 * @module
 */
import { DerError } from './der.js';
import { validityFailureMessage, type ChainPosition } from '@unitls/tls-core';
import type { ParsedCertificate } from './certificate.js';
import { VerificationFailure, invalid } from './failure.js';
import { subjectText } from './subject-text.js';

/** One end of a validity period, in whole seconds since the epoch (UTC). */
export interface CertificateTime {
  readonly seconds: number;
  readonly encoding: 'UTCTime' | 'GeneralizedTime';
}

/**
 * Decodes the contents of a UTCTime (tag 23) or GeneralizedTime (tag 24). RFC 5280 4.1.2.5.1-2:
 * UTCTime is YYMMDDHHMMSSZ (years 50-99 are 19xx), GeneralizedTime is YYYYMMDDHHMMSSZ, both in UTC
 * with seconds and without fractions.
 *
 * @throws DerError for any other form.
 */
export function decodeTime(tag: number, contents: Uint8Array): CertificateTime {
  const text = String.fromCharCode(...contents);
  const form = tag === 23 ? /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/ : tag === 24 ? /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/ : null;
  const match = form?.exec(text);
  if (!match) throw new DerError(`validity time ${JSON.stringify(text)} is not in RFC 5280 form`);
  const [year2, month, day, hour, minute, second] = match.slice(1).map(Number) as [number, number, number, number, number, number];
  const year = tag === 23 ? (year2 >= 50 ? 1900 + year2 : 2000 + year2) : year2;
  const ms = Date.UTC(year, month - 1, day, hour, minute, second);
  const back = new Date(ms);
  // Date.UTC rolls 31 February into March; the calendar fields must survive the round trip.
  if (
    month < 1 || month > 12 || back.getUTCDate() !== day || back.getUTCMonth() !== month - 1 ||
    hour > 23 || minute > 59 || second > 59
  ) {
    throw new DerError(`validity time ${JSON.stringify(text)} is not a calendar time`);
  }
  return { seconds: ms / 1000, encoding: tag === 23 ? 'UTCTime' : 'GeneralizedTime' };
}

/**
 * RFC 5280 4.1.2.5: dates through 2049 MUST be UTCTime, from 2050 GeneralizedTime.
 *
 * @throws VerificationFailure (invalid-certificate) when `time` breaks the rule.
 */
export function checkTimeEncoding(time: CertificateTime): void {
  const year = new Date(time.seconds * 1000).getUTCFullYear();
  if ((time.encoding === 'GeneralizedTime') === year < 2050) {
    throw invalid('BAD_VALIDITY_ENCODING', `a validity date in ${year} is encoded as ${time.encoding}, which RFC 5280 4.1.2.5 forbids`);
  }
}

/**
 * Whether `cert` is valid at `atSeconds` (whole seconds: validity has one-second granularity and
 * both ends are inclusive, RFC 5280 4.1.2.5). The failure's message is tls-core's one for every
 * implementation: the certificate's place and subject, its notAfter (notBefore), the time.
 *
 * @throws VerificationFailure `expired` or `not-yet-valid`.
 */
export function checkValidity(cert: ParsedCertificate, atSeconds: number, position: ChainPosition): void {
  const reason = atSeconds < cert.notBefore.seconds ? 'not-yet-valid' : atSeconds > cert.notAfter.seconds ? 'expired' : null;
  if (reason === null) return;
  const validity = { subject: subjectText(cert.subjectName), notBefore: new Date(cert.notBefore.seconds * 1000), notAfter: new Date(cert.notAfter.seconds * 1000) };
  const code = reason === 'expired' ? 'EXPIRED' : 'NOT_YET_VALID';
  throw new VerificationFailure(reason, code, validityFailureMessage(reason, validity, position, new Date(atSeconds * 1000), code));
}
