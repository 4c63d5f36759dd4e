/**
 * Revocation by certificate revocation lists given to the validator (RFC 5280 5 and 6.3, as a
 * complete, direct CRL per issuer): each link of a path is checked against the CRLs of its
 * issuer. A CRL applies when it names the issuer and its signature verifies with the issuer's
 * key; an applicable CRL that is unusable (not v2, no or a critical cRLNumber, an unknown
 * critical extension, an issuer without cRLSign, not current at the verification time) fails the
 * path closed. Distribution points, delta CRLs and indirect CRLs are not processed: a CRL with an
 * issuingDistributionPoint is unusable. Links without an applicable CRL pass (PEP 748 has no
 * revocation input; this serves callers that fetched CRLs themselves).
 *
 * @module
 */
import type { AlgorithmIdentifier, CertificateList } from '@peculiar/asn1-x509';
import { loadSchema, loadX509 } from './asn1-stack.js';
import { toHex } from '../codec/hex.js';
import { signatureAlgorithmFor } from './algorithms.js';
import type { ParsedCertificate } from './certificate.js';
import { checkRoundTrip, childrenOf, contentBytes, decodeDer, encodedBytes, tagOf } from './der.js';
import { KEY_USAGE, keyUsage } from './extensions.js';
import { VerificationFailure } from './failure.js';
import type { Budget } from './limits.js';
import { parseSubjectPublicKey } from './public-key.js';
import type { SignatureVerifier } from './signature-verifier.js';
import { decodeTime, type CertificateTime } from './validity.js';

const CRL_NUMBER = '2.5.29.20';
const MAX_CRL_SIZE = 4 * 1024 * 1024;

/** A decoded CRL. */
export interface RevocationList {
  readonly tbs: Uint8Array;
  readonly issuer: Uint8Array;
  readonly version: number;
  readonly signatureAlgorithm: AlgorithmIdentifier;
  readonly signatureValue: Uint8Array;
  readonly thisUpdate: CertificateTime;
  readonly nextUpdate: CertificateTime | undefined;
  /** Why the CRL cannot be used, when it cannot (checked once it applies). */
  readonly defect: string | undefined;
  /** Serial numbers (hex of the INTEGER contents) of the revoked certificates. */
  readonly revoked: ReadonlySet<string>;
}

function badCrl(message: string): VerificationFailure {
  return new VerificationFailure('other', 'BAD_CRL', message);
}

function defectOf(list: CertificateList, version: number): string | undefined {
  if (version !== 2) return 'only v2 CRLs are used (RFC 5280 5.1.2.1)';
  const extensions = list.tbsCertList.crlExtensions ?? [];
  const number = extensions.filter((extension) => extension.extnID === CRL_NUMBER);
  if (number.length !== 1) return 'a CRL must carry one cRLNumber (RFC 5280 5.2.3)';
  if (number[0]!.critical) return 'the cRLNumber extension must be non-critical (RFC 5280 5.2.3)';
  const critical = extensions.find((extension) => extension.critical);
  if (critical !== undefined) return `the CRL has a critical extension ${critical.extnID} this validator does not process`;
  for (const entry of list.tbsCertList.revokedCertificates ?? []) {
    if ((entry.crlEntryExtensions ?? []).some((extension) => extension.critical)) return 'a CRL entry has a critical extension';
  }
  return undefined;
}

/**
 * Decodes one DER CRL.
 *
 * @throws VerificationFailure (`other`, BAD_CRL) when it is not a DER CRL.
 */
export function parseRevocationList(der: Uint8Array): RevocationList {
  if (der.length > MAX_CRL_SIZE) throw badCrl(`a CRL of ${der.length} bytes exceeds the limit of ${MAX_CRL_SIZE}`);
  try {
    const tree = decodeDer(der);
    const [tbsBlock] = childrenOf(tree);
    const fields = childrenOf(tbsBlock!);
    const hasVersion = fields[0] !== undefined && tagOf(fields[0]).tagClass === 1 && tagOf(fields[0]).tagNumber === 2;
    const [, issuer, thisUpdate, maybeNext] = fields.slice(hasVersion ? 1 : 0);
    const nextIsTime = maybeNext !== undefined && tagOf(maybeNext).tagClass === 1 && [23, 24].includes(tagOf(maybeNext).tagNumber);
    const tbs = encodedBytes(tbsBlock!);
    const issuerDer = encodedBytes(issuer!);
    const thisTime = decodeTime(tagOf(thisUpdate!).tagNumber, contentBytes(thisUpdate!));
    const nextTime = nextIsTime ? decodeTime(tagOf(maybeNext).tagNumber, contentBytes(maybeNext)) : undefined;
    const list = loadSchema().AsnParser.fromASN(tree, loadX509().CertificateList) as CertificateList;
    checkRoundTrip(der, list, 'CertificateList');
    const version = (list.tbsCertList.version ?? 0) + 1;
    const revoked = new Set<string>();
    for (const entry of list.tbsCertList.revokedCertificates ?? []) revoked.add(toHex(new Uint8Array(entry.userCertificate)));
    return {
      tbs,
      issuer: issuerDer,
      version,
      signatureAlgorithm: list.signatureAlgorithm,
      signatureValue: new Uint8Array(list.signature),
      thisUpdate: thisTime,
      nextUpdate: nextTime,
      defect: defectOf(list, version),
      revoked,
    };
  } catch (error) {
    if (error instanceof VerificationFailure) throw error;
    throw badCrl(`malformed CRL: ${(error as Error)?.message ?? String(error)}`);
  }
}

function bytesEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}

/**
 * The per-link revocation check over `lists`: throws `revoked` when the child's serial number is
 * on an applicable CRL of its issuer, BAD_CRL when that CRL is unusable.
 */
export function revocationCheck(
  lists: readonly RevocationList[],
  verifier: SignatureVerifier,
  budget: Budget,
  atSeconds: number,
): (child: ParsedCertificate, issuer: ParsedCertificate) => void {
  const verified = new Map<RevocationList, ParsedCertificate[]>();
  const signedBy = (list: RevocationList, issuer: ParsedCertificate): boolean => {
    const known = verified.get(list) ?? [];
    if (known.includes(issuer)) return true;
    try {
      const algorithm = signatureAlgorithmFor(list.signatureAlgorithm, parseSubjectPublicKey(issuer.subjectPublicKeyInfo));
      budget.spendSignatureCheck();
      if (!verifier.verifySignature(algorithm, issuer.subjectPublicKeyInfo, list.tbs, list.signatureValue)) return false;
    } catch (error) {
      if (error instanceof VerificationFailure && error.fatal) throw error;
      return false;
    }
    verified.set(list, [...known, issuer]);
    return true;
  };
  return (child, issuer) => {
    for (const list of lists) {
      if (!bytesEqual(list.issuer, child.issuer) || !signedBy(list, issuer)) continue;
      const usage = keyUsage(issuer);
      // RFC 5280 6.3.3 (f): the CRL issuer's keyUsage, when present, must allow cRLSign.
      if (usage !== undefined && (usage & KEY_USAGE.cRLSign) === 0) throw badCrl("the CRL's issuer lacks the cRLSign key usage (RFC 5280 4.2.1.3)");
      if (list.defect !== undefined) throw badCrl(list.defect);
      if (atSeconds < list.thisUpdate.seconds) throw badCrl('the CRL is not yet valid at the verification time');
      if (list.nextUpdate !== undefined && atSeconds > list.nextUpdate.seconds) throw badCrl('the CRL is stale: its nextUpdate has passed');
      if (list.revoked.has(toHex(child.serialNumber))) throw new VerificationFailure('revoked', 'REVOKED', 'a certificate in the path is revoked by its issuer\'s CRL');
    }
  };
}
