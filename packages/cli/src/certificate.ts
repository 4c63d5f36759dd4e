import { X509Certificate } from 'node:crypto';
import { certificateNameEntries, namesFromSubjectAltName } from '@unitls/tls-core';

/** What the report shows of one certificate. Dates are ISO 8601 (UTC). */
export interface CertificateInfo {
  subject: string;
  issuer: string;
  /**
   * The subjectAltName's DNS and IP entries (the names a server name is checked against) as
   * `DNS:name` / `IP:addr`, in the form of the hostname-mismatch message (tls-core
   * certificateNameEntries: IPv6 compressed, e.g. `IP:::1`; unprintable characters escaped).
   */
  subjectAltNames: string[];
  notBefore: string;
  notAfter: string;
  /** 'valid', 'expired' or 'not yet valid', at the time of the report. */
  validity: 'valid' | 'expired' | 'not yet valid';
  sha256: string;
  pem: string;
}

/** Parses a DER certificate for the report. */
export function describeCertificate(der: Uint8Array, now = new Date()): CertificateInfo {
  const cert = new X509Certificate(der);
  const notBefore = new Date(cert.validFrom);
  const notAfter = new Date(cert.validTo);
  return {
    subject: cert.subject.replace(/\n/g, ', '),
    issuer: cert.issuer.replace(/\n/g, ', '),
    subjectAltNames: certificateNameEntries(namesFromSubjectAltName(cert.subjectAltName) ?? { dns: [], ip: [] }),
    notBefore: notBefore.toISOString(),
    notAfter: notAfter.toISOString(),
    validity: now < notBefore ? 'not yet valid' : now > notAfter ? 'expired' : 'valid',
    sha256: cert.fingerprint256,
    pem: cert.toString(),
  };
}
