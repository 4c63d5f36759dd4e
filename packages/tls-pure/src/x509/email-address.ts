/**
 * rfc822Name names and constraints (RFC 5280 4.2.1.6, 4.2.1.10, 7.5). A mailbox is a dot-atom
 * local part (RFC 5322 3.2.3; the quoted form is refused) "@" a DNS name; local parts compare
 * exactly, domains case-insensitively. A constraint is a mailbox (that mailbox only), a host (every
 * mailbox at that host) or ".domain" (every mailbox at hosts under it). Characters such as `*` are
 * literal: there are no wildcards.
 *
 * @module
 */
import { isDnsName } from './dns-name.js';

const ATEXT = /^[A-Za-z0-9!#$%&'*+\-/=?^_`{|}~]+$/;

export type Mailbox = { readonly local: string; readonly domain: string };

/** A mailbox, or null when malformed. */
export function parseMailbox(text: string): Mailbox | null {
  const at = text.lastIndexOf('@');
  if (at <= 0) return null;
  const local = text.slice(0, at);
  const domain = text.slice(at + 1);
  if (!local.split('.').every((atom) => ATEXT.test(atom))) return null;
  return isDnsName(domain) ? { local, domain: domain.toLowerCase() } : null;
}

export type EmailConstraint =
  | { readonly kind: 'mailbox'; readonly mailbox: Mailbox }
  | { readonly kind: 'host'; readonly domain: string }
  | { readonly kind: 'under'; readonly domain: string };

/** An rfc822Name constraint, or null when malformed. */
export function emailConstraint(text: string): EmailConstraint | null {
  if (text.startsWith('.')) return isDnsName(text.slice(1)) ? { kind: 'under', domain: text.slice(1).toLowerCase() } : null;
  if (text.includes('@')) {
    const mailbox = parseMailbox(text);
    return mailbox === null ? null : { kind: 'mailbox', mailbox };
  }
  return isDnsName(text) ? { kind: 'host', domain: text.toLowerCase() } : null;
}

/** Whether `mailbox` is inside the constraint. */
export function emailConstraintMatches(constraint: EmailConstraint, mailbox: Mailbox): boolean {
  switch (constraint.kind) {
    case 'mailbox':
      return constraint.mailbox.local === mailbox.local && constraint.mailbox.domain === mailbox.domain;
    case 'host':
      return constraint.domain === mailbox.domain;
    case 'under':
      return mailbox.domain.endsWith(`.${constraint.domain}`);
  }
}
