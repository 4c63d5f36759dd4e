/**
 * A certificate's subject as text for messages ("CN=localhost, O=Example"), written as
 * node:crypto's X509Certificate.subject gives it (tls-node and tls-openssl name certificates that
 * way), with its lines joined by ", ", so a message names a certificate the same on every
 * implementation.
 *
 * @module
 */
import type { Name } from '@peculiar/asn1-x509';

/** OpenSSL's short names for the attributes subjects commonly carry (RFC 4519, PKCS #9). */
const SHORT_NAMES: Readonly<Record<string, string>> = {
  '2.5.4.3': 'CN',
  '2.5.4.4': 'SN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.9': 'street',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
  '2.5.4.12': 'title',
  '2.5.4.42': 'GN',
  '0.9.2342.19200300.100.1.25': 'DC',
  '0.9.2342.19200300.100.1.1': 'UID',
  '1.2.840.113549.1.9.1': 'emailAddress',
};

/** `subject` as "CN=a, O=b" (attributes in their encoded order; an unknown type by its OID). */
export function subjectText(subject: Name): string {
  const parts: string[] = [];
  for (const rdn of subject) {
    for (const attribute of rdn) {
      let value: string;
      try {
        value = attribute.value.toString();
      } catch {
        value = '(undecodable)';
      }
      parts.push(`${SHORT_NAMES[attribute.type] ?? attribute.type}=${value}`);
    }
  }
  return parts.join(', ');
}
