/**
 * Name constraints (RFC 5280 4.2.1.10 and 6.1.3 (b)-(c)): a CA's permitted and excluded subtrees
 * over the names of every certificate below it in the path. Supported forms: dNSName (with
 * wildcards handled as the sets of names they stand for), iPAddress, rfc822Name and
 * directoryName (by RDN prefix). A name of another form (URI, otherName, ...) meeting a constraint
 * of its own form cannot be judged and is refused, as RFC 5280 requires of forms an implementation
 * does not process; names of forms that no constraint mentions are unaffected.
 *
 * @module
 */
import type { Name } from '@peculiar/asn1-x509';
import type { ParsedCertificate } from './certificate.js';
import { constraintContains, constraintOverlaps, dnsConstraint, dnsPattern, type DnsConstraint, type DnsPattern } from './dns-name.js';
import { emailConstraint, emailConstraintMatches, parseMailbox, type EmailConstraint, type Mailbox } from './email-address.js';
import { nameConstraints, subjectAltNames } from './extensions.js';
import { VerificationFailure, invalid } from './failure.js';
import type { GeneralName, GeneralSubtree, NameConstraintsValue } from './general-name.js';
import { ipConstraint, ipConstraintMatches, isIpAddressName, type IpConstraint } from './ip-address.js';
import type { Budget } from './limits.js';

const EMAIL_ADDRESS_ATTRIBUTE = '1.2.840.113549.1.9.1';

type Constraint =
  | { kind: 'dns'; value: DnsConstraint }
  | { kind: 'ip'; value: IpConstraint }
  | { kind: 'email'; value: EmailConstraint }
  | { kind: 'directory'; value: readonly Uint8Array[] }
  | { kind: 'unsupported'; form: GeneralName['kind'] };

/** The constraints of one CA, checked for form once. */
export interface Subtrees {
  readonly permitted: readonly Constraint[];
  readonly excluded: readonly Constraint[];
}

function malformed(message: string): VerificationFailure {
  return invalid('MALFORMED_NAME_CONSTRAINT', message);
}

function constraintOf(name: GeneralName): Constraint {
  switch (name.kind) {
    case 'dns': {
      const value = dnsConstraint(name.value);
      if (value === null) throw malformed(`malformed dNSName constraint ${JSON.stringify(name.value)}`);
      return { kind: 'dns', value };
    }
    case 'ip': {
      const value = ipConstraint(name.value);
      if (value === null) throw malformed('malformed iPAddress constraint (it must be an address and a contiguous mask)');
      return { kind: 'ip', value };
    }
    case 'email': {
      const value = emailConstraint(name.value);
      if (value === null) throw malformed(`malformed rfc822Name constraint ${JSON.stringify(name.value)}`);
      return { kind: 'email', value };
    }
    case 'directory':
      return { kind: 'directory', value: name.value };
    default:
      return { kind: 'unsupported', form: name.kind };
  }
}

function subtreesOf(list: readonly GeneralSubtree[] | undefined): Constraint[] {
  return (list ?? []).map((subtree) => {
    // RFC 5280 4.2.1.10: minimum MUST be zero (so, in DER, absent) and maximum MUST be absent.
    if (subtree.bounded) throw malformed('a name constraint subtree has a minimum or maximum');
    return constraintOf(subtree.base);
  });
}

/**
 * The CA's name constraints, or undefined when it has none.
 *
 * @throws VerificationFailure (`invalid-certificate`) for malformed constraints, or an extension
 *   with no subtree at all (CA/B Forum BR 7.1.2.5.2).
 */
export function subtrees(ca: ParsedCertificate): Subtrees | undefined {
  const raw: NameConstraintsValue | undefined = nameConstraints(ca);
  if (raw === undefined) return undefined;
  return ca.memo('name constraints', () => {
    const permitted = subtreesOf(raw.permitted);
    const excluded = subtreesOf(raw.excluded);
    if (permitted.length === 0 && excluded.length === 0) throw malformed('a nameConstraints extension must have permitted or excluded subtrees');
    return { permitted, excluded };
  });
}

/** A name as the constraints compare it, parsed once per certificate (null when malformed). */
type PreparedName =
  | { kind: 'dns'; text: string; pattern: DnsPattern | null }
  | { kind: 'ip'; address: Uint8Array }
  | { kind: 'email'; text: string; mailbox: Mailbox | null }
  | { kind: 'directory'; rdns: readonly Uint8Array[] }
  | { kind: Exclude<GeneralName['kind'], 'dns' | 'ip' | 'email' | 'directory'> };

const prepared = new WeakMap<ParsedCertificate, PreparedName[]>();

function prepare(name: GeneralName): PreparedName {
  switch (name.kind) {
    case 'dns':
      return { kind: 'dns', text: name.value, pattern: dnsPattern(name.value) };
    case 'ip':
      return { kind: 'ip', address: name.value };
    case 'email':
      return { kind: 'email', text: name.value, mailbox: parseMailbox(name.value) };
    case 'directory':
      return { kind: 'directory', rdns: name.value };
    default:
      return { kind: name.kind };
  }
}

/** The names of a certificate that constraints apply to: its SANs, its subject and its subject's emailAddress values. */
function constrainedNames(cert: ParsedCertificate): PreparedName[] {
  let names = prepared.get(cert);
  if (names === undefined) {
    const general: GeneralName[] = [...(subjectAltNames(cert) ?? [])];
    if (cert.subjectRdns.length > 0) general.push({ kind: 'directory', value: cert.subjectRdns });
    general.push(...subjectEmails(cert.subjectName).map((value) => ({ kind: 'email', value }) as const));
    names = general.map(prepare);
    prepared.set(cert, names);
  }
  return names;
}

/** RFC 5280 4.2.1.10: rfc822Name constraints also govern emailAddress attributes of the subject. */
function subjectEmails(subject: Name): string[] {
  const emails: string[] = [];
  for (const rdn of subject) {
    for (const attribute of rdn) {
      if (attribute.type === EMAIL_ADDRESS_ATTRIBUTE) emails.push(attribute.value.ia5String ?? attribute.value.toString());
    }
  }
  return emails;
}

function rdnPrefix(prefix: readonly Uint8Array[], name: readonly Uint8Array[]): boolean {
  return prefix.length <= name.length && prefix.every((rdn, i) => rdn.length === name[i]!.length && rdn.every((byte, j) => byte === name[i]![j]));
}

function unplaceable(what: string): VerificationFailure {
  return new VerificationFailure('name-constraints', 'NAME_CONSTRAINT_VIOLATION', `the ${what} is malformed, so no name constraint can place it`);
}

/**
 * Whether `constraint` covers `name`: true, false, or null when it does not apply (another form).
 * `overlap` asks "could any of the name's meanings be inside" (excluded subtrees), otherwise
 * "are all of them inside" (permitted subtrees); they differ only for wildcards.
 */
function covers(constraint: Constraint, name: PreparedName, overlap: boolean): boolean | null {
  if (constraint.kind === 'unsupported') {
    if (constraint.form !== name.kind) return null;
    throw new VerificationFailure('name-constraints', 'UNSUPPORTED_NAME_CONSTRAINT', `a ${name.kind} name meets a ${name.kind} name constraint, which this validator cannot evaluate`);
  }
  if (constraint.kind === 'dns' && name.kind === 'dns') {
    if (name.pattern === null) throw unplaceable(`dNSName ${JSON.stringify(name.text)}`);
    return overlap ? constraintOverlaps(constraint.value, name.pattern) : constraintContains(constraint.value, name.pattern);
  }
  if (constraint.kind === 'ip' && name.kind === 'ip') {
    if (!isIpAddressName(name.address)) throw unplaceable('iPAddress name');
    return ipConstraintMatches(constraint.value, name.address);
  }
  if (constraint.kind === 'email' && name.kind === 'email') {
    if (name.mailbox === null) throw unplaceable(`rfc822Name ${JSON.stringify(name.text)}`);
    return emailConstraintMatches(constraint.value, name.mailbox);
  }
  if (constraint.kind === 'directory' && name.kind === 'directory') return rdnPrefix(constraint.value, name.rdns);
  return null;
}

function describe(name: PreparedName): string {
  if (name.kind === 'dns' || name.kind === 'email') return `${name.kind} name ${JSON.stringify(name.text)}`;
  return `${name.kind} name`;
}

/**
 * RFC 5280 6.1.3 (b)-(c): every name of every certificate in `below` (the certificates under
 * the constraining CA in the path: the leaf always, intermediates unless self-issued) must be inside a permitted
 * subtree of its form, if there are any, and inside no excluded subtree.
 *
 * @throws VerificationFailure `name-constraints` on a violation, or fatally when the comparisons
 *   exceed the budget.
 */
export function checkNameConstraints(constraints: Subtrees, below: readonly ParsedCertificate[], budget: Budget): void {
  for (const cert of below) {
    for (const name of constrainedNames(cert)) {
      let permittedForm = false;
      let permitted = false;
      for (const constraint of constraints.permitted) {
        budget.spendNameComparison();
        const result = covers(constraint, name, false);
        if (result === null) continue;
        permittedForm = true;
        if (result) {
          permitted = true;
          break;
        }
      }
      if (permittedForm && !permitted) {
        throw new VerificationFailure('name-constraints', 'NAME_CONSTRAINT_VIOLATION', `the ${describe(name)} is outside the permitted subtrees of a CA above it`);
      }
      for (const constraint of constraints.excluded) {
        budget.spendNameComparison();
        if (covers(constraint, name, true) === true) {
          throw new VerificationFailure('name-constraints', 'NAME_CONSTRAINT_VIOLATION', `the ${describe(name)} is inside an excluded subtree of a CA above it`);
        }
      }
    }
  }
}
