import { CertificateVerificationError } from '@unitls/tls-core';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sign } from 'node:crypto';
import { childrenOf, decodeDer, encodedBytes } from '../src/x509/der.js';
import { nodeSignatureVerifier } from '../src/x509/node-signature-verifier.js';
import { TrustAnchors } from '../src/x509/trust-anchors.js';
import { verifyCertificateChain } from '../src/x509/verify.js';
import { ca, ext, leaf } from './x509-fixtures.js';

const root = ca('Property root');
const intermediate = ca('Property intermediate', root, { add: [ext.nameConstraints(['example.com', 'ipnet:192.0.2.0/24'], ['deep.bad.example.com'])] });
const server = leaf(intermediate, ['example.com', '*.example.com', '192.0.2.1']);
const anchors = TrustAnchors.fromDer([root.der]);

/** A verdict, whatever the input: true (accepted) or the refusal's reason. Anything else thrown fails the property. */
function verdict(chain: Uint8Array[], serverName = 'www.example.com'): true | string {
  try {
    verifyCertificateChain(chain, anchors, nodeSignatureVerifier, { purpose: 'serverAuth', serverName });
    return true;
  } catch (error) {
    // The entry point's last-resort conversion would hide an unexpected exception: treat it as one.
    if (error instanceof CertificateVerificationError && !error.message.includes('could not be processed')) return error.reason;
    throw error;
  }
}

type Mutation = { at: number; kind: 'flip' | 'set' | 'insert' | 'delete' | 'truncate'; value: number };
const mutation = fc.record({ at: fc.nat(), kind: fc.constantFrom<Mutation['kind']>('flip', 'set', 'insert', 'delete', 'truncate'), value: fc.integer({ min: 0, max: 255 }) });

function mutate(der: Uint8Array, changes: Mutation[]): Uint8Array {
  let bytes = Array.from(der);
  for (const { at, kind, value } of changes) {
    const i = bytes.length === 0 ? 0 : at % bytes.length;
    if (kind === 'flip') bytes[i]! ^= 1 << (value % 8);
    else if (kind === 'set') bytes[i] = value;
    else if (kind === 'insert') bytes.splice(i, 0, value);
    else if (kind === 'delete') bytes.splice(i, 1);
    else bytes = bytes.slice(0, i);
  }
  return Uint8Array.from(bytes);
}

/** A DER TLV (definite length). */
function tlv(tag: number, value: number[]): number[] {
  const length = value.length;
  const octets = length < 0x80 ? [length] : length < 0x100 ? [0x81, length] : length < 0x10000 ? [0x82, length >> 8, length & 0xff] : [0x83, length >> 16, (length >> 8) & 0xff, length & 0xff];
  return [tag, ...octets, ...value];
}

describe('the validator on hostile input (fast-check)', () => {
  it('accepts the unmutated chain (the properties start from a valid one)', () => {
    expect(verdict([server.der, intermediate.der])).toBe(true);
  });

  it('always gives a verdict for random bytes, never a crash', { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 2048 }), { minLength: 1, maxLength: 4 }), (chain) => {
        expect(verdict(chain)).not.toBe(true);
      }),
      { numRuns: 300 },
    );
  });

  it('always gives a verdict for mutated certificates, and never accepts a mutated leaf signed by nobody', { timeout: 120_000 }, () => {
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 6 }), fc.boolean(), (changes, leafSide) => {
        const leafDer = leafSide ? mutate(server.der, changes) : server.der;
        const middle = leafSide ? intermediate.der : mutate(intermediate.der, changes);
        const result = verdict([leafDer, middle]);
        // A change inside the signed bytes or the signature cannot verify; only encoding-neutral
        // changes (none exist in DER) could keep a chain valid.
        if (result === true) expect(leafSide ? leafDer : middle).toEqual(leafSide ? server.der : intermediate.der);
      }),
      { numRuns: 400 },
    );
  });

  it('always gives a verdict for mutated TBSCertificates that the issuer signed (every extension decoder meets garbage)', { timeout: 120_000 }, () => {
    const [tbs, algorithm] = childrenOf(decodeDer(server.der)).map(encodedBytes) as [Uint8Array, Uint8Array];
    fc.assert(
      fc.property(fc.array(mutation, { minLength: 1, maxLength: 4 }), (changes) => {
        const changed = mutate(tbs, changes);
        const signature = sign('sha256', changed, { key: intermediate.key.privateKey, dsaEncoding: 'der' });
        const cert = tlv(0x30, [...changed, ...algorithm, ...tlv(0x03, [0, ...signature])]);
        verdict([Uint8Array.from(cert), intermediate.der]);
      }),
      { numRuns: 400 },
    );
  });

  it('always gives a verdict for random server names', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (name) => {
        const result = verdict([server.der, intermediate.der], name);
        expect(result === true || result === 'hostname-mismatch').toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});
