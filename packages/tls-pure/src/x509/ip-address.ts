/**
 * IP addresses in certificates: iPAddress names are 4 or 16 octets, iPAddress constraints 8 or 32
 * (address and mask, RFC 5280 4.2.1.10), and the textual reference names they are compared with
 * (dotted-quad IPv4, RFC 4291 2.2 IPv6).
 *
 * @module
 */

function parseIPv4(text: string): number[] | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes: number[] = [];
  for (const part of parts) {
    // No leading zeros: "010" is octal to some parsers and decimal to others.
    if (!/^(0|[1-9][0-9]{0,2})$/.test(part)) return null;
    const value = Number(part);
    if (value > 255) return null;
    bytes.push(value);
  }
  return bytes;
}

function parseGroups(text: string): number[] | null {
  if (text === '') return [];
  const groups: number[] = [];
  const parts = text.split(':');
  for (const [index, part] of parts.entries()) {
    if (index === parts.length - 1 && part.includes('.')) {
      const v4 = parseIPv4(part);
      if (v4 === null) return null;
      groups.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    } else {
      if (!/^[0-9A-Fa-f]{1,4}$/.test(part)) return null;
      groups.push(Number.parseInt(part, 16));
    }
  }
  return groups;
}

function parseIPv6(text: string): number[] | null {
  const halves = text.split('::');
  if (halves.length > 2) return null;
  const head = parseGroups(halves[0]!);
  const tail = halves.length === 2 ? parseGroups(halves[1]!) : [];
  if (head === null || tail === null) return null;
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...new Array<number>(halves.length === 2 ? missing : 0).fill(0), ...tail];
  return groups.flatMap((group) => [group >> 8, group & 0xff]);
}

/** The octets of a textual IPv4 or IPv6 address (no zone, no brackets), or null when it is not one. */
export function parseIpAddress(text: string): Uint8Array | null {
  const bytes = text.includes(':') ? parseIPv6(text) : parseIPv4(text);
  return bytes === null ? null : Uint8Array.from(bytes);
}

/** True for an iPAddress name's valid length (RFC 5280 4.2.1.6). */
export function isIpAddressName(octets: Uint8Array): boolean {
  return octets.length === 4 || octets.length === 16;
}

/** An iPAddress constraint: an address and a mask of contiguous leading ones. */
export type IpConstraint = { readonly address: Uint8Array; readonly mask: Uint8Array };

/** Parses an 8- or 32-octet constraint; null when the length or the mask is malformed. */
export function ipConstraint(octets: Uint8Array): IpConstraint | null {
  if (octets.length !== 8 && octets.length !== 32) return null;
  const half = octets.length / 2;
  const mask = octets.subarray(half);
  let ended = false;
  for (const byte of mask) {
    for (let bit = 7; bit >= 0; bit--) {
      const set = (byte >> bit) & 1;
      if (set && ended) return null;
      if (!set) ended = true;
    }
  }
  return { address: octets.subarray(0, half), mask };
}

/** Whether `address` (4 or 16 octets) is in the constraint's range; families never mix. */
export function ipConstraintMatches(constraint: IpConstraint, address: Uint8Array): boolean {
  if (address.length !== constraint.address.length) return false;
  return address.every((byte, i) => (byte & constraint.mask[i]!) === (constraint.address[i]! & constraint.mask[i]!));
}

/** True when both are the same address (same family and octets). */
export function ipEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((byte, i) => byte === b[i]);
}
