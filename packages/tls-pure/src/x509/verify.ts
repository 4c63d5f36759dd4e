/**
 * The validator's entry point: is this peer's certificate chain good for this purpose and name,
 * at this time, from these trust anchors?
 *
 * @module
 */
import { CertificateVerificationError } from '@unitls/tls-core';
import { parseCertificate, type ParsedCertificate } from './certificate.js';
import { parseRevocationList, revocationCheck } from './crl.js';
import { VerificationFailure } from './failure.js';
import { Budget, DEFAULT_LIMITS, type ValidationLimits } from './limits.js';
import { buildPath } from './path-builder.js';
import { checkEndEntity, type Purpose } from './profile.js';
import type { SignatureVerifier } from './signature-verifier.js';
import { checkSubjectName, referenceName } from './subject-name.js';
import type { TrustAnchors } from './trust-anchors.js';
import { checkValidity } from './validity.js';

/** Options of {@link verifyCertificateChain}. */
export interface ChainVerificationOptions {
  /** `serverAuth` to verify a server (the client side), `clientAuth` to verify a client. */
  readonly purpose: Purpose;
  /**
   * The name the server must prove: a DNS name (A-labels) or an IP literal. Omitted or null: the
   * chain alone is judged (client certificates).
   */
  readonly serverName?: string | null;
  /** When to judge validity; default now. Compared in whole seconds (RFC 5280 4.1.2.5). */
  readonly time?: Date;
  /** Overrides of {@link DEFAULT_LIMITS}. */
  readonly limits?: Partial<ValidationLimits>;
  /**
   * DER certificate revocation lists the caller obtained (an extension: PEP 748 has no
   * revocation input). Each link is checked against its issuer's CRL when one is given; see crl.ts.
   */
  readonly crls?: readonly Uint8Array[];
}

/** A verified path. */
export interface VerifiedPath {
  /** Leaf first, trust anchor last (one certificate when the leaf itself is trusted). */
  readonly certificates: readonly ParsedCertificate[];
}

function parsePresented(presented: readonly Uint8Array[], limits: ValidationLimits): { leaf: ParsedCertificate; intermediates: ParsedCertificate[] } {
  if (presented.length === 0) throw new VerificationFailure('missing-certificate', 'MALFORMED_CERTIFICATE', 'the peer sent no certificate');
  if (presented.length > limits.maxPresentedCertificates) {
    throw new VerificationFailure('chain-too-long', 'TOO_MANY_CERTIFICATES', `the peer sent ${presented.length} certificates; at most ${limits.maxPresentedCertificates} are accepted`);
  }
  const leaf = parseCertificate(presented[0]!, limits.maxCertificateSize);
  const intermediates: ParsedCertificate[] = [];
  for (const der of presented.slice(1)) {
    // An undecodable intermediate cannot be in any path; it costs nothing to leave it out.
    try {
      intermediates.push(parseCertificate(der, limits.maxCertificateSize));
    } catch (error) {
      if (!(error instanceof VerificationFailure)) throw error;
    }
  }
  return { leaf, intermediates };
}

/**
 * `failure` of the leaf's profile, or 'self-signed' when the leaf is a self-issued CA certificate
 * that no anchor could have issued: what `openssl req -x509` makes (CA:TRUE by default), which a
 * user passes in the trust store to trust, as tls-node and tls-openssl advise with 'self-signed'.
 * Before, tls-pure said 'invalid-purpose' (a CA as end entity), so code switching on `reason`
 * broke when swapping implementations (trial 9). Still a failure either way (x509-limbo agrees).
 */
function selfSignedOr(failure: VerificationFailure, leaf: ParsedCertificate, anchors: TrustAnchors): VerificationFailure {
  const looksLikeCa = failure.code === 'CA_USED_AS_END_ENTITY' || failure.code === 'KEY_USAGE';
  if (!looksLikeCa || !leaf.selfIssued || anchors.withSubject(leaf.issuer).length > 0) return failure;
  return new VerificationFailure('self-signed', 'SELF_SIGNED', 'the certificate is self-signed and not in the trust store');
}

/**
 * Verifies the peer's chain: the leaf (first of `presented`) against the end-entity profile and
 * `purpose`, a path through `presented`'s other certificates (in any order) to one of `anchors`,
 * every certificate valid at `time`, signatures through `verifier`, basic constraints and path
 * lengths, key usages, name constraints, and finally `serverName` against the leaf's
 * subjectAltName (never its subject CN). The profile and its choices are in profile.ts; the
 * bounds in limits.ts.
 *
 * @param presented - DER certificates as the peer sent them, leaf first.
 * @returns the path found.
 * @throws TypeError when `options.time` is not a valid Date.
 * @throws CertificateVerificationError with the neutral `reason` (expired, not-yet-valid,
 *   self-signed, untrusted-issuer, hostname-mismatch, bad-signature, invalid-purpose,
 *   invalid-certificate, chain-too-long, name-constraints, missing-certificate, revoked, other
 *   for an unusable CRL) and the
 *   validator's own code as `verifyCode`.
 *
 * @example
 * ```ts
 * const anchors = TrustAnchors.fromDer([rootDer]);
 * verifyCertificateChain([leafDer, intermediateDer], anchors, nodeSignatureVerifier, { purpose: 'serverAuth', serverName: 'example.com' });
 * ```
 */
export function verifyCertificateChain(
  presented: readonly Uint8Array[],
  anchors: TrustAnchors,
  verifier: SignatureVerifier,
  options: ChainVerificationOptions,
): VerifiedPath {
  const atSeconds = Math.floor((options.time ?? new Date()).getTime() / 1000);
  if (!Number.isFinite(atSeconds)) throw new TypeError('verifyCertificateChain: options.time is not a valid Date');
  const limits: ValidationLimits = { ...DEFAULT_LIMITS, ...options.limits };
  try {
    const reference = options.serverName === undefined || options.serverName === null ? null : referenceName(options.serverName);
    const { leaf, intermediates } = parsePresented(presented, limits);
    const trustedAsIs = anchors.includes(leaf);
    const profile = leaf.verdict(`end entity for ${options.purpose}${trustedAsIs ? ', trusted as is' : ''}`, () => checkEndEntity(leaf, options.purpose, trustedAsIs));
    if (profile !== null) throw selfSignedOr(profile, leaf, anchors);
    checkValidity(leaf, atSeconds, 'leaf');
    const budget = new Budget(limits);
    const crls = (options.crls ?? []).map(parseRevocationList);
    const certificates = buildPath(
      {
        anchors,
        intermediates,
        verifier,
        budget,
        purpose: options.purpose,
        atSeconds,
        maxIntermediates: limits.maxIntermediates,
        ...(crls.length > 0 ? { checkLink: revocationCheck(crls, verifier, budget, atSeconds) } : {}),
      },
      leaf,
    );
    if (reference !== null) checkSubjectName(leaf, reference, options.serverName!);
    return Object.freeze({ certificates: Object.freeze(certificates) });
  } catch (error) {
    if (error instanceof VerificationFailure) throw error.toError();
    // A library failing on hostile input is still a refusal, never a crash of the handshake.
    throw new CertificateVerificationError('invalid-certificate', `the certificate chain could not be processed: ${(error as Error)?.message ?? String(error)}`, { cause: error, verifyCode: 'MALFORMED_CERTIFICATE' });
  }
}
