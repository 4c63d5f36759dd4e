/**
 * imaplib's IMAP4 and IMAP4_SSL, async, with results typed by the grammar, on any unitls TLS
 * implementation. The protocol lives in ./protocol (sans-IO); ./session.ts moves the bytes; this
 * file is the verbs.
 *
 * @module
 */
import { decodeSasl, encodeSasl, mechanismFor } from '@unitls/client-kit';
import { IMAP4Error, IMAP4ReadOnly, IMAP4UsageError, imapErrors } from './errors.js';
import { codeValue } from './protocol/codes.js';
import type { Argument } from './protocol/command.js';
import type { FetchResult } from './protocol/fetch.js';
import type { Namespace, StatusItems, UntaggedResponse } from './protocol/responses.js';
import { encodeMailbox } from './protocol/utf7.js';
import type { CallOptions, IMAP4Options } from './options.js';
import { IMAP4Session, type CommandResult } from './session.js';

export interface MailboxStatus {
  exists: number;
  recent: number;
  uidValidity: number | null;
  uidNext: number | null;
  /** The first unseen message ([UNSEEN] code), when the server sent it. */
  unseen: number | null;
  /** CONDSTORE (RFC 7162), 64-bit. */
  highestModSeq: bigint | null;
  flags: string[];
  permanentFlags: string[];
  readOnly: boolean;
}

export interface ListEntry {
  flags: string[];
  delimiter: string | null;
  /** The name, decoded (modified UTF-7, or UTF-8 after ENABLE UTF8=ACCEPT); never a number. */
  name: string;
}

const atom = (value: string): Argument => ({ atom: value });
/** The member(s) of UntaggedResponse whose `type` may be T. */
type Of<T> = UntaggedResponse extends infer R ? (R extends { type: infer K } ? (T extends K ? R : never) : never) : never;
const only = <T extends UntaggedResponse['type']>(untagged: UntaggedResponse[], type: T) => untagged.filter((r): r is Of<T> => r.type === type);

function checkSet(set: string): void {
  if (!/^[0-9:*,]+$/.test(set)) throw new IMAP4UsageError(`not a message set: ${JSON.stringify(set)}`);
}

/** imaplib.IMAP4: plain connection upgraded with STARTTLS (required by default). */
export class IMAP4 extends IMAP4Session {
  #readOnly = false;

  constructor(options: IMAP4Options = {}) {
    super(options, options.security ?? 'starttls');
  }

  #checkAuth(): void {
    if (this.capabilities.has('LOGINDISABLED')) throw new IMAP4Error('the server advertises LOGINDISABLED: use STARTTLS first');
    if (!this.secure && (this.security !== 'plaintext' || !(this.options.allowPlaintextAuth ?? false))) {
      throw new IMAP4Error('refusing to send credentials over a connection without TLS (set allowPlaintextAuth to allow it)');
    }
  }

  async #afterAuth(result: CommandResult, options: CallOptions): Promise<CommandResult> {
    if (codeValue(result.tagged.code, 'CAPABILITY') === undefined) await this.capability(options);
    return result;
  }

  /** LOGIN (the arguments never appear in diagnostics). @throws IMAP4ReplyError on NO. */
  async login(user: string, password: string, options: CallOptions = {}): Promise<CommandResult> {
    this.#checkAuth();
    return this.#afterAuth(await this.execute({ name: 'LOGIN', args: [user, password] }, { ...options, redact: 0 }), options);
  }

  /**
   * AUTHENTICATE (RFC 9051 §6.2.2) with the shared kit's SASL: PLAIN, LOGIN, CRAM-MD5,
   * SCRAM-SHA-256 (the server must prove it knows the password; iterations capped by
   * `limits.maxScramIterations`), or XOAUTH2 (`secret` is the access token). The initial response
   * goes with the command when SASL-IR is offered.
   *
   * @throws IMAP4UsageError (NUL in a credential, an unknown mechanism), IMAP4ReplyError on NO,
   *   IMAP4ProtocolError when SCRAM's server proof is missing or wrong.
   */
  async authenticate(mechanism: 'PLAIN' | 'LOGIN' | 'CRAM-MD5' | 'SCRAM-SHA-256' | 'XOAUTH2', user: string, secret: string, options: CallOptions = {}): Promise<CommandResult> {
    this.#checkAuth();
    const name = mechanism.toUpperCase();
    if (!this.capabilities.has(`AUTH=${name}`)) throw new IMAP4Error(`the server does not offer AUTH=${name}`);
    const credentials = name === 'XOAUTH2' ? { user, accessToken: secret } : { user, password: secret };
    const maxScramIterations = this.options.limits?.maxScramIterations;
    const sasl = mechanismFor(name, credentials, { errors: imapErrors, ...(maxScramIterations === undefined ? {} : { maxScramIterations }) });
    if (sasl === null) throw new IMAP4UsageError(`no SASL mechanism ${name}`);
    const initial = sasl.initialResponse();
    const withCommand = initial !== null && this.capabilities.has('SASL-IR');
    const args = withCommand ? [atom(name), atom(encodeSasl(initial, '='))] : [atom(name)];
    // Without SASL-IR the server starts with an empty challenge, answered by the initial response.
    let first = withCommand ? null : initial;
    const answer = (challenge: string) => {
      const response = first ?? sasl.respond(decodeSasl(challenge, imapErrors));
      first = null;
      return encodeSasl(response);
    };
    const result = await this.execute({ name: 'AUTHENTICATE', args }, { ...options, answer, redact: name.length });
    try {
      sasl.complete();
    } catch (error) {
      // Logged in to a server that could not prove itself (SCRAM): nothing more goes to it.
      await this.close(true);
      throw error;
    }
    return this.#afterAuth(result, options);
  }

  async #selectLike(verb: 'SELECT' | 'EXAMINE', mailbox: string, options: CallOptions): Promise<MailboxStatus> {
    const { tagged, untagged } = await this.execute({ name: verb, args: [this.#mailbox(mailbox)] }, options);
    const status: MailboxStatus = { exists: 0, recent: 0, uidValidity: null, uidNext: null, unseen: null, highestModSeq: null, flags: [], permanentFlags: [], readOnly: verb === 'EXAMINE' };
    for (const response of untagged) {
      if (response.type === 'EXISTS') status.exists = response.number;
      else if (response.type === 'RECENT') status.recent = response.number;
      else if (response.type === 'FLAGS') status.flags = response.flags;
      else if (response.type === 'OK') {
        status.uidValidity = codeValue(response.code, 'UIDVALIDITY') ?? status.uidValidity;
        status.uidNext = codeValue(response.code, 'UIDNEXT') ?? status.uidNext;
        status.unseen = codeValue(response.code, 'UNSEEN') ?? status.unseen;
        status.highestModSeq = codeValue(response.code, 'HIGHESTMODSEQ') ?? status.highestModSeq;
        status.permanentFlags = [...(codeValue(response.code, 'PERMANENTFLAGS') ?? status.permanentFlags)];
      }
    }
    if (tagged.code?.name === 'READ-ONLY') status.readOnly = true;
    this.#readOnly = status.readOnly;
    return status;
  }

  select(mailbox = 'INBOX', options: CallOptions = {}): Promise<MailboxStatus> {
    return this.#selectLike('SELECT', mailbox, options);
  }

  examine(mailbox = 'INBOX', options: CallOptions = {}): Promise<MailboxStatus> {
    return this.#selectLike('EXAMINE', mailbox, options);
  }

  create(mailbox: string, options: CallOptions = {}): Promise<CommandResult> {
    return this.execute({ name: 'CREATE', args: [this.#mailbox(mailbox)] }, options);
  }

  delete(mailbox: string, options: CallOptions = {}): Promise<CommandResult> {
    return this.execute({ name: 'DELETE', args: [this.#mailbox(mailbox)] }, options);
  }

  rename(from: string, to: string, options: CallOptions = {}): Promise<CommandResult> {
    return this.execute({ name: 'RENAME', args: [this.#mailbox(from), this.#mailbox(to)] }, options);
  }

  subscribe(mailbox: string, options: CallOptions = {}): Promise<CommandResult> {
    return this.execute({ name: 'SUBSCRIBE', args: [this.#mailbox(mailbox)] }, options);
  }

  unsubscribe(mailbox: string, options: CallOptions = {}): Promise<CommandResult> {
    return this.execute({ name: 'UNSUBSCRIBE', args: [this.#mailbox(mailbox)] }, options);
  }

  async #listLike(verb: 'LIST' | 'LSUB', reference: string, pattern: string, options: CallOptions): Promise<ListEntry[]> {
    const { untagged } = await this.execute({ name: verb, args: [this.#mailbox(reference), this.#mailbox(pattern)] }, options);
    return only(untagged, verb).map((r) => ({ flags: r.flags, delimiter: r.delimiter, name: r.mailbox }));
  }

  list(reference = '', pattern = '*', options: CallOptions = {}): Promise<ListEntry[]> {
    return this.#listLike('LIST', reference, pattern, options);
  }

  lsub(reference = '', pattern = '*', options: CallOptions = {}): Promise<ListEntry[]> {
    return this.#listLike('LSUB', reference, pattern, options);
  }

  /** STATUS: numbers as the grammar types them (HIGHESTMODSEQ and SIZE as bigint). */
  async status(mailbox: string, items: string[] = ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN'], options: CallOptions = {}): Promise<StatusItems> {
    const { untagged } = await this.execute({ name: 'STATUS', args: [this.#mailbox(mailbox), items.map(atom)] }, options);
    return only(untagged, 'STATUS').at(-1)?.items ?? {};
  }

  /** APPEND a message (sent as a literal; LITERAL+ when offered). */
  append(mailbox: string, message: Uint8Array | string, options: CallOptions & { flags?: string[]; date?: string } = {}): Promise<CommandResult> {
    this.#assertWritable();
    const args: Argument[] = [this.#mailbox(mailbox)];
    if (options.flags) args.push(options.flags.map(atom));
    if (options.date) args.push(options.date);
    args.push(typeof message === 'string' ? Buffer.from(message, 'utf8') : message);
    return this.execute({ name: 'APPEND', args }, options);
  }

  #assertWritable(): void {
    if (this.state === 'SELECTED' && this.#readOnly) throw new IMAP4ReadOnly('the selected mailbox is read-only');
  }

  async #search(uid: boolean, criteria: string[], charset: string | undefined, options: CallOptions): Promise<number[]> {
    const args: Argument[] = charset ? [atom('CHARSET'), atom(charset)] : [];
    for (const criterion of criteria) args.push(/^[A-Za-z0-9:*,.<>-]+$/.test(criterion) ? atom(criterion) : criterion);
    const { untagged } = await this.execute({ name: uid ? 'UID SEARCH' : 'SEARCH', args }, options);
    return only(untagged, 'SEARCH').flatMap((r) => r.numbers);
  }

  /** SEARCH: criteria as atoms ("UNSEEN", "1:*") or strings (quoted / literal as needed). */
  search(criteria: string[] = ['ALL'], charset?: string, options: CallOptions = {}): Promise<number[]> {
    return this.#search(false, criteria, charset, options);
  }

  uidSearch(criteria: string[] = ['ALL'], charset?: string, options: CallOptions = {}): Promise<number[]> {
    return this.#search(true, criteria, charset, options);
  }

  async #fetch(uid: boolean, set: string | readonly string[], items: string, options: CallOptions): Promise<FetchResult[]> {
    const sets = typeof set === 'string' ? [set] : set;
    sets.forEach(checkSet);
    const what = atom(items.startsWith('(') ? items : `(${items})`);
    // Several sets: one FETCH each, pipelined in one write and one operation (RFC 9051 §5.5:
    // FETCH neither changes the state nor expunges, so nothing depends on an earlier answer).
    const results = await this.executeAll(
      sets.map((s) => ({ name: uid ? 'UID FETCH' : 'FETCH', args: [atom(s), what] })),
      options,
    );
    return results.flatMap((result) => only(result.untagged, 'FETCH').map((r) => r.fetch));
  }

  /**
   * FETCH with items such as "FLAGS UID RFC822.SIZE BODY.PEEK[]" or "ENVELOPE BODYSTRUCTURE".
   * Given several sets (`['1', '5', '9:12']`), sends one FETCH per set pipelined (no round trip
   * each) and returns all the results in the order they arrived.
   */
  fetch(set: string | readonly string[], items: string, options: CallOptions = {}): Promise<FetchResult[]> {
    return this.#fetch(false, set, items, options);
  }

  /** UID FETCH; several sets are pipelined as with {@link fetch}. */
  uidFetch(set: string | readonly string[], items: string, options: CallOptions = {}): Promise<FetchResult[]> {
    return this.#fetch(true, set, items, options);
  }

  async #store(uid: boolean, set: string, action: string, flags: string[], options: CallOptions): Promise<FetchResult[]> {
    checkSet(set);
    this.#assertWritable();
    if (!/^[+-]?FLAGS(\.SILENT)?$/i.test(action)) throw new IMAP4UsageError(`STORE action must be [+-]FLAGS[.SILENT], got ${action}`);
    const { untagged } = await this.execute({ name: uid ? 'UID STORE' : 'STORE', args: [atom(set), atom(action), flags.map(atom)] }, options);
    return only(untagged, 'FETCH').map((r) => r.fetch);
  }

  store(set: string, action: string, flags: string[], options: CallOptions = {}): Promise<FetchResult[]> {
    return this.#store(false, set, action, flags, options);
  }

  uidStore(set: string, action: string, flags: string[], options: CallOptions = {}): Promise<FetchResult[]> {
    return this.#store(true, set, action, flags, options);
  }

  copy(set: string, mailbox: string, uid = false, options: CallOptions = {}): Promise<CommandResult> {
    checkSet(set);
    return this.execute({ name: uid ? 'UID COPY' : 'COPY', args: [atom(set), this.#mailbox(mailbox)] }, options);
  }

  /** MOVE when offered, else COPY + STORE \Deleted + EXPUNGE (UID EXPUNGE with UIDPLUS). */
  async move(set: string, mailbox: string, uid = false, options: CallOptions = {}): Promise<void> {
    checkSet(set);
    this.#assertWritable();
    if (this.capabilities.has('MOVE')) {
      await this.execute({ name: uid ? 'UID MOVE' : 'MOVE', args: [atom(set), this.#mailbox(mailbox)] }, options);
      return;
    }
    await this.copy(set, mailbox, uid, options);
    await this.#store(uid, set, '+FLAGS.SILENT', ['\\Deleted'], options);
    if (uid && this.capabilities.has('UIDPLUS')) await this.execute({ name: 'UID EXPUNGE', args: [atom(set)] }, options);
    else await this.expunge(options);
  }

  async expunge(options: CallOptions = {}): Promise<number[]> {
    this.#assertWritable();
    const { untagged } = await this.execute({ name: 'EXPUNGE' }, options);
    return only(untagged, 'EXPUNGE').map((r) => r.number);
  }

  /** CLOSE the selected mailbox (expunging deleted messages). */
  async closeMailbox(options: CallOptions = {}): Promise<void> {
    await this.execute({ name: 'CLOSE' }, options);
  }

  async namespace(options: CallOptions = {}): Promise<{ personal: Namespace[] | null; other: Namespace[] | null; shared: Namespace[] | null }> {
    const { untagged } = await this.execute({ name: 'NAMESPACE' }, options);
    const found = only(untagged, 'NAMESPACE')[0];
    return { personal: found?.personal ?? null, other: found?.other ?? null, shared: found?.shared ?? null };
  }

  /** ID (RFC 2971): sends ours, returns the server's. */
  async id(fields: Record<string, string> | null = null, options: CallOptions = {}): Promise<Record<string, string | null> | null> {
    const { untagged } = await this.execute({ name: 'ID', args: [fields === null ? null : Object.entries(fields).flat()] }, options);
    return only(untagged, 'ID')[0]?.fields ?? null;
  }

  async enable(extensions: string | string[], options: CallOptions = {}): Promise<string[]> {
    const names = typeof extensions === 'string' ? [extensions] : extensions;
    const { untagged } = await this.execute({ name: 'ENABLE', args: names.map(atom) }, options);
    return only(untagged, 'ENABLED').flatMap((r) => r.capabilities);
  }

  #mailbox(name: string): Argument {
    return this.utf8Accept ? name : encodeMailbox(name);
  }
}

/** imaplib.IMAP4_SSL: implicit TLS (port 993). */
export class IMAP4_SSL extends IMAP4 {
  constructor(options: Omit<IMAP4Options, 'security'> = {}) {
    super({ ...options, security: 'implicit' });
  }
}
