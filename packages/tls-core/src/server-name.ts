/**
 * The one check every server name passes before an implementation sees it (`connect`'s
 * `serverHostname` or `address.host`, `createBuffer(serverHostname)`, `upgrade`, `startTls`).
 * A name that reaches TLS is either an IP literal or a DNS name in A-label form; anything else is
 * refused with a ConfigurationError before a byte is sent, so no implementation can truncate it
 * (a C string stops at NUL) or throw on it from an event handler.
 *
 * @module
 */
import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { ConfigurationError } from './errors.js';
import { describeValue } from './describe-value.js';

/** The longest DNS name, without its trailing dot (RFC 1035 §2.3.4: 255 octets on the wire). */
export const MAX_SERVER_NAME_LENGTH = 253;
/** The longest DNS label (RFC 1035 §2.3.4). */
export const MAX_LABEL_LENGTH = 63;

/** A validated server name, as {@link parseServerName} returns it. */
export interface ServerName {
  /**
   * What to verify the certificate against: a DNS name in A-label form, lower case, without a
   * trailing dot; or an IP literal without brackets.
   */
  readonly name: string;
  /** The SNI host_name to send, or null for IP literals, which SNI never carries (RFC 6066 §3). */
  readonly sni: string | null;
  /** 4 or 6 for an IP literal, 0 for a DNS name. */
  readonly ip: 0 | 4 | 6;
}

// Past this the input cannot become a 253-character name; refused before any conversion work.
const MAX_INPUT_LENGTH = 4 * MAX_SERVER_NAME_LENGTH;
const LABEL = /^[a-z0-9_](?:[a-z0-9_-]*[a-z0-9_])?$/;
// A last label the WHATWG host parser would read as a number: such names are IPv4 addresses in
// a non-standard form (127.1, 0x7f.0.0.1), which no certificate names.
const NUMERIC_LABEL = /^(?:0x[0-9a-f]*|[0-9]+)$/i;

function refuse(where: string, value: string, why: string): never {
  throw new ConfigurationError(`${where}: ${JSON.stringify(value)} is not a valid server name: ${why}`);
}

function codePoint(char: string): string {
  return `U+${char.codePointAt(0)!.toString(16).toUpperCase().padStart(4, '0')}`;
}

/** Whether the ASCII character `code` may stand in a DNS name as given: A-Z, a-z, 0-9, ".", "-", "_". */
function isNameAscii(code: number): boolean {
  return (code >= 0x61 && code <= 0x7a) || (code >= 0x41 && code <= 0x5a) || (code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x2d || code === 0x5f;
}

/**
 * The characters of the input: control characters and ASCII a DNS name cannot hold are refused.
 * By character code (every connect runs this: a regular expression literal in the loop made a
 * RegExp object per character, ~1 KB per connect to "localhost").
 */
function checkCharacters(where: string, value: string): void {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i);
    if (code < 0x20 || (code >= 0x7f && code <= 0x9f)) {
      refuse(where, value, `it contains the control character ${codePoint(value[i]!)} at index ${i}`);
    }
    if (code < 0x80 && !isNameAscii(code)) {
      refuse(where, value, `it contains ${JSON.stringify(value[i])} at index ${i}; a DNS name holds only letters, digits, "-", "_" and "."`);
    }
  }
}

/** A-labels for U-labels (IDNA, UTS #46 nontransitional, as browsers and node:url do). */
function toASCII(where: string, value: string): string {
  const ascii = domainToASCII(value);
  if (ascii === '') {
    refuse(
      where,
      value,
      'it cannot be converted to A-labels (IDNA / UTS #46): a label holds a character IDNA disallows, or an "xn--" label is not valid Punycode',
    );
  }
  return ascii;
}

function checkLabels(where: string, value: string, name: string): void {
  if (name === '') refuse(where, value, 'it is empty');
  if (name.length > MAX_SERVER_NAME_LENGTH) {
    refuse(where, value, `it is ${name.length} characters long in A-label form; DNS names have at most ${MAX_SERVER_NAME_LENGTH} (RFC 1035)`);
  }
  const labels = name.split('.');
  for (const label of labels) {
    if (label === '') refuse(where, value, 'it has an empty label (a leading dot, or two dots in a row)');
    if (label.length > MAX_LABEL_LENGTH) {
      refuse(where, value, `the label "${label}" is ${label.length} characters long; DNS labels have at most ${MAX_LABEL_LENGTH} (RFC 1035)`);
    }
    if (!LABEL.test(label)) {
      refuse(where, value, `the label "${label}" starts or ends with "-" or holds a character DNS names cannot (RFC 1123 §2.1)`);
    }
  }
  if (NUMERIC_LABEL.test(labels.at(-1)!)) {
    refuse(where, value, 'it looks like an IPv4 address but is not in dotted-decimal form (write it as a.b.c.d)');
  }
}

/**
 * Validates a server name and returns the forms TLS needs. Accepted: IPv4 in dotted-decimal form,
 * IPv6 with or without brackets (no zone id), and DNS names: one trailing dot is accepted and
 * stripped, U-labels are converted to A-labels (IDNA / UTS #46), ASCII is lower-cased, and the
 * RFC 1035 limits hold ({@link MAX_SERVER_NAME_LENGTH}, {@link MAX_LABEL_LENGTH}).
 *
 * @param value The name the caller gave.
 * @param where Who is asking, for the message (e.g. "ClientContext.connect").
 * @returns The name to verify, the SNI value (null for IP literals) and the IP version (0 for DNS).
 * @throws ConfigurationError when `value` is not a string, is empty, holds a control character
 *   (NUL included) or a character no DNS name holds, cannot be converted to A-labels, breaks a
 *   length limit, or is an IPv4 address in a non-standard form.
 *
 * @example
 * ```ts
 * import { parseServerName } from '@unitls/tls-core';
 * parseServerName('Bücher.example.');  // { name: 'xn--bcher-kva.example', sni: 'xn--bcher-kva.example', ip: 0 }
 * parseServerName('[::1]');            // { name: '::1', sni: null, ip: 6 }
 * ```
 */
export function parseServerName(value: unknown, where = 'server name'): ServerName {
  if (typeof value !== 'string') {
    throw new ConfigurationError(`${where}: the server name must be a string (a DNS name or an IP literal), got ${describeValue(value)}`);
  }
  if (value === '') throw new ConfigurationError(`${where}: the server name is empty; pass the DNS name or IP address the certificate must match`);
  if (value.length > MAX_INPUT_LENGTH) {
    refuse(where, `${value.slice(0, 40)}...`, `it is ${value.length} characters long; DNS names have at most ${MAX_SERVER_NAME_LENGTH} (RFC 1035)`);
  }
  const bracketed = value.startsWith('[') && value.endsWith(']');
  const bare = bracketed ? value.slice(1, -1) : value;
  const version = isIP(bare);
  if (version !== 0) {
    if (bare.includes('%')) refuse(where, value, 'an IPv6 zone id cannot be verified against a certificate; leave it out of the server name');
    if (bracketed && version !== 6) refuse(where, value, 'only IPv6 addresses are written in brackets');
    return Object.freeze({ name: bare.toLowerCase(), sni: null, ip: version as 4 | 6 });
  }
  if (bracketed) refuse(where, value, 'the text in brackets is not an IPv6 address');
  checkCharacters(where, value);
  const needsIdna = /[^\x00-\x7f]/.test(value) || /(?:^|\.)xn--/i.test(value);
  let name = needsIdna ? toASCII(where, value) : value.toLowerCase();
  if (name.endsWith('.')) name = name.slice(0, -1);
  checkLabels(where, value, name);
  return Object.freeze({ name, sni: name, ip: 0 });
}
