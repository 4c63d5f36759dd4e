/**
 * A set of trust anchors: decoded certificates indexed by subject, so path building finds the
 * candidate issuers of a certificate by its issuer name (RFC 5280 6.1.1 (d): a trust anchor is a
 * name and a key; this validator also holds anchors to their certificate's rules, as x509-limbo
 * expects).
 *
 * @module
 */
import { bytesKey as nameKey, parseCertificate, type ParsedCertificate } from './certificate.js';
import { DEFAULT_LIMITS } from './limits.js';

/** Trust anchors for {@link verifyCertificateChain}. Immutable. */
export class TrustAnchors {
  readonly certificates: readonly ParsedCertificate[];
  /** Certificates of the source that could not be decoded (and so trust nothing). */
  readonly skipped: number;
  /**
   * Whether anchors are held to the CA certificate profile (profile.ts checkAuthority), as
   * certificates the application supplies are. The operating system's store is not: it is curated
   * elsewhere, and several of its roots predate the profile (non-critical basicConstraints, no
   * subjectKeyIdentifier, a long-form authorityKeyIdentifier); for them an anchor is its name and
   * key, as RFC 5280 6.1.1 (d) and webpki have it, and its constraints still apply.
   */
  readonly checkProfile: boolean;
  readonly #bySubject = new Map<string, ParsedCertificate[]>();

  private constructor(certificates: ParsedCertificate[], skipped: number, checkProfile: boolean) {
    const unique: ParsedCertificate[] = [];
    for (const cert of certificates) {
      const key = nameKey(cert.subject);
      const same = this.#bySubject.get(key) ?? [];
      if (same.some((other) => other.sameAs(cert))) continue;
      same.push(cert);
      this.#bySubject.set(key, same);
      unique.push(cert);
    }
    this.certificates = Object.freeze(unique);
    this.skipped = skipped;
    this.checkProfile = checkProfile;
    Object.freeze(this);
  }

  /**
   * Anchors from DER certificates. With `skipMalformed`, certificates that do not decode are
   * counted in `skipped` (the operating system's store may hold some); otherwise they throw.
   * `checkProfile` (default true): see {@link TrustAnchors.checkProfile}.
   *
   * @throws VerificationFailure (`invalid-certificate`) for an undecodable certificate, unless skipped.
   */
  static fromDer(certificates: Iterable<Uint8Array>, options: { skipMalformed?: boolean; checkProfile?: boolean } = {}): TrustAnchors {
    const parsed: ParsedCertificate[] = [];
    let skipped = 0;
    for (const der of certificates) {
      try {
        parsed.push(parseCertificate(der, DEFAULT_LIMITS.maxCertificateSize, { cache: false }));
      } catch (error) {
        if (!options.skipMalformed) throw error;
        skipped++;
      }
    }
    return new TrustAnchors(parsed, skipped, options.checkProfile ?? true);
  }

  /** The anchors whose subject is `issuer` (DER Name). */
  withSubject(issuer: Uint8Array): readonly ParsedCertificate[] {
    return this.#bySubject.get(nameKey(issuer)) ?? [];
  }

  /** True when `cert` itself (the same DER) is an anchor. */
  includes(cert: ParsedCertificate): boolean {
    return this.withSubject(cert.subject).some((anchor) => anchor.sameAs(cert));
  }

  get size(): number {
    return this.certificates.length;
  }
}
