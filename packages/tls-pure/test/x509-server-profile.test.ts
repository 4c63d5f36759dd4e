/**
 * The CA/B Forum TLS server profile rules the validator holds server chains to (profile.ts
 * checkServerCertificateProfile, checkServerRootProfile): each with its x509-limbo case, run by
 * id, and a hand-built variant that also shows what the rule leaves alone (client certificates, a
 * leaf trusted as is, the operating system's roots).
 */
import { describe, expect, it } from 'vitest';
import { TrustAnchors } from '../src/x509/trust-anchors.js';
import { EKU, ca, ext, leaf, name } from './x509-fixtures.js';
import { loadLimbo, runLimboCase } from './x509-limbo-harness.js';
import { check, refusal } from './x509-verify-helpers.js';

const limbo = new Map(loadLimbo().map((test) => [test.id, test]));

/** The validator's verdict on the limbo case `id`, which must exist and expect FAILURE. */
function limboVerdict(id: string) {
  const test = limbo.get(id);
  if (test === undefined) throw new Error(`no x509-limbo case ${id}`);
  expect(test.expected_result).toBe('FAILURE');
  return runLimboCase(test);
}

const root = ca('Server profile root');
const intermediate = ca('Server profile intermediate', root);
const server = (options: Parameters<typeof leaf>[2]) => leaf(intermediate, ['example.com'], options);
const asServer = (cert: ReturnType<typeof leaf>) => refusal(check([cert, intermediate], [root], { serverName: 'example.com' }));
const asClient = (cert: ReturnType<typeof leaf>) => refusal(check([cert, intermediate], [root], { purpose: 'clientAuth' }));

describe('a TLS server leaf (CA/B Forum BR 7.1.2.7)', () => {
  it('webpki::eku::ee-anyeku: refuses anyExtendedKeyUsage beside serverAuth (BR 7.1.2.7.10)', () => {
    expect(limboVerdict('webpki::eku::ee-anyeku')).toMatchObject({ result: 'FAILURE', detail: expect.stringContaining('PROHIBITED_EKU') });
    const both = server({ replace: { extKeyUsage: ext.extKeyUsage([EKU.serverAuth, EKU.clientAuth, EKU.any]) } });
    expect(asServer(both)).toEqual({ reason: 'invalid-purpose', code: 'PROHIBITED_EKU' });
    expect(asClient(both)).toBe('ok');
    expect(asServer(server({ replace: { extKeyUsage: ext.extKeyUsage([EKU.serverAuth, EKU.clientAuth]) } }))).toBe('ok');
  });

  it('webpki::eku::ee-critical-eku: refuses a critical extKeyUsage (BR 7.1.2.7.6)', () => {
    expect(limboVerdict('webpki::eku::ee-critical-eku')).toMatchObject({ result: 'FAILURE', detail: expect.stringContaining('EXTENSION_CRITICALITY') });
    const critical = server({ replace: { extKeyUsage: ext.extKeyUsage([EKU.serverAuth, EKU.clientAuth], true) } });
    expect(asServer(critical)).toEqual({ reason: 'invalid-certificate', code: 'EXTENSION_CRITICALITY' });
    expect(asClient(critical)).toBe('ok');
  });

  it('webpki::san::san-critical-with-nonempty-subject: refuses a critical subjectAltName beside a subject (BR 7.1.2.7.12)', () => {
    expect(limboVerdict('webpki::san::san-critical-with-nonempty-subject')).toMatchObject({ result: 'FAILURE', detail: expect.stringContaining('EXTENSION_CRITICALITY') });
    const critical = server({ replace: { subjectAltName: ext.subjectAltName(['example.com'], true) } });
    expect(asServer(critical)).toEqual({ reason: 'invalid-certificate', code: 'EXTENSION_CRITICALITY' });
    // An empty subject still needs it critical (RFC 5280 4.2.1.6).
    expect(asServer(server({ subject: name(), replace: { subjectAltName: ext.subjectAltName(['example.com'], true) } }))).toBe('ok');
    expect(asServer(server({ subject: name(), replace: { subjectAltName: ext.subjectAltName(['example.com']) } }))).toEqual({ reason: 'invalid-certificate', code: 'EXTENSION_CRITICALITY' });
  });

  it('asks none of this of a leaf the application trusts as is', () => {
    const pinned = ca('Pinned self-signed', undefined, {
      add: [ext.subjectAltName(['example.com'], true), ext.extKeyUsage([EKU.serverAuth, EKU.any], true)],
    });
    expect(refusal(check([pinned], [pinned], { serverName: 'example.com' }))).toBe('ok');
  });
});

describe('a TLS server root (CA/B Forum BR 7.1.2.1.2)', () => {
  it('webpki::eku::root-has-eku: refuses an application-supplied root that carries extKeyUsage', () => {
    expect(limboVerdict('webpki::eku::root-has-eku')).toMatchObject({ result: 'FAILURE', detail: expect.stringContaining('PROHIBITED_EKU') });
    const ekuRoot = ca('Root with extKeyUsage', undefined, { add: [ext.extKeyUsage([EKU.serverAuth, EKU.clientAuth])] });
    const sub = ca('Under the EKU root', ekuRoot);
    const chain = [leaf(sub, ['example.com']), sub];
    expect(refusal(check(chain, [ekuRoot], { serverName: 'example.com' }))).toEqual({ reason: 'invalid-purpose', code: 'PROHIBITED_EKU' });
    // Client chains are outside the server Baseline Requirements; the root's EKU still limits them.
    const clientChain = [leaf(sub, ['client.test'], { replace: { extKeyUsage: ext.extKeyUsage([EKU.clientAuth]) } }), sub];
    expect(refusal(check(clientChain, [ekuRoot], { purpose: 'clientAuth' }))).toBe('ok');
    // The operating system's store is not held to the profile (TrustAnchors.checkProfile).
    const systemLike = TrustAnchors.fromDer([ekuRoot.der], { checkProfile: false });
    expect(refusal(check(chain, systemLike, { serverName: 'example.com' }))).toBe('ok');
    // An intermediate may carry the extKeyUsage that limits it (BR 7.1.2.2).
    const ekuSub = ca('Intermediate with extKeyUsage', root, { add: [ext.extKeyUsage([EKU.serverAuth])] });
    expect(refusal(check([leaf(ekuSub, ['example.com']), ekuSub], [root], { serverName: 'example.com' }))).toBe('ok');
  });
});
