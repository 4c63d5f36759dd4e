/**
 * The ASN.1 libraries (asn1js, @peculiar/asn1-schema and its X.509, RSA and EC schemas), loaded on
 * first use: the first certificate, key or CRL parsed, not `import '@unitls/tls-pure'`. Loading them
 * is most of what importing tls-pure cost (~0.2 s of CPU of ~0.45 s, issue #17), and a process that
 * imports tls-pure may never parse a certificate (another implementation chosen, a CLI's --help).
 *
 * They are CommonJS packages (no "exports", "main" is the CommonJS build), so Node's ESM import of
 * them loaded that same build, through the CommonJS export lexer on top: require() loads it at half
 * that cost (~0.1 s), and returns the very module instances an ESM import elsewhere in the process
 * gets. Every runtime use in tls-pure goes through these getters, so on a runtime that would pick
 * a package's ESM build for an import (Bun reads "module") tls-pure still has one copy of each
 * (the schemas register in asn1-schema's module-level storage: one copy must serve them all).
 *
 * @module
 */
import { createRequire } from 'node:module';
import type * as Asn1js from 'asn1js';
import type * as Asn1Ecc from '@peculiar/asn1-ecc';
import type * as Asn1Rsa from '@peculiar/asn1-rsa';
import type * as Asn1Schema from '@peculiar/asn1-schema';
import type * as Asn1X509 from '@peculiar/asn1-x509';

const load = createRequire(import.meta.url);

let asn1js: typeof Asn1js | undefined;
let schema: typeof Asn1Schema | undefined;
let x509: typeof Asn1X509 | undefined;
let rsa: typeof Asn1Rsa | undefined;
let ecc: typeof Asn1Ecc | undefined;

/** asn1js (BER/DER trees). */
export const loadAsn1js = (): typeof Asn1js => (asn1js ??= load('asn1js') as typeof Asn1js);
/** @peculiar/asn1-schema (AsnParser, AsnSerializer, AsnConvert). */
export const loadSchema = (): typeof Asn1Schema => (schema ??= load('@peculiar/asn1-schema') as typeof Asn1Schema);
/** @peculiar/asn1-x509's schemas (Certificate, extensions, SubjectPublicKeyInfo, ...). */
export const loadX509 = (): typeof Asn1X509 => (x509 ??= load('@peculiar/asn1-x509') as typeof Asn1X509);
/** @peculiar/asn1-rsa's schemas (RSAPublicKey, RSAPrivateKey, RsaSaPssParams). */
export const loadRsa = (): typeof Asn1Rsa => (rsa ??= load('@peculiar/asn1-rsa') as typeof Asn1Rsa);
/** @peculiar/asn1-ecc's schemas (ECParameters). */
export const loadEcc = (): typeof Asn1Ecc => (ecc ??= load('@peculiar/asn1-ecc') as typeof Asn1Ecc);
