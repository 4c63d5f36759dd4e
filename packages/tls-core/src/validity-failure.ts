/**
 * The one message every implementation gives for a certificate outside its validity period
 * (RFC 5280 §4.1.2.5), so that "expired" reads the same over tls-node, tls-openssl and tls-pure:
 * which certificate (its place in the chain and subject), its notAfter (or notBefore), the
 * verification time it was compared with, and what to do. Before, tls-node and tls-openssl said
 * OpenSSL's bare "certificate has expired" (no date, no certificate, no advice) and tls-pure gave
 * a date but neither the certificate nor the time it compared with.
 *
 * With several certificates of a chain outside their validity period, every implementation names
 * the one nearest the leaf (the leaf, then its issuer, up to the trust anchor), expired or not yet
 * valid. Why that one: the leaf is the peer's own certificate, the one its owner renews and the one
 * certainly sent by the peer (an intermediate or anchor may come from this computer's store); a
 * renewed leaf normally comes with its CA's current intermediate, so renewing it usually mends the
 * CAs above too; and it is what Go's crypto/x509 (the leaf checked before any chain is built),
 * tls-pure (likewise) and node:tls (OpenSSL's verification goes on past a failure; the result kept
 * is the last failure, and OpenSSL checks from the anchor down) report. OpenSSL with a callback that
 * stops at the first failure (tls-openssl, Python's ssl) meets the one nearest the anchor first:
 * tls-openssl walks the chain OpenSSL built to name the same certificate as the others (break13
 * found it naming an expired intermediate above an expired leaf the others named).
 *
 * @module
 */
import { CertificateVerificationError } from './errors.js';

/** The validity of the certificate a verification refused, as the implementation read it. */
export interface CertificateValidity {
  /** The certificate's subject, e.g. `CN=localhost` (RDNs joined by ", "). */
  readonly subject: string;
  /** Start of the validity period (RFC 5280 notBefore, inclusive). */
  readonly notBefore: Date;
  /** End of the validity period (RFC 5280 notAfter, inclusive). */
  readonly notAfter: Date;
}

/** Where the refused certificate sits: the peer's own (`leaf`), an intermediate CA, or the trust anchor. */
export type ChainPosition = 'leaf' | 'intermediate' | 'anchor';

const POSITION_WORDS: Readonly<Record<ChainPosition, string>> = {
  leaf: 'the certificate',
  intermediate: 'the intermediate CA certificate',
  anchor: 'the trust anchor',
};

/** What the caller can do about an expired or not-yet-valid certificate. */
export const VALIDITY_ADVICE = {
  expired: "check that this computer's clock (or the verification time given) is right; if it is, the certificate must be renewed by its owner",
  'not-yet-valid': "check that this computer's clock (or the verification time given) is right; if it is, the certificate was issued for a later start and must be reissued or waited for",
} as const;

/**
 * The message for a certificate refused as `reason` ('expired' or 'not-yet-valid'):
 * "certificate verification failed: the certificate "CN=localhost" expired at
 * 2026-12-01T00:00:00.000Z (its notAfter); the verification time was 2026-12-02T10:00:00.000Z
 * (CERT_HAS_EXPIRED); check that this computer's clock ... is right; ...". `verifyCode` is the
 * implementation's own code, the one part that differs between implementations.
 */
export function validityFailureMessage(
  reason: 'expired' | 'not-yet-valid',
  certificate: CertificateValidity,
  position: ChainPosition,
  verificationTime: Date,
  verifyCode: string,
): string {
  const which = `${POSITION_WORDS[position]} "${certificate.subject}"`;
  const what =
    reason === 'expired'
      ? `${which} expired at ${isoOf(certificate.notAfter)} (its notAfter)`
      : `${which} is not valid before ${isoOf(certificate.notBefore)} (its notBefore)`;
  return `certificate verification failed: ${what}; the verification time was ${isoOf(verificationTime)} (${verifyCode}); ${VALIDITY_ADVICE[reason]}`;
}

/**
 * A {@link CertificateVerificationError} for a certificate outside its validity period, with
 * {@link validityFailureMessage}'s message, `reason` and `verifyCode` as given and `cause` kept.
 */
export function validityFailure(
  reason: 'expired' | 'not-yet-valid',
  certificate: CertificateValidity,
  position: ChainPosition,
  verificationTime: Date,
  options: { verifyCode: string; cause?: unknown },
): CertificateVerificationError {
  return new CertificateVerificationError(reason, validityFailureMessage(reason, certificate, position, verificationTime, options.verifyCode), options);
}

/**
 * Whether a certificate valid from `notBefore` to `notAfter` fails as `reason` at `time`, with
 * one-second granularity as RFC 5280 validity has (both ends inclusive).
 */
export function failsValidity(reason: 'expired' | 'not-yet-valid', certificate: CertificateValidity, time: Date): boolean {
  const at = Math.floor(time.getTime() / 1000);
  return reason === 'expired' ? at > Math.floor(certificate.notAfter.getTime() / 1000) : at < Math.floor(certificate.notBefore.getTime() / 1000);
}

/** A date as ISO 8601 text; "an invalid date" rather than a RangeError for one that is not. */
function isoOf(date: Date): string {
  return Number.isFinite(date.getTime()) ? date.toISOString() : 'an invalid date';
}
