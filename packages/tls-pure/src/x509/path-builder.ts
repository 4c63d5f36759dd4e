/**
 * Certification path building (RFC 4158) and the path-dependent checks of RFC 5280 6.1: from the
 * leaf, try each candidate issuer (trust anchors first, then the peer's intermediates, the ones
 * whose subjectKeyIdentifier matches the child's authorityKeyIdentifier first, as Go and
 * cryptography do), and backtrack to the next when a path fails, so a cross-signed or expired
 * intermediate does not hide a valid path ("the chain of pain"). No certificate appears twice in
 * a path; a {@link Budget} bounds the whole search.
 *
 * @module
 */
import { signatureAlgorithmFor } from './algorithms.js';
import type { ParsedCertificate } from './certificate.js';
import { keyIdentifiers } from './extensions.js';
import { VerificationFailure } from './failure.js';
import type { Budget } from './limits.js';
import { checkNameConstraints, subtrees } from './name-constraints.js';
import { checkAuthority, checkAuthorityPurpose, checkServerRootProfile, checkTrustAnchorKey, pathLengthConstraint, type Purpose } from './profile.js';
import { parseSubjectPublicKey } from './public-key.js';
import type { SignatureVerifier } from './signature-verifier.js';
import type { TrustAnchors } from './trust-anchors.js';
import { checkValidity } from './validity.js';

/** What one search needs. */
export interface PathSearch {
  readonly anchors: TrustAnchors;
  readonly intermediates: readonly ParsedCertificate[];
  readonly verifier: SignatureVerifier;
  readonly budget: Budget;
  readonly purpose: Purpose;
  /** The verification time, in whole seconds since the epoch. */
  readonly atSeconds: number;
  readonly maxIntermediates: number;
  /** Extra per-link check (revocation), called once a link's signature verified. */
  readonly checkLink?: (child: ParsedCertificate, issuer: ParsedCertificate) => void;
}

type Candidate = { readonly cert: ParsedCertificate; readonly anchor: boolean };

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/** How likely `candidate` issued `child`: 0 when the key identifiers match, 2 when they differ, 1 when unknown. */
function likelihood(child: ParsedCertificate, candidate: ParsedCertificate): number {
  const want = keyIdentifiers(child).authority;
  const have = keyIdentifiers(candidate).subject;
  if (want === undefined || have === undefined) return 1;
  return bytesEqual(want, have) ? 0 : 2;
}

function candidatesFor(search: PathSearch, child: ParsedCertificate): Candidate[] {
  const found: Candidate[] = [
    ...search.anchors.withSubject(child.issuer).map((cert) => ({ cert, anchor: true })),
    ...search.intermediates.filter((cert) => bytesEqual(cert.subject, child.issuer)).map((cert) => ({ cert, anchor: false })),
  ];
  // Stable: within a bucket, anchors stay before intermediates.
  return found
    .map((candidate) => ({ candidate, rank: likelihood(child, candidate.cert) }))
    .sort((a, b) => a.rank - b.rank)
    .map(({ candidate }) => candidate);
}

/** How telling a failure is when every candidate failed: anything specific beats "no issuer". */
function rank(failure: VerificationFailure): number {
  if (failure.reason === 'untrusted-issuer' || failure.reason === 'self-signed') return 0;
  if (failure.reason === 'bad-signature') return 1;
  return 2;
}

/** Non-self-issued intermediates in `path` (RFC 5280 6.1.4 (l): self-issued ones do not count). */
function countedIntermediates(path: readonly ParsedCertificate[]): number {
  return path.slice(1).filter((cert) => !cert.selfIssued).length;
}

/**
 * RFC 5280 6.1.3 (a)(1): the child's signature verifies with the candidate's key.
 *
 * @throws VerificationFailure `bad-signature`, or fatally when the budget is spent.
 */
function checkSignature(search: PathSearch, child: ParsedCertificate, issuer: ParsedCertificate): void {
  const key = issuer.memo('public key', () => parseSubjectPublicKey(issuer.subjectPublicKeyInfo));
  const algorithm = signatureAlgorithmFor(child.signatureAlgorithm, key);
  search.budget.spendSignatureCheck();
  let valid: boolean;
  try {
    valid = search.verifier.verifySignature(algorithm, issuer.subjectPublicKeyInfo, child.tbs, child.signatureValue);
  } catch {
    valid = false;
  }
  if (!valid) throw new VerificationFailure('bad-signature', 'BAD_SIGNATURE', `a certificate's ${algorithm} signature does not verify with its issuer's key`);
}

/**
 * Checks `candidate` as the issuer of the last certificate of `path`.
 *
 * @throws VerificationFailure when it cannot be.
 */
function checkIssuer(search: PathSearch, path: readonly ParsedCertificate[], candidate: Candidate): void {
  const { cert, anchor } = candidate;
  const lenient = anchor && !search.anchors.checkProfile;
  const profile = lenient ? cert.verdict('anchor key', () => checkTrustAnchorKey(cert)) : cert.verdict(anchor ? 'anchor' : 'intermediate', () => checkAuthority(cert, anchor));
  if (profile !== null) throw profile;
  checkValidity(cert, search.atSeconds, anchor ? 'anchor' : 'intermediate');
  checkAuthorityPurpose(cert, search.purpose);
  if (anchor && !lenient && search.purpose === 'serverAuth') checkServerRootProfile(cert);
  const below = countedIntermediates(path);
  const limit = pathLengthConstraint(cert);
  if (limit !== undefined && below > limit) {
    throw new VerificationFailure('chain-too-long', 'PATH_LENGTH_EXCEEDED', `a CA allows ${limit} intermediate(s) below it and the path has ${below} (RFC 5280 4.2.1.9)`);
  }
  if (!anchor && below + (cert.selfIssued ? 0 : 1) > search.maxIntermediates) {
    throw new VerificationFailure('chain-too-long', 'TOO_MANY_INTERMEDIATES', `the path would need more than ${search.maxIntermediates} intermediates`);
  }
  const child = path[path.length - 1]!;
  checkSignature(search, child, cert);
  const constraints = subtrees(cert);
  if (constraints !== undefined) {
    // RFC 5280 6.1.3 (b): self-issued intermediates are exempt; the leaf never is.
    const constrained = path.filter((member, index) => index === 0 || !member.selfIssued);
    checkNameConstraints(constraints, constrained, search.budget);
  }
  search.checkLink?.(child, cert);
}

function extend(search: PathSearch, path: readonly ParsedCertificate[]): ParsedCertificate[] {
  const child = path[path.length - 1]!;
  let best: VerificationFailure | undefined;
  for (const candidate of candidatesFor(search, child)) {
    search.budget.spendPathBuildingStep();
    if (path.some((member) => member.sameAs(candidate.cert))) continue;
    try {
      checkIssuer(search, path, candidate);
      return candidate.anchor ? [...path, candidate.cert] : extend(search, [...path, candidate.cert]);
    } catch (error) {
      if (!(error instanceof VerificationFailure) || error.fatal) throw error;
      if (best === undefined || rank(error) > rank(best)) best = error;
    }
  }
  if (best !== undefined) throw best;
  const leaf = path[0]!;
  if (path.length === 1 && leaf.selfIssued) {
    throw new VerificationFailure('self-signed', 'SELF_SIGNED', 'the certificate is self-signed and not in the trust store');
  }
  throw new VerificationFailure(
    'untrusted-issuer',
    'UNKNOWN_ISSUER',
    path.length === 1 ? "the certificate's issuer is neither in the trust store nor among the peer's intermediates" : 'no path from the certificate reaches the trust store (an intermediate is missing or its issuer is untrusted)',
  );
}

/**
 * Builds a path from `leaf` (already checked as an end entity) to a trust anchor.
 *
 * @returns the path, leaf first and anchor last (the leaf alone when it is itself an anchor).
 * @throws VerificationFailure the most telling failure among the paths tried.
 */
export function buildPath(search: PathSearch, leaf: ParsedCertificate): ParsedCertificate[] {
  if (search.anchors.includes(leaf)) return [leaf];
  return extend(search, [leaf]);
}
