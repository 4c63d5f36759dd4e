/**
 * What ssl-compat advises for a certificate nobody said to trust, in the words of the API the
 * caller uses (node:tls's `ca` option for connect, Python's cafile / loadVerifyLocations for
 * SSLContext), in place of the implementations' PEP 748 advice (the configuration's trustStore).
 * Internal: not exported by the package.
 *
 * @module
 */
import { CertificateVerificationError, withoutVerificationAdvice, type VerificationFailureReason } from '@unitls/tls-core';

/** What to do about a certificate nobody said to trust, by reason, in one API's words. */
export type TrustAdvice = Partial<Record<VerificationFailureReason, string>>;

/**
 * node:tls's words (ssl-compat's connect): the implementations' advice names PEP 748's trustStore,
 * which a caller of ssl-compat's connect never sees.
 */
export const NODE_TLS_ADVICE: TrustAdvice = {
  'untrusted-issuer': "if you trust its issuer (a private or test CA), pass that CA's certificate in the ca option: connect({ ca: readFileSync('ca.pem') })",
  'self-signed': "if you trust this certificate, pass it in the ca option: connect({ ca: readFileSync('cert.pem') })",
};

/** `message` with `table`'s advice for `reason` in place of PEP 748's, if it has one. */
export function inTermsOf(table: TrustAdvice, reason: VerificationFailureReason, message: string): string {
  const advice = table[reason];
  // Mapped once already (connect maps where it raises and again where the socket is destroyed).
  if (advice === undefined || message.endsWith(`; ${advice}`)) return message;
  return `${withoutVerificationAdvice(reason, message)}; ${advice}`;
}

/**
 * `error` with `table`'s advice in place of PEP 748's trustStore advice when it is a
 * CertificateVerificationError for a reason `table` covers (a new error of the same reason and
 * verifyCode, the original as `cause`); any other value unchanged.
 */
export function withTrustAdvice(table: TrustAdvice, error: unknown): unknown {
  if (!(error instanceof CertificateVerificationError)) return error;
  const message = inTermsOf(table, error.reason, error.message);
  return message === error.message ? error : new CertificateVerificationError(error.reason, message, { cause: error, verifyCode: error.verifyCode });
}

/**
 * Python's ssl words (SSLContext): its `cafile` / `load_verify_locations`. A context from
 * createDefaultContext() already holds the system store, which a CA file cannot join (SSLContext
 * refuses the mix), so the advice names a context made with the CA instead.
 */
export const SSL_CONTEXT_ADVICE: TrustAdvice = {
  'untrusted-issuer':
    "if you trust its issuer (a private or test CA), give the SSLContext that CA's certificate: createDefaultContext(Purpose.SERVER_AUTH, { cafile: 'ca.pem' }), or loadVerifyLocations('ca.pem') on a new SSLContext(PROTOCOL_TLS_CLIENT)",
  'self-signed':
    "if you trust this certificate, give it to the SSLContext: createDefaultContext(Purpose.SERVER_AUTH, { cafile: 'cert.pem' }), or loadVerifyLocations('cert.pem') on a new SSLContext(PROTOCOL_TLS_CLIENT)",
};
