/**
 * OpenSSL cipher strings ("ECDHE+AESGCM:!aNULL", "HIGH:@STRENGTH", "DEFAULT") expanded into IANA
 * cipher-suite ids: PEP 748's "future extension" that brings OpenSSL's aggregation back.
 * This follows OpenSSL 3.0's ssl_create_cipher_list: the same starting order, the same aliases,
 * the same rule operators (none = add, `-` delete, `!` kill, `+` move to the end, `@STRENGTH`,
 * `@SECLEVEL=n`), and a test compares it with `openssl ciphers` on many real strings.
 * Only TLS <= 1.2 ciphers come from cipher strings; TLS 1.3 suites are configured apart.
 *
 * @module
 */
import { ConfigurationError } from '@unitls/tls-core';
import { CIPHER_ATTRIBUTES } from './cipher-attributes.js';

interface Cipher {
  readonly name: string;
  readonly id: number;
  readonly kx: string;
  readonly au: string;
  readonly enc: string;
  readonly bits: number;
  readonly mac: string;
  readonly version: string;
  readonly flags: ReadonlySet<string>;
}

const ciphers: readonly Cipher[] = CIPHER_ATTRIBUTES.map(([name, id, , version, kx, au, enc, bits, mac, flags]) => ({
  name,
  id,
  kx,
  au,
  enc: enc === 'None' ? 'eNULL' : enc === 'CHACHA20/POLY1305' ? 'CHACHA20' : `${enc}${enc === 'AESCCM8' || enc === 'AESCCM' || enc === 'AESGCM' || enc === 'AES' || enc === 'Camellia' || enc === 'ARIAGCM' ? bits : ''}`,
  bits: enc === 'None' ? 0 : bits,
  mac,
  version,
  flags: new Set(flags.split(' ').filter(Boolean)),
}));

/** A pattern: per attribute, the values it allows (absent = any). */
interface Pattern {
  kx?: ReadonlySet<string>;
  au?: ReadonlySet<string>;
  enc?: ReadonlySet<string>;
  mac?: ReadonlySet<string>;
  version?: string;
  strength?: ReadonlySet<string>;
  notDefault?: boolean;
  id?: number;
}

const set = (...values: string[]) => new Set(values);
const KX_ALL = set('RSA', 'DH', 'ECDH', 'PSK', 'RSAPSK', 'DHEPSK', 'ECDHEPSK', 'SRP');
const AU_ALL = set('RSA', 'DSS', 'ECDSA', 'PSK', 'None', 'SRP');
const AES128 = ['AES128', 'AESGCM128', 'AESCCM128', 'AESCCM8128'];
const AES256 = ['AES256', 'AESGCM256', 'AESCCM256', 'AESCCM8256'];
const ENC_ALL = set(...ciphers.map((c) => c.enc));
const without = (all: ReadonlySet<string>, ...removed: string[]) => new Set([...all].filter((v) => !removed.includes(v)));

/** OpenSSL 3.0's cipher_aliases, restricted to the algorithms this OpenSSL has. */
const aliases: Record<string, Pattern> = {
  ALL: { enc: without(ENC_ALL, 'eNULL') },
  COMPLEMENTOFALL: { enc: set('eNULL') },
  COMPLEMENTOFDEFAULT: { notDefault: true },
  kRSA: { kx: set('RSA') },
  kEDH: { kx: set('DH') },
  kDHE: { kx: set('DH') },
  DH: { kx: set('DH') },
  kEECDH: { kx: set('ECDH') },
  kECDHE: { kx: set('ECDH') },
  ECDH: { kx: set('ECDH') },
  kPSK: { kx: set('PSK') },
  kRSAPSK: { kx: set('RSAPSK') },
  kECDHEPSK: { kx: set('ECDHEPSK') },
  kDHEPSK: { kx: set('DHEPSK') },
  kSRP: { kx: set('SRP') },
  aRSA: { au: set('RSA') },
  aDSS: { au: set('DSS') },
  DSS: { au: set('DSS') },
  aNULL: { au: set('None') },
  aECDSA: { au: set('ECDSA') },
  ECDSA: { au: set('ECDSA') },
  aPSK: { au: set('PSK') },
  aSRP: { au: set('SRP') },
  DHE: { kx: set('DH'), au: without(AU_ALL, 'None') },
  EDH: { kx: set('DH'), au: without(AU_ALL, 'None') },
  ECDHE: { kx: set('ECDH'), au: without(AU_ALL, 'None') },
  EECDH: { kx: set('ECDH'), au: without(AU_ALL, 'None') },
  NULL: { enc: set('eNULL') },
  eNULL: { enc: set('eNULL') },
  RSA: { kx: set('RSA') },
  ADH: { kx: set('DH'), au: set('None') },
  AECDH: { kx: set('ECDH'), au: set('None') },
  PSK: { kx: set('PSK', 'RSAPSK', 'ECDHEPSK', 'DHEPSK') },
  SRP: { kx: set('SRP') },
  AES128: { enc: set(...AES128) },
  AES256: { enc: set(...AES256) },
  AES: { enc: set(...AES128, ...AES256) },
  AESGCM: { enc: set('AESGCM128', 'AESGCM256') },
  AESCCM: { enc: set('AESCCM128', 'AESCCM256', 'AESCCM8128', 'AESCCM8256') },
  AESCCM8: { enc: set('AESCCM8128', 'AESCCM8256') },
  CAMELLIA128: { enc: set('Camellia128') },
  CAMELLIA256: { enc: set('Camellia256') },
  CAMELLIA: { enc: set('Camellia128', 'Camellia256') },
  CHACHA20: { enc: set('CHACHA20') },
  ARIA128: { enc: set('ARIAGCM128') },
  ARIA256: { enc: set('ARIAGCM256') },
  ARIA: { enc: set('ARIAGCM128', 'ARIAGCM256') },
  ARIAGCM: { enc: set('ARIAGCM128', 'ARIAGCM256') },
  // Algorithms this OpenSSL build lacks match nothing, as in OpenSSL.
  '3DES': { enc: set() },
  RC4: { enc: set() },
  RC2: { enc: set() },
  IDEA: { enc: set() },
  SEED: { enc: set() },
  DES: { enc: set() },
  MD5: { mac: set('MD5') },
  SHA1: { mac: set('SHA1') },
  SHA: { mac: set('SHA1') },
  SHA256: { mac: set('SHA256') },
  SHA384: { mac: set('SHA384') },
  SSLv3: { version: 'SSLv3' },
  TLSv1: { version: 'TLSv1' },
  'TLSv1.0': { version: 'TLSv1' },
  'TLSv1.2': { version: 'TLSv1.2' },
  LOW: { strength: set('LOW') },
  MEDIUM: { strength: set('MEDIUM') },
  HIGH: { strength: set('HIGH') },
  FIPS: { strength: set('FIPS') },
  CBC: { enc: set(...ciphers.map((c) => c.enc).filter((e) => /^(AES|Camellia)\d+$/.test(e))) },
};
const byName = new Map(ciphers.map((c) => [c.name, c]));

function intersect(a: ReadonlySet<string> | undefined, b: ReadonlySet<string> | undefined): ReadonlySet<string> | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return new Set([...a].filter((v) => b.has(v)));
}

/** The pattern for "A+B+C", or null when a part is unknown or the parts exclude each other. */
function patternFor(element: string): Pattern | null {
  let pattern: Pattern = {};
  for (const part of element.split('+')) {
    // OpenSSL 3.0 takes suites by OpenSSL name here (standard names only in -ciphersuites).
    const cipher = byName.get(part);
    if (cipher !== undefined) {
      // An explicit suite: its version does not join the pattern (as in OpenSSL).
      pattern = { ...pattern, id: cipher.id };
      continue;
    }
    const alias = aliases[part];
    if (alias === undefined) return null;
    const next: Pattern = { ...pattern };
    for (const key of ['kx', 'au', 'enc', 'mac', 'strength'] as const) {
      if (alias[key] === undefined) continue;
      const merged = intersect(pattern[key], alias[key]);
      if (merged !== undefined && merged.size === 0 && pattern[key] !== undefined) return null;
      next[key] = merged;
    }
    if (alias.version !== undefined) {
      if (pattern.version !== undefined && pattern.version !== alias.version) return null;
      next.version = alias.version;
    }
    if (alias.notDefault) next.notDefault = true;
    pattern = next;
  }
  return pattern;
}

function matches(cipher: Cipher, pattern: Pattern, strengthBits = -1): boolean {
  return (
    (pattern.id === undefined || cipher.id === pattern.id) &&
    (pattern.kx === undefined || pattern.kx.has(cipher.kx)) &&
    (pattern.au === undefined || pattern.au.has(cipher.au)) &&
    (pattern.enc === undefined || pattern.enc.has(cipher.enc)) &&
    (pattern.mac === undefined || pattern.mac.has(cipher.mac)) &&
    (pattern.version === undefined || cipher.version === pattern.version) &&
    (pattern.strength === undefined || [...pattern.strength].some((flag) => cipher.flags.has(flag))) &&
    (!pattern.notDefault || cipher.flags.has('NOT_DEFAULT')) &&
    (strengthBits < 0 || cipher.bits === strengthBits)
  );
}

type Op = 'add' | 'delete' | 'kill' | 'order' | 'bump';

/** OpenSSL's working list: ordered entries, each active or not; killed ones are gone. */
class CipherList {
  entries: Array<{ cipher: Cipher; active: boolean }>;
  constructor(list: readonly Cipher[]) {
    this.entries = list.map((cipher) => ({ cipher, active: false }));
  }

  apply(op: Op, pattern: Pattern, strengthBits = -1): void {
    const hit = (e: { cipher: Cipher; active: boolean }) => matches(e.cipher, pattern, strengthBits);
    const keep = this.entries.filter((e) => !hit(e));
    const matched = this.entries.filter(hit);
    switch (op) {
      case 'add': {
        const moved = matched.filter((e) => !e.active);
        for (const e of moved) e.active = true;
        this.entries = [...this.entries.filter((e) => !moved.includes(e)), ...moved];
        return;
      }
      case 'order': {
        const moved = matched.filter((e) => e.active);
        this.entries = [...this.entries.filter((e) => !moved.includes(e)), ...moved];
        return;
      }
      case 'bump': {
        const moved = matched.filter((e) => e.active);
        this.entries = [...moved, ...this.entries.filter((e) => !moved.includes(e))];
        return;
      }
      case 'delete': {
        // Deleted suites go to the front, so a later add brings them back at their best place.
        const moved = matched.filter((e) => e.active);
        for (const e of moved) e.active = false;
        this.entries = [...moved, ...this.entries.filter((e) => !moved.includes(e))];
        return;
      }
      case 'kill':
        this.entries = keep;
        return;
    }
  }

  /** @STRENGTH: active suites by symmetric key bits, strongest first, otherwise stable. */
  strengthSort(): void {
    const bits = [...new Set(this.entries.filter((e) => e.active).map((e) => e.cipher.bits))].sort((a, b) => b - a);
    for (const b of bits) this.apply('order', {}, b);
  }
}

const AEAD = set('AEAD');

/** OpenSSL's starting order (ssl_create_cipher_list before the user's rules). */
function startingList(): CipherList {
  const list = new CipherList(ciphers);
  list.apply('add', { kx: set('ECDH'), au: set('ECDSA') });
  list.apply('add', { kx: set('ECDH') });
  list.apply('delete', { kx: set('ECDH') });
  list.apply('add', { enc: aliases.AESGCM!.enc! });
  list.apply('add', { enc: aliases.CHACHA20!.enc! });
  list.apply('add', { enc: without(aliases.AES!.enc!, 'AESGCM128', 'AESGCM256') });
  list.apply('add', {});
  list.apply('order', { mac: set('MD5') });
  list.apply('order', { au: set('None') });
  list.apply('order', { kx: set('RSA') });
  list.apply('order', { kx: set('PSK') });
  list.apply('order', { enc: set('RC4') });
  list.strengthSort();
  list.apply('bump', { version: 'TLSv1.2' });
  list.apply('bump', { mac: AEAD });
  list.apply('bump', { kx: set('DH', 'ECDH') });
  list.apply('bump', { kx: set('DH', 'ECDH'), mac: AEAD });
  list.apply('delete', {});
  return list;
}

/** What an OpenSSL cipher string selects: the suites in order, and the security level if it set one. */
export interface CipherStringResult {
  /** IANA ids of the TLS <= 1.2 suites, in OpenSSL's order. */
  readonly ids: number[];
  /** OpenSSL names, same order. */
  readonly names: string[];
  /** `@SECLEVEL=n` when the string had one. */
  readonly securityLevel: number | null;
}

const DEFAULT_RULES = 'ALL:!COMPLEMENTOFDEFAULT:!eNULL';

function runRules(list: CipherList, rules: string): number | null {
  let securityLevel: number | null = null;
  for (const raw of rules.split(/[:, ;]+/)) {
    if (raw === '') continue;
    if (raw.startsWith('@')) {
      if (raw === '@STRENGTH') list.strengthSort();
      else if (/^@SECLEVEL=\d$/.test(raw)) securityLevel = Number(raw.slice(10));
      else throw new ConfigurationError(`cipher string: unknown command "${raw}"`);
      continue;
    }
    const op: Op = raw[0] === '-' ? 'delete' : raw[0] === '!' ? 'kill' : raw[0] === '+' ? 'order' : 'add';
    const pattern = patternFor(op === 'add' ? raw : raw.slice(1));
    // Unknown names are skipped, as OpenSSL skips them.
    if (pattern !== null) list.apply(op, pattern);
  }
  return securityLevel;
}

/**
 * Expands an OpenSSL cipher string into IANA ids, exactly as OpenSSL 3.0 orders them.
 * Throws ConfigurationError when the string selects nothing (OpenSSL's "no cipher match").
 *
 * @example
 * ```ts
 * import { parseCipherString } from '@unitls/ssl-compat';
 * parseCipherString('ECDHE+AESGCM:!aNULL').names; // ['ECDHE-ECDSA-AES256-GCM-SHA384', ...]
 * ```
 */
export function parseCipherString(cipherString: string): CipherStringResult {
  if (typeof cipherString !== 'string') throw new ConfigurationError('cipher string must be a string');
  const list = startingList();
  let rules = cipherString;
  let securityLevel: number | null = null;
  if (rules.startsWith('DEFAULT')) {
    securityLevel = runRules(list, DEFAULT_RULES);
    rules = rules.slice('DEFAULT'.length).replace(/^:/, '');
  }
  securityLevel = runRules(list, rules) ?? securityLevel;
  const active = list.entries.filter((e) => e.active).map((e) => e.cipher);
  if (active.length === 0) throw new ConfigurationError(`cipher string "${cipherString}" selects no cipher suite (OpenSSL: no cipher match)`);
  return { ids: active.map((c) => c.id), names: active.map((c) => c.name), securityLevel };
}
