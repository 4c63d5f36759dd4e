import { describe, expect, it } from 'vitest';
import { AsnConvert } from '@peculiar/asn1-schema';
import { RawGeneralSubtree, RawGeneralSubtrees, RawNameConstraints } from './x509-general-name-schema.js';
import { EKU, ca, ext, generalName, leaf, name, type Issued } from './x509-fixtures.js';
import { check, refusal } from './x509-verify-helpers.js';

const root = ca('NC root');
const violation = { reason: 'name-constraints', code: 'NAME_CONSTRAINT_VIOLATION' };
const constrained = (permitted: string[] | null, excluded: string[] | null, options: { critical?: boolean; issuer?: Issued } = {}) =>
  ca(`NC ${JSON.stringify([permitted, excluded])}`, options.issuer ?? root, { add: [ext.nameConstraints(permitted, excluded, options.critical ?? true)] });
const under = (issuer: Issued, names: string[], purpose: 'serverAuth' | 'clientAuth' = 'serverAuth', extra: Parameters<typeof leaf>[2] = {}) =>
  check([leaf(issuer, names, extra), issuer], [root], { purpose });

describe('name constraints (RFC 5280 4.2.1.10, 6.1.3 (b)-(c))', () => {
  it('keeps DNS names inside permitted subtrees and out of excluded ones', () => {
    const permit = constrained(['example.com'], null);
    expect(under(permit, ['example.com', 'a.b.example.com'])).toBe('ok');
    expect(refusal(under(permit, ['example.com', 'evil.test']))).toEqual(violation);
    expect(refusal(under(permit, ['badexample.com']))).toEqual(violation);
    const exclude = constrained(null, ['secret.example.com']);
    expect(under(exclude, ['www.example.com'])).toBe('ok');
    expect(refusal(under(exclude, ['www.example.com', 'x.secret.example.com']))).toEqual(violation);
    // Excluded wins over permitted.
    expect(refusal(under(constrained(['example.com'], ['example.com']), ['example.com']))).toEqual(violation);
  });

  it('treats a wildcard as the names it stands for (CVE-2025-61727)', () => {
    expect(refusal(under(constrained(null, ['bar.example.com']), ['*.example.com']))).toEqual(violation);
    expect(refusal(under(constrained(['foo.example.com'], null), ['*.example.com']))).toEqual(violation);
    expect(under(constrained(['example.com'], null), ['*.example.com'])).toBe('ok');
  });

  it('applies to IP addresses by range, with the other form untouched', () => {
    const net = constrained(['ipnet:192.0.2.0/24'], ['ipnet:192.0.2.128/25']);
    expect(under(net, ['192.0.2.1'])).toBe('ok');
    expect(refusal(under(net, ['192.0.3.1']))).toEqual(violation);
    expect(refusal(under(net, ['192.0.2.200']))).toEqual(violation);
    // A DNS-only leaf meets no iPAddress subtree.
    expect(under(net, ['example.com'])).toBe('ok');
    const v6 = constrained(['ipnet:2001:db8::/32'], null);
    expect(under(v6, ['2001:db8::1'])).toBe('ok');
    // IPv4 names are outside IPv6-only permitted subtrees.
    expect(refusal(under(v6, ['192.0.2.1']))).toEqual(violation);
  });

  it('applies to email addresses, in the subjectAltName and in the subject', () => {
    const mail = constrained(['email:example.com'], null);
    const clientLeaf = { replace: { extKeyUsage: ext.extKeyUsage([EKU.clientAuth]) } };
    expect(under(mail, ['email:a@example.com'], 'clientAuth', clientLeaf)).toBe('ok');
    expect(refusal(under(mail, ['email:a@other.test'], 'clientAuth', clientLeaf))).toEqual(violation);
  });

  it('applies directoryName subtrees to the subject and directoryName SANs, by RDN prefix', () => {
    const dn = constrained(['dn:Team'], null);
    expect(check([leaf(dn, ['dn:Team'], { subject: name('Team') }), dn], [root])).toBe('ok');
    expect(refusal(check([leaf(dn, ['dn:Team'], { subject: name('Other') }), dn], [root]))).toEqual(violation);
    expect(check([leaf(dn, ['example.com'], { subject: name('Team', 'host') }), dn], [root])).toBe('ok');
    expect(refusal(check([leaf(dn, ['example.com'], { subject: name('Other') }), dn], [root]))).toEqual(violation);
  });

  it('constrains the intermediates below too, except self-issued ones', () => {
    const top = constrained(['example.com'], null);
    const middle = ca('Middle', top, { add: [ext.subjectAltName(['evil.test'])] });
    expect(refusal(check([leaf(middle, ['www.example.com']), middle, top], [root]))).toEqual(violation);
    const selfIssued = ca(`NC ${JSON.stringify([['example.com'], null])}`, top, { add: [ext.subjectAltName(['evil.test'])] });
    expect(check([leaf(selfIssued, ['www.example.com']), selfIssued, top], [root])).toBe('ok');
  });

  it("honours the trust anchor's own constraints, and non-critical ones", () => {
    const constrainedRoot = ca('Constrained root', undefined, { add: [ext.nameConstraints(['example.com'], null, false)] });
    expect(check([leaf(constrainedRoot, ['www.example.com'])], [constrainedRoot])).toBe('ok');
    expect(refusal(check([leaf(constrainedRoot, ['www.evil.test'])], [constrainedRoot]))).toEqual(violation);
  });

  it('refuses a name of a form it cannot evaluate only when a constraint of that form exists', () => {
    const uris = constrained(['uri:example.com'], null);
    expect(refusal(under(uris, ['example.com', 'uri:https://example.com/']))).toEqual({ reason: 'name-constraints', code: 'UNSUPPORTED_NAME_CONSTRAINT' });
    expect(under(uris, ['example.com'])).toBe('ok');
    expect(under(constrained(['example.com'], null), ['example.com', 'uri:https://example.com/'])).toBe('ok');
  });

  it('refuses names it cannot place: a malformed DNS or IP name under a constraint of its form', () => {
    expect(refusal(under(constrained(['example.com'], null), ['example.com', '.example.com']))).toEqual(violation);
    expect(refusal(under(constrained(['ipnet:192.0.2.0/24'], null), ['rawip:c00002'], 'serverAuth'))).toEqual(violation);
  });

  it('refuses malformed or empty constraint extensions (CA/B Forum BR 7.1.2.5.2)', () => {
    const malformed = { reason: 'invalid-certificate', code: 'MALFORMED_NAME_CONSTRAINT' };
    expect(refusal(under(constrained(['*.example.com'], null), ['a.example.com']))).toEqual(malformed);
    expect(refusal(under(constrained(['rawip:c0000200'], null), ['example.com']))).toEqual(malformed);
    expect(refusal(under(constrained(['email:bad@bad@example.com'], null), ['example.com']))).toEqual(malformed);
    // Empty GeneralSubtrees break SIZE (1..MAX) already; no subtrees at all is the CA/B Forum rule.
    expect(refusal(under(constrained([], []), ['example.com']))).toEqual({ reason: 'invalid-certificate', code: 'MALFORMED_EXTENSION' });
    expect(refusal(under(constrained(null, null), ['example.com']))).toEqual(malformed);
    const withMaximum = new RawNameConstraints();
    withMaximum.permittedSubtrees = new RawGeneralSubtrees([Object.assign(new RawGeneralSubtree(), { base: generalName('example.com'), maximum: 2 })]);
    const maxCa = ca('Max', root, { add: [ext.raw('2.5.29.30', true, AsnConvert.serialize(withMaximum))] });
    expect(refusal(under(maxCa, ['example.com']))).toEqual(malformed);
  });

  it('stops at the comparison budget', () => {
    const permitted = Array.from({ length: 200 }, (_, i) => `p${i}.test`);
    // Every name sits under the last permitted subtree: 200 comparisons each.
    const names = Array.from({ length: 200 }, (_, i) => `n${i}.p199.test`);
    const wide = constrained(permitted, null);
    expect(check([leaf(wide, names), wide], [root])).toBe('ok');
    const outcome = check([leaf(wide, names), wide], [root], { limits: { maxNameConstraintComparisons: 10_000 } });
    expect(refusal(outcome)).toEqual({ reason: 'name-constraints', code: 'NAME_CONSTRAINT_BUDGET_EXCEEDED' });
  });
});
