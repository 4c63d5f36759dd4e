/**
 * Is the leaf for the name the client asked for? Only its subjectAltName is consulted: dNSName
 * entries for a DNS name (RFC 6125 6.4, wildcards per dns-name.ts), iPAddress entries for an IP
 * address (RFC 6125 6.2.1, octet equality). The subject's common name is never used, even without
 * a subjectAltName (RFC 6125 6.4.4 allows it; CA/B Forum certificates always carry SANs, and the
 * CN fallback is how names slip past name constraints).
 *
 * @module
 */
import { hostnameMismatchMessage } from '@unitls/tls-core';
import { toHex } from '../codec/hex.js';
import type { ParsedCertificate } from './certificate.js';
import { dnsPattern, isDnsName, patternMatches } from './dns-name.js';
import { subjectAltNames } from './extensions.js';
import { VerificationFailure } from './failure.js';
import { ipEqual, parseIpAddress } from './ip-address.js';

/** The name a client expects its server to prove. */
export type ReferenceName = { readonly kind: 'dns'; readonly value: string } | { readonly kind: 'ip'; readonly value: Uint8Array };

/**
 * Reads a server name as a client gives it: an IPv4/IPv6 literal (IPv6 possibly in brackets), or
 * a DNS name in A-labels
 * (one trailing dot ignored, case ignored).
 *
 * @throws VerificationFailure (`hostname-mismatch`, INVALID_REFERENCE_NAME) when it is neither.
 */
export function referenceName(text: string): ReferenceName {
  // A URL-style bracketed IPv6 literal is still an IPv6 literal. The first run excludes ':' so the
  // pattern matches one way: `[^\]]*:` backtracked over every ':' (quadratic in a hostile name).
  const address = parseIpAddress(/^\[[^\]:]*:[^\]]*\]$/.test(text) ? text.slice(1, -1) : text);
  if (address !== null) return { kind: 'ip', value: address };
  const name = (text.endsWith('.') ? text.slice(0, -1) : text).toLowerCase();
  if (!isDnsName(name)) {
    throw new VerificationFailure('hostname-mismatch', 'INVALID_REFERENCE_NAME', `${JSON.stringify(text)} is neither a DNS name nor an IP address, so no certificate can match it`);
  }
  return { kind: 'dns', value: name };
}

/**
 * Checks that the leaf's subjectAltName matches `reference`.
 *
 * @throws VerificationFailure (`hostname-mismatch`, NAME_MISMATCH) otherwise.
 */
export function checkSubjectName(leaf: ParsedCertificate, reference: ReferenceName, text: string): void {
  const names = subjectAltNames(leaf);
  if (names === undefined) throw new VerificationFailure('hostname-mismatch', 'NAME_MISMATCH', hostnameMismatchMessage(text, null));
  for (const name of names) {
    if (reference.kind === 'dns' && name.kind === 'dns') {
      const pattern = dnsPattern(name.value);
      if (pattern !== null && patternMatches(pattern, reference.value)) return;
    } else if (reference.kind === 'ip' && name.kind === 'ip' && ipEqual(name.value, reference.value)) {
      return;
    }
  }
  // The one message every implementation gives (tls-core), naming the DNS and IP entries.
  const listed = {
    dns: names.flatMap((name) => (name.kind === 'dns' ? [name.value] : [])),
    ip: names.flatMap((name) => (name.kind === 'ip' ? [ipText(name.value)] : [])),
  };
  throw new VerificationFailure('hostname-mismatch', 'NAME_MISMATCH', hostnameMismatchMessage(text, listed));
}

/** An iPAddress entry's octets as text: IPv4 dotted, IPv6 in groups, anything else in hex. */
function ipText(octets: Uint8Array): string {
  if (octets.length === 4) return octets.join('.');
  if (octets.length === 16) return Array.from({ length: 8 }, (_, i) => ((octets[2 * i]! << 8) | octets[2 * i + 1]!).toString(16)).join(':');
  return toHex(octets);
}
