/**
 * What to do about a certificate nobody told us to trust: the sentence every implementation
 * appends to its CertificateVerificationError message for those reasons (trial 7: "unable to get
 * local issuer certificate" said what went wrong, not what to do).
 *
 * @module
 */
import type { VerificationFailureReason } from './errors.js';

const ADVICE: Partial<Record<VerificationFailureReason, string>> = {
  'untrusted-issuer': "if you trust its issuer (a private or test CA), pass that CA's certificate in the configuration's trustStore: TrustStore.fromFile('ca.pem') or TrustStore.fromBuffer(pem)",
  'self-signed': "if you trust this certificate, pass it in the configuration's trustStore: TrustStore.fromFile('cert.pem') or TrustStore.fromBuffer(pem)",
};

/**
 * `message` with what the caller can do about `reason` appended ("...; if you trust its issuer
 * ..., pass that CA's certificate in the configuration's trustStore: ..."); `message` as it is
 * for reasons the caller cannot fix by trusting something.
 */
export function withVerificationAdvice(reason: VerificationFailureReason, message: string): string {
  const advice = ADVICE[reason];
  return advice === undefined ? message : `${message}; ${advice}`;
}

/**
 * `message` without the advice {@link withVerificationAdvice} appended for `reason`, for a layer
 * that speaks another vocabulary (ssl-compat's node:tls `ca` option) and gives its own.
 */
export function withoutVerificationAdvice(reason: VerificationFailureReason, message: string): string {
  const advice = ADVICE[reason];
  return advice !== undefined && message.endsWith(`; ${advice}`) ? message.slice(0, -(advice.length + 2)) : message;
}
