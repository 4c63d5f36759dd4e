/**
 * The one message of a hostname-mismatch failure, for every implementation: the name asked for and
 * the names the certificate holds (its DNS and IP subjectAltName entries, a bounded list).
 *
 * @module
 */
import { isIP } from 'node:net';
import { CertificateVerificationError } from './errors.js';

/** The most subjectAltName entries a hostname-mismatch message lists; the rest are counted. */
export const MISMATCH_NAMES_SHOWN = 8;

/**
 * The most characters one name takes in a hostname-mismatch message (after escaping); longer
 * ones are cut and end in "...". A DNS name has at most 253.
 */
export const MISMATCH_NAME_CHARS = 256;

/**
 * A certificate's name as message text: anything but printable ASCII (control bytes such as CR,
 * LF, NUL or ESC, non-ASCII), and the `,` `"` `\` that would make it look like several entries,
 * written as `\xHH` / `\u{HHHH}`, so a peer's certificate can neither inject lines into a log nor
 * blow the message up; cut at {@link MISMATCH_NAME_CHARS}.
 */
function printableName(name: string): string {
  const escaped = name.replace(/[^\x21-\x7e]|[,"\\]/gu, (char) => {
    const code = char.codePointAt(0)!;
    return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
  });
  return escaped.length > MISMATCH_NAME_CHARS ? `${escaped.slice(0, MISMATCH_NAME_CHARS - 3)}...` : escaped;
}

/** The names a certificate is valid for, from its subjectAltName. */
export interface CertificateNames {
  /** dNSName entries as written in the certificate (wildcards included). */
  readonly dns: readonly string[];
  /** iPAddress entries as text (IPv4 dotted, IPv6 in any form: shown compressed, RFC 5952). */
  readonly ip: readonly string[];
}

/** An IP address as text in one form whatever the source's (IPv6 compressed, lower case). */
function canonicalIp(text: string): string {
  if (isIP(text) !== 6) return text;
  // The WHATWG URL serializer writes IPv6 hosts in RFC 5952's compressed form.
  return new URL(`http://[${text}]/`).hostname.slice(1, -1);
}

/**
 * The certificate's names one entry each, in the one form every message and the CLI show them:
 * `DNS:name` then `IP:address` (IPv6 compressed as RFC 5952 writes it, e.g. `IP:2001:db8::1`, not
 * node:crypto's `IP Address:2001:DB8:0:0:0:0:0:1`), each escaped and bounded (see
 * {@link MISMATCH_NAME_CHARS}). Unbounded in count: {@link describeCertificateNames} cuts the list.
 */
export function certificateNameEntries(names: CertificateNames): string[] {
  return [...names.dns.map((name) => `DNS:${printableName(name)}`), ...names.ip.map((address) => `IP:${printableName(canonicalIp(address))}`)];
}

/**
 * The certificate's names for a message: `DNS:a, IP:b` ({@link certificateNameEntries}), at most
 * {@link MISMATCH_NAMES_SHOWN}, then "and K more".
 */
export function describeCertificateNames(names: CertificateNames | null): string {
  if (names === null) return 'it has no subjectAltName, so it is valid for no name (its subject CN is never used)';
  const all = certificateNameEntries(names);
  if (all.length === 0) return 'its subjectAltName holds no DNS name or IP address';
  const shown = all.slice(0, MISMATCH_NAMES_SHOWN).join(', ');
  return `its subjectAltName: ${shown}${all.length > MISMATCH_NAMES_SHOWN ? ` and ${all.length - MISMATCH_NAMES_SHOWN} more` : ''}`;
}

/**
 * The message of a hostname mismatch: the host or IP address asked for (as given) and the
 * certificate's names ({@link describeCertificateNames}).
 *
 * @param requested the server name as the caller gave it
 * @param names the certificate's subjectAltName names, null when it has no subjectAltName
 */
export function hostnameMismatchMessage(requested: string, names: CertificateNames | null): string {
  const bare = requested.startsWith('[') && requested.endsWith(']') ? requested.slice(1, -1) : requested;
  const kind = isIP(bare) === 0 ? 'host name' : 'IP address';
  return `certificate verification failed: the certificate does not match ${kind} "${requested}" (${describeCertificateNames(names)}); check the server name you connect to`;
}

/**
 * The hostname-mismatch error every implementation raises: class CertificateVerificationError,
 * reason 'hostname-mismatch', the implementation's own `verifyCode`, and
 * {@link hostnameMismatchMessage}'s message.
 */
export function hostnameMismatch(
  requested: string,
  names: CertificateNames | null,
  options: { verifyCode: string; cause?: unknown },
): CertificateVerificationError {
  return new CertificateVerificationError('hostname-mismatch', hostnameMismatchMessage(requested, names), options);
}

/**
 * The DNS and IP names of node:crypto's `X509Certificate.subjectAltName` text ("DNS:a, IP
 * Address:1.2.3.4", entries with special characters JSON-quoted); null when there is none.
 */
export function namesFromSubjectAltName(text: string | undefined): CertificateNames | null {
  if (text === undefined) return null;
  const dns: string[] = [];
  const ip: string[] = [];
  for (const match of text.matchAll(/(?:^|, )([A-Za-z ]+):("(?:[^"\\]|\\.)*"|[^,]*)/g)) {
    const raw = match[2]!;
    let value = raw;
    if (raw.startsWith('"')) {
      try {
        value = JSON.parse(raw) as string;
      } catch {
        value = raw;
      }
    }
    if (match[1] === 'DNS') dns.push(value);
    else if (match[1] === 'IP Address') ip.push(value);
  }
  return { dns, ip };
}
