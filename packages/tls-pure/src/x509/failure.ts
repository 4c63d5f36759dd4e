/**
 * Why a candidate path failed, inside the validator. The entry point turns the one it reports into
 * tls-core's CertificateVerificationError.
 *
 * @module
 */
import { CertificateVerificationError, withVerificationAdvice, type VerificationFailureReason } from '@unitls/tls-core';

/**
 * The validator's own codes (CertificateVerificationError's `verifyCode`), each mapped to one of
 * tls-core's neutral reasons where it is raised.
 */
export type VerifyCode =
  | 'MALFORMED_CERTIFICATE'
  | 'CERTIFICATE_TOO_LARGE'
  | 'TOO_MANY_CERTIFICATES'
  | 'UNSUPPORTED_VERSION'
  | 'BAD_SERIAL_NUMBER'
  | 'SIGNATURE_ALGORITHM_MISMATCH'
  | 'UNSUPPORTED_SIGNATURE_ALGORITHM'
  | 'UNSUPPORTED_PUBLIC_KEY'
  | 'WEAK_PUBLIC_KEY'
  | 'EMPTY_ISSUER'
  | 'EMPTY_SUBJECT'
  | 'BAD_VALIDITY_ENCODING'
  | 'EXPIRED'
  | 'NOT_YET_VALID'
  | 'DUPLICATE_EXTENSION'
  | 'MALFORMED_EXTENSION'
  | 'EXTENSION_CRITICALITY'
  | 'UNSUPPORTED_CRITICAL_EXTENSION'
  | 'MISSING_EXTENSION'
  | 'CA_USED_AS_END_ENTITY'
  | 'END_ENTITY_USED_AS_CA'
  | 'KEY_USAGE'
  | 'PATH_LENGTH_EXCEEDED'
  | 'TOO_MANY_INTERMEDIATES'
  | 'REQUIRED_EKU_NOT_FOUND'
  | 'PROHIBITED_EKU'
  | 'NAME_CONSTRAINT_VIOLATION'
  | 'MALFORMED_NAME_CONSTRAINT'
  | 'UNSUPPORTED_NAME_CONSTRAINT'
  | 'UNKNOWN_ISSUER'
  | 'SELF_SIGNED'
  | 'BAD_SIGNATURE'
  | 'NAME_MISMATCH'
  | 'INVALID_REFERENCE_NAME'
  | 'REVOKED'
  | 'BAD_CRL'
  | 'SIGNATURE_BUDGET_EXCEEDED'
  | 'PATH_BUDGET_EXCEEDED'
  | 'NAME_CONSTRAINT_BUDGET_EXCEEDED';

/** The prefix every implementation's verification failure message starts with. */
const VERIFICATION_FAILED = 'certificate verification failed: ';

/** A failed check. `fatal` failures (exhausted budgets) end the search instead of trying another path. */
export class VerificationFailure extends Error {
  override readonly name = 'VerificationFailure';

  constructor(
    readonly reason: VerificationFailureReason,
    readonly code: VerifyCode,
    message: string,
    readonly fatal = false,
  ) {
    super(message);
  }

  static fatal(reason: VerificationFailureReason, code: VerifyCode, message: string): VerificationFailure {
    return new VerificationFailure(reason, code, message, true);
  }

  /**
   * The public error, with `code` as its `verifyCode`: the error the caller sees, worded as tls-node's and tls-openssl's are ("certificate
   * verification failed: <what> (<code>)[; advice]"), so a message reads the same whichever
   * implementation made it; this validator's own detail (the date a certificate expired) is kept.
   */
  toError(): CertificateVerificationError {
    const message = this.message.startsWith(VERIFICATION_FAILED) ? this.message : `${VERIFICATION_FAILED}${this.message} (${this.code})`;
    return new CertificateVerificationError(this.reason, withVerificationAdvice(this.reason, message), { verifyCode: this.code, cause: this });
  }
}

/** Shorthand for the common "this certificate breaks RFC 5280 / the profile" failure. */
export function invalid(code: VerifyCode, message: string): VerificationFailure {
  return new VerificationFailure('invalid-certificate', code, message);
}
