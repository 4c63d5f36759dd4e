/**
 * A certificate's subject as text for messages ("CN=localhost, O=Example"), written as
 * node:crypto's X509Certificate.subject gives it (tls-node and tls-openssl name certificates that
 * way), with its lines joined by ", ", so a message names a certificate the same on every
 * implementation: OpenSSL's short names, the attributes of a multi-valued RDN joined by " + ",
 * and values escaped as RFC 4514 section 2.4 says (OpenSSL's ASN1_STRFLGS_ESC_2253 and
 * ESC_CTRL, the flags node:crypto prints subjects with).
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

/** The characters RFC 4514 section 2.4 escapes with a backslash anywhere in a value. */
const SPECIAL = new Set([',', '+', '"', '\\', '<', '>', ';']);

/**
 * `value` escaped for a DN string (RFC 4514 section 2.4): ',' '+' '"' '\' '<' '>' ';' anywhere,
 * '#' or a space first and a space last get a backslash; control characters (and DEL) are
 * written as a backslash and two hex digits, as OpenSSL writes them. '=' is left as it is: RFC
 * 4514's grammar allows it in a value unescaped (SUTF1 includes %x3D), and OpenSSL (so tls-node
 * and tls-openssl) does not escape it; an escaped '=' here would make the implementations' messages
 * disagree over the same certificate.
 */
export function escapeDnValue(value: string): string {
  const characters = [...value];
  let out = '';
  for (const [index, character] of characters.entries()) {
    const code = character.codePointAt(0)!;
    if (code < 0x20 || code === 0x7f) out += `\\${code.toString(16).toUpperCase().padStart(2, '0')}`;
    else if (SPECIAL.has(character) || (index === 0 && (character === '#' || character === ' ')) || (index === characters.length - 1 && character === ' ')) out += `\\${character}`;
    else out += character;
  }
  return out;
}

/** `subject` as "CN=a, O=b" (RDNs in their encoded order, a multi-valued one's attributes joined by " + "; an unknown type by its OID). */
export function subjectText(subject: Name): string {
  const parts: string[] = [];
  for (const rdn of subject) {
    const attributes: string[] = [];
    for (const attribute of rdn) {
      let value: string;
      try {
        value = escapeDnValue(attribute.value.toString());
      } catch {
        value = '(undecodable)';
      }
      attributes.push(`${SHORT_NAMES[attribute.type] ?? attribute.type}=${value}`);
    }
    parts.push(attributes.join(' + '));
  }
  return parts.join(', ');
}
