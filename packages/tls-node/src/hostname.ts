import { X509Certificate } from 'node:crypto';
import { CertificateVerificationError, hostnameMismatch, namesFromSubjectAltName, parseServerName, type ServerName } from '@unitls/tls-core';

/**
 * Checks the peer's leaf certificate (its DER, or an X509Certificate such as node:tls's
 * getPeerX509Certificate() returns) against the name the caller asked for: DNS names (in A-label
 * form, see tls-core's parseServerName) against DNS SANs only (never the subject CN, unlike
 * node's checkServerIdentity), wildcards only as a whole left-most label, IP literals against IP
 * SANs. Returns the error, or null when it matches.
 *
 * @throws ConfigurationError when `name` is not a valid server name (parseServerName's rules).
 */
export function verifyPeerName(name: string, certificate: Uint8Array | X509Certificate | null): CertificateVerificationError | null {
  return verifyServerName(parseServerName(name, 'verifyPeerName'), certificate, name);
}

/**
 * {@link verifyPeerName} for a name parseServerName already returned (a client's connect parsed
 * it before the handshake: not parsed a second time). A mismatch's message names `name`.
 */
export function verifyServerName(target: ServerName, certificate: Uint8Array | X509Certificate | null, name: string = target.name): CertificateVerificationError | null {
  if (certificate === null) {
    return new CertificateVerificationError('missing-certificate', 'the server sent no certificate');
  }
  // node:tls's own X509Certificate is checked as it is: asking it for its DER would keep a copy of
  // the bytes inside it for the connection's life.
  const cert = certificate instanceof X509Certificate ? certificate : new X509Certificate(certificate);
  const matched =
    target.ip !== 0
      ? cert.checkIP(target.name) !== undefined
      : cert.checkHost(target.name, { subject: 'never', wildcards: true, partialWildcards: false, multiLabelWildcards: false }) !== undefined;
  if (matched) return null;
  return hostnameMismatch(name, namesFromSubjectAltName(cert.subjectAltName), { verifyCode: 'ERR_TLS_CERT_ALTNAME_INVALID' });
}

/** SNI carries DNS names only: never an IP literal (RFC 6066 §3); undefined for one. */
export function sniName(name: string): string | undefined {
  return parseServerName(name, 'sniName').sni ?? undefined;
}
