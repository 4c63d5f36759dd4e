/**
 * DNS names in certificates: the syntax of presented names (RFC 5280 4.2.1.6, the preferred name
 * syntax of RFC 1034 3.5 as amended by RFC 1123 2.1), matching a reference name against them with
 * RFC 6125 6.4 wildcard rules, and dNSName name constraints (RFC 5280 4.2.1.10).
 *
 * Deliberate choices, as webpki (rustls) makes them: underscores are accepted in labels (they are
 * in real names); a wildcard is only a whole leftmost label `*` followed by at least two labels,
 * so `*.com`, `*`, `f*o.example.com`, `foo.*.example.com` and `xn--*.example.com` match nothing;
 * comparison is ASCII case-insensitive; IDNs must already be A-labels (non-ASCII never matches).
 *
 * @module
 */

const MAX_NAME_LENGTH = 253;
const MAX_LABEL_LENGTH = 63;

function isLabel(label: string): boolean {
  if (label.length === 0 || label.length > MAX_LABEL_LENGTH) return false;
  if (label.startsWith('-') || label.endsWith('-')) return false;
  return /^[A-Za-z0-9_-]+$/.test(label);
}

/**
 * True for a syntactically valid DNS name (no wildcard, no trailing dot). The last label may not
 * be all digits, so `8.8.8.8` is never a DNS name (an IP address belongs in iPAddress,
 * RFC 5280 4.2.1.6).
 */
export function isDnsName(name: string): boolean {
  if (name.length === 0 || name.length > MAX_NAME_LENGTH) return false;
  const labels = name.split('.');
  if (!labels.every(isLabel)) return false;
  return !/^[0-9]+$/.test(labels[labels.length - 1]!);
}

/** A presented dNSName: an exact name, or `*.` + a name of at least two labels. */
export type DnsPattern = { readonly wildcard: boolean; readonly name: string };

/** The pattern a presented dNSName stands for, or null when it is malformed (and so matches nothing). */
export function dnsPattern(presented: string): DnsPattern | null {
  if (presented.startsWith('*.')) {
    const name = presented.slice(2);
    // RFC 6125 6.4.3 and CA/B Forum BR 3.2.2.6: no wildcard directly over a single label (a TLD
    // or the root), the nearest cheap stand-in for "not over a public suffix".
    return isDnsName(name) && name.includes('.') ? { wildcard: true, name: name.toLowerCase() } : null;
  }
  return isDnsName(presented) ? { wildcard: false, name: presented.toLowerCase() } : null;
}

function parentOf(name: string): string | null {
  const dot = name.indexOf('.');
  return dot === -1 ? null : name.slice(dot + 1);
}

/**
 * RFC 6125 6.4.1 and 6.4.3: whether `reference` (a valid, lower-case DNS name) is matched by the
 * presented `pattern`. A wildcard stands for exactly one whole label.
 */
export function patternMatches(pattern: DnsPattern, reference: string): boolean {
  return pattern.wildcard ? parentOf(reference) === pattern.name : pattern.name === reference;
}

/** A dNSName constraint: names at or under `name`; `subdomainsOnly` for the leading-dot form. */
export type DnsConstraint = { readonly name: string; readonly subdomainsOnly: boolean };

/**
 * Parses a dNSName constraint. RFC 5280 4.2.1.10: "host.example.com" covers that name and every
 * name under it. A leading period (".example.com", names strictly under it) is not in RFC 5280 but
 * is common and accepted as mozilla::pkix, webpki and OpenSSL accept it; the empty constraint
 * covers every name. Wildcards are malformed.
 *
 * @returns null when malformed.
 */
export function dnsConstraint(text: string): DnsConstraint | null {
  if (text === '') return { name: '', subdomainsOnly: false };
  const subdomainsOnly = text.startsWith('.');
  const name = subdomainsOnly ? text.slice(1) : text;
  return isDnsName(name) ? { name: name.toLowerCase(), subdomainsOnly } : null;
}

/** Whether `name` (valid, lower-case) is at or under the constraint's name (per `subdomainsOnly`). */
function within(name: string, constraint: DnsConstraint): boolean {
  if (constraint.name === '') return true;
  if (name.endsWith(`.${constraint.name}`)) return true;
  return !constraint.subdomainsOnly && name === constraint.name;
}

/**
 * Whether every name `pattern` stands for is inside the constraint (a permitted subtree must
 * contain all of a wildcard's names).
 */
export function constraintContains(constraint: DnsConstraint, pattern: DnsPattern): boolean {
  if (!pattern.wildcard) return within(pattern.name, constraint);
  // *.B names x.B, strictly under B: all inside when B is at or under the constraint's name.
  return within(pattern.name, { name: constraint.name, subdomainsOnly: false });
}

/**
 * Whether any name `pattern` stands for is inside the constraint (an excluded subtree refuses a
 * wildcard it overlaps: CVE-2025-61727, `*.example.com` against an excluded `bar.example.com`).
 */
export function constraintOverlaps(constraint: DnsConstraint, pattern: DnsPattern): boolean {
  if (constraintContains(constraint, pattern)) return true;
  // *.B also reaches a constraint exactly one label below B, such as bar.B.
  return pattern.wildcard && !constraint.subdomainsOnly && parentOf(constraint.name) === pattern.name;
}
