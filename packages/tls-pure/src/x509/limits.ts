/**
 * Named bounds of the path validator, against certificates and chains built to exhaust it
 * (x509-limbo's "pathological" cases, Go's TestPathologicalChains, the OpenSSL name-constraint
 * blowups). Every bound fails closed with a CertificateVerificationError.
 *
 * @module
 */
import { VerificationFailure } from './failure.js';

/** The validator's limits; every field has a safe default in {@link DEFAULT_LIMITS}. */
export interface ValidationLimits {
  /** Largest DER certificate accepted, in bytes (TLS allows 2^24 - 1; real ones are < 8 KiB). */
  readonly maxCertificateSize: number;
  /** Most certificates the peer may present (leaf plus intermediates). */
  readonly maxPresentedCertificates: number;
  /**
   * Most intermediates in a built path, not counting the leaf, the trust anchor and self-issued
   * certificates (RFC 5280 6.1 counts paths the same way for pathLenConstraint).
   */
  readonly maxIntermediates: number;
  /** Signature verifications per validation (webpki and Go also stop at 100). */
  readonly maxSignatureChecks: number;
  /** Candidate issuers considered per validation, whether or not their signature is checked. */
  readonly maxPathBuildingSteps: number;
  /** Name / name-constraint comparisons per validation (Go uses 250000). */
  readonly maxNameConstraintComparisons: number;
}

export const DEFAULT_LIMITS: ValidationLimits = Object.freeze({
  maxCertificateSize: 64 * 1024,
  maxPresentedCertificates: 128,
  maxIntermediates: 8,
  maxSignatureChecks: 100,
  maxPathBuildingSteps: 2_000,
  maxNameConstraintComparisons: 250_000,
});

/** What one validation may still spend; a budget error ends the whole search, not one path. */
export class Budget {
  #signatures: number;
  #steps: number;
  #comparisons: number;

  constructor(limits: ValidationLimits) {
    this.#signatures = limits.maxSignatureChecks;
    this.#steps = limits.maxPathBuildingSteps;
    this.#comparisons = limits.maxNameConstraintComparisons;
  }

  /** @throws VerificationFailure (fatal) when no signature check is left. */
  spendSignatureCheck(): void {
    if (--this.#signatures < 0) throw VerificationFailure.fatal('chain-too-long', 'SIGNATURE_BUDGET_EXCEEDED', 'path building exceeded its signature-check budget');
  }

  /** @throws VerificationFailure (fatal) when no candidate may be considered any more. */
  spendPathBuildingStep(): void {
    if (--this.#steps < 0) throw VerificationFailure.fatal('chain-too-long', 'PATH_BUDGET_EXCEEDED', 'path building exceeded its budget of candidate issuers');
  }

  /** @throws VerificationFailure (fatal) when no name comparison is left. */
  spendNameComparison(): void {
    if (--this.#comparisons < 0) {
      throw VerificationFailure.fatal('name-constraints', 'NAME_CONSTRAINT_BUDGET_EXCEEDED', 'checking name constraints exceeded its comparison budget');
    }
  }
}
