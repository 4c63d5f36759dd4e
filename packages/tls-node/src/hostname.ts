import { X509Certificate } from 'node:crypto';
import { isIP } from 'node:net';
import { CertificateVerificationError } from '@unitls/tls-core';

/**
 * Checks the peer's leaf certificate against the name the caller asked for: DNS names against
 * DNS SANs only (never the subject CN, unlike node's checkServerIdentity), wildcards only as a
 * whole left-most label, IP literals against IP SANs. Returns the error, or null when it matches.
 */
export function verifyPeerName(name: string, der: Uint8Array | null): CertificateVerificationError | null {
  if (der === null) {
    return new CertificateVerificationError('missing-certificate', 'the server sent no certificate');
  }
  const cert = new X509Certificate(der);
  const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  const matched = isIP(bare)
    ? cert.checkIP(bare) !== undefined
    : cert.checkHost(bare.replace(/\.$/, ''), { subject: 'never', wildcards: true, partialWildcards: false, multiLabelWildcards: false }) !== undefined;
  if (matched) return null;
  const sans = cert.subjectAltName ?? 'none';
  return new CertificateVerificationError(
    'hostname-mismatch',
    `the certificate does not match ${isIP(bare) ? 'IP address' : 'host name'} "${name}" (its subjectAltName: ${sans})`,
    { verifyCode: 'ERR_TLS_CERT_ALTNAME_INVALID' },
  );
}

/** SNI carries DNS names only: never an IP literal (RFC 6066 §3). */
export function sniName(name: string): string | undefined {
  const bare = name.startsWith('[') && name.endsWith(']') ? name.slice(1, -1) : name;
  return isIP(bare) ? undefined : bare.replace(/\.$/, '');
}
