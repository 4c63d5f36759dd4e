/** Runs the validator the way the unit tests need: certificates in, "ok" or the refusal out. */
import { CertificateVerificationError } from '@unitls/tls-core';
import { nodeSignatureVerifier } from '../src/x509/node-signature-verifier.js';
import { TrustAnchors } from '../src/x509/trust-anchors.js';
import { verifyCertificateChain, type ChainVerificationOptions } from '../src/x509/verify.js';
import type { Issued } from './x509-fixtures.js';

export type Outcome = 'ok' | { reason: string; code: string | undefined; message: string };

/** Verifies `presented` (leaf first) against `anchors`, for a server named `serverName` unless options say otherwise. */
export function check(presented: readonly (Issued | Uint8Array)[], anchors: readonly Issued[] | TrustAnchors, options: Partial<ChainVerificationOptions> = {}): Outcome {
  const trust = anchors instanceof TrustAnchors ? anchors : TrustAnchors.fromDer(anchors.map((a) => a.der));
  try {
    verifyCertificateChain(
      presented.map((c) => (c instanceof Uint8Array ? c : c.der)),
      trust,
      nodeSignatureVerifier,
      { purpose: 'serverAuth', ...options },
    );
    return 'ok';
  } catch (error) {
    if (!(error instanceof CertificateVerificationError)) throw error;
    return { reason: error.reason, code: error.verifyCode, message: error.message };
  }
}

/** The refusal's reason and code, for compact expectations. */
export function refusal(outcome: Outcome): { reason: string; code: string | undefined } | 'ok' {
  return outcome === 'ok' ? 'ok' : { reason: outcome.reason, code: outcome.code };
}
