/**
 * Runs x509-limbo (tests/conformance/x509-limbo/limbo.json, vendored, Apache-2.0) straight through
 * tls-pure's path validator, without a handshake: every case, including the CRL and
 * max-chain-depth ones the PEP API cannot express.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CertificateVerificationError } from '@unitls/tls-core';
import { nodeSignatureVerifier } from '../src/x509/node-signature-verifier.js';
import { TrustAnchors } from '../src/x509/trust-anchors.js';
import { verifyCertificateChain } from '../src/x509/verify.js';
import { certificatesIn } from '../src/x509/pem.js';
// The conformance suite's description of a case (type only: nothing of that module runs here).
import type { LimboCase } from '../../../tests/conformance/limbo.js';

export type { LimboCase };

const limboPath = fileURLToPath(new URL('../../../tests/conformance/x509-limbo/limbo.json', import.meta.url));

export function loadLimbo(): LimboCase[] {
  return (JSON.parse(readFileSync(limboPath, 'utf8')) as { testcases: LimboCase[] }).testcases;
}

const der = (pem: string): Uint8Array => certificatesIn(new TextEncoder().encode(pem)).certificates[0] ?? new Uint8Array();
const crlDer = (pem: string): Uint8Array => Uint8Array.from(Buffer.from(pem.replace(/-----[^-]+-----/g, '').replace(/\s+/g, ''), 'base64'));

export type Verdict = { result: 'SUCCESS' | 'FAILURE'; detail: string };

/** The validator's verdict on one case (`lazy`: its trust store built as the system store is). */
export function runLimboCase(test: LimboCase, options: { lazy?: boolean } = {}): Verdict {
  let anchors: TrustAnchors;
  try {
    anchors = TrustAnchors.fromDer(test.trusted_certs.map(der), { lazy: options.lazy ?? false });
  } catch (error) {
    return { result: 'FAILURE', detail: `trust store refused: ${(error as Error).message}` };
  }
  const name = test.validation_kind === 'SERVER' ? (test.expected_peer_name?.value ?? null) : null;
  try {
    verifyCertificateChain([der(test.peer_certificate), ...test.untrusted_intermediates.map(der)], anchors, nodeSignatureVerifier, {
      purpose: test.validation_kind === 'SERVER' ? 'serverAuth' : 'clientAuth',
      serverName: name,
      ...(test.validation_time === null ? {} : { time: new Date(test.validation_time) }),
      ...(test.max_chain_depth === null ? {} : { limits: { maxIntermediates: test.max_chain_depth } }),
      crls: test.crls.map(crlDer),
    });
    return { result: 'SUCCESS', detail: 'accepted' };
  } catch (error) {
    if (error instanceof CertificateVerificationError) return { result: 'FAILURE', detail: `${error.reason} (${error.verifyCode}): ${error.message}` };
    throw error;
  }
}
