/**
 * A set of trust anchors indexed by subject, so path building finds the candidate issuers of a
 * certificate by its issuer name (RFC 5280 6.1.1 (d): a trust anchor is a name and a key; this
 * validator also holds anchors to their certificate's rules, as x509-limbo expects).
 *
 * A store the application supplies is decoded whole when built, so a malformed certificate in it
 * is refused at once. The operating system's store (~140 roots) is built `lazy`: each certificate
 * is indexed by its subject as found from the raw DER (certificate-subject.ts) and decoded only
 * when a chain names that subject as its issuer, as Go's crypto/x509 and rustls-platform-verifier
 * do; decoding every root cost ~0.8 s of CPU in the first client context (issue #17).
 *
 * @module
 */
import { bytesKey as nameKey, parseCertificate, type ParsedCertificate } from './certificate.js';
import { subjectOf } from './certificate-subject.js';
import { DEFAULT_LIMITS } from './limits.js';

/** One certificate of the store: its DER, and once decoded the result (null when it does not decode). */
interface Entry {
  readonly der: Uint8Array;
  decoded?: ParsedCertificate | null;
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** Options of {@link TrustAnchors.fromDer}. */
export interface TrustAnchorsOptions {
  /** Count certificates that do not decode in `skipped` instead of throwing. Default false. */
  readonly skipMalformed?: boolean;
  /** See {@link TrustAnchors.checkProfile}. Default true. */
  readonly checkProfile?: boolean;
  /**
   * Decode a certificate only when a chain names its subject as an issuer (or it is presented as
   * is); implies `skipMalformed`, since a malformed one is found only then. Default false.
   */
  readonly lazy?: boolean;
}

/** Trust anchors for {@link verifyCertificateChain}. Immutable (its lazy decoding aside). */
export class TrustAnchors {
  /**
   * Whether anchors are held to the CA certificate profile (profile.ts checkAuthority), as
   * certificates the application supplies are. The operating system's store is not: it is curated
   * elsewhere, and several of its roots predate the profile (non-critical basicConstraints, no
   * subjectKeyIdentifier, a long-form authorityKeyIdentifier); for them an anchor is its name and
   * key, as RFC 5280 6.1.1 (d) and webpki have it, and its constraints still apply.
   */
  readonly checkProfile: boolean;
  /** The number of distinct certificates held (in a lazy store, some may yet fail to decode). */
  readonly size: number;
  readonly #bySubject = new Map<string, Entry[]>();
  /** Every entry, in the source's order. */
  readonly #entries: Entry[] = [];
  #skipped: number;
  #decodedCount = 0;

  private constructor(entries: Iterable<{ subject: Uint8Array; entry: Entry }>, skipped: number, checkProfile: boolean) {
    for (const { subject, entry } of entries) {
      const key = nameKey(subject);
      const same = this.#bySubject.get(key) ?? [];
      if (same.some((other) => bytesEqual(other.der, entry.der))) continue;
      same.push(entry);
      this.#bySubject.set(key, same);
      this.#entries.push(entry);
      if (entry.decoded !== undefined) this.#decodedCount++;
    }
    this.size = this.#entries.length;
    this.#skipped = skipped;
    this.checkProfile = checkProfile;
    Object.freeze(this);
  }

  /**
   * Anchors from DER certificates. With `skipMalformed`, certificates that do not decode are
   * counted in `skipped` (the operating system's store may hold some); otherwise they throw.
   * With `lazy`, a certificate is decoded when first needed (see {@link TrustAnchorsOptions.lazy}).
   *
   * @throws VerificationFailure (`invalid-certificate`) for an undecodable certificate, unless
   *   skipped.
   */
  static fromDer(certificates: Iterable<Uint8Array>, options: TrustAnchorsOptions = {}): TrustAnchors {
    const entries: Array<{ subject: Uint8Array; entry: Entry }> = [];
    let skipped = 0;
    for (const der of certificates) {
      if (options.lazy) {
        const subject = subjectOf(der);
        if (subject === null) skipped++;
        else entries.push({ subject, entry: { der } });
        continue;
      }
      try {
        const decoded = decode(der);
        entries.push({ subject: decoded.subject, entry: { der, decoded } });
      } catch (error) {
        if (!options.skipMalformed) throw error;
        skipped++;
      }
    }
    return new TrustAnchors(entries, skipped, options.checkProfile ?? true);
  }

  /** The anchors whose subject is `issuer` (DER Name), decoding them if not yet done. */
  withSubject(issuer: Uint8Array): readonly ParsedCertificate[] {
    const found: ParsedCertificate[] = [];
    for (const entry of this.#bySubject.get(nameKey(issuer)) ?? []) {
      const decoded = this.#decode(entry);
      if (decoded !== null) found.push(decoded);
    }
    return found;
  }

  /** True when `cert` itself (the same DER) is an anchor. */
  includes(cert: ParsedCertificate): boolean {
    const same = this.#bySubject.get(nameKey(cert.subject))?.find((entry) => bytesEqual(entry.der, cert.der));
    return same !== undefined && this.#decode(same) !== null;
  }

  /** Every anchor, decoded (in a lazy store this decodes them all: for tests and tools). */
  get certificates(): readonly ParsedCertificate[] {
    const all: ParsedCertificate[] = [];
    for (const entry of this.#entries) {
      const decoded = this.#decode(entry);
      if (decoded !== null) all.push(decoded);
    }
    return Object.freeze(all);
  }

  /** Certificates of the source found not to decode (and so trusting nothing), so far. */
  get skipped(): number {
    return this.#skipped;
  }

  /** How many certificates have been decoded, or found not to decode, so far (all of them unless the store is lazy). */
  get decodedCount(): number {
    return this.#decodedCount;
  }

  #decode(entry: Entry): ParsedCertificate | null {
    if (entry.decoded === undefined) {
      try {
        entry.decoded = decode(entry.der);
      } catch {
        entry.decoded = null;
        this.#skipped++;
      }
      this.#decodedCount++;
    }
    return entry.decoded;
  }
}

function decode(der: Uint8Array): ParsedCertificate {
  return parseCertificate(der, DEFAULT_LIMITS.maxCertificateSize, { cache: false });
}
