/**
 * imaplib's IMAP4 and IMAP4_SSL, async, with results typed by the grammar, on any unitls TLS
 * implementation. The protocol lives in ./protocol (sans-IO); ./session.ts moves the bytes; this
 * file is the verbs.
 *
 * @module
 */
import { checkClientOptions, credentialsAdvice, decodeSasl, encodeSasl, mechanismFor, type Security } from '@unitls/client-kit';
import { IMAP4AuthenticationError, IMAP4Error, IMAP4ReadOnly, IMAP4ReplyError, IMAP4UsageError, imapErrors } from './errors.js';
import { codeValue } from './protocol/codes.js';
import type { Argument } from './protocol/command.js';
import type { FetchResult } from './protocol/fetch.js';
import type { Namespace, StatusItems, UntaggedResponse } from './protocol/responses.js';
import { encodeMailbox } from './protocol/utf7.js';
import { CONTROL, checkFlags, checkSet, checkString, dateTime, kindOf } from './arguments.js';
import { APPEND_OPTIONS, FETCH_EACH_OPTIONS, IMAP4_OPTION_NAMES, type CallOptions, type FetchEachOptions, type IMAP4Options } from './options.js';
import { IMAP4Session, type CommandResult } from './session.js';
import { describeValue } from '@unitls/tls-core';

/** The `security` values IMAP4 takes. */
const SECURITIES: readonly Security[] = ['implicit', 'starttls', 'plaintext'];

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

/** imaplib.IMAP4: plain connection upgraded with STARTTLS (required by default). */
export class IMAP4 extends IMAP4Session {
  #readOnly = false;

  /**
   * @throws IMAP4UsageError for an option of the wrong type or a name IMAP4 does not take
   *   ("IMAP4: unknown option 'timout' (did you mean 'timeout'?)", in `limits` too), see
   *   checkClientOptions; nothing is opened.
   */
  constructor(options: IMAP4Options = {}) {
    const checked = checkClientOptions(imapErrors, new.target.name, options, SECURITIES, IMAP4_OPTION_NAMES);
    super(checked, checked.security ?? 'starttls');
  }

  #checkAuth(): void {
    if (this.capabilities.has('LOGINDISABLED')) throw new IMAP4UsageError('the server advertises LOGINDISABLED: use STARTTLS first; nothing was sent');
    if (!this.secure && (this.security !== 'plaintext' || !(this.options.allowPlaintextAuth ?? false))) {
      throw new IMAP4UsageError('refusing to send credentials over a connection without TLS (set allowPlaintextAuth to allow it)');
    }
  }

  async #afterAuth(result: CommandResult, options: CallOptions): Promise<CommandResult> {
    if (codeValue(result.tagged.code, 'CAPABILITY') === undefined) await this.capability(options);
    return result;
  }

  /**
   * LOGIN (the arguments never appear in diagnostics).
   *
   * @throws IMAP4AuthenticationError (an IMAP4ReplyError) on NO, saying to check the user name and
   *   password; IMAP4ReplyError on BAD.
   */
  login(user: string, password: string, options: CallOptions = {}): Promise<CommandResult> {
    return this.gated('login', options, async (inner) => {
      this.#checkAuth();
      const args = [checkString('the user name', user), checkString('the password', password)];
      const result = await this.execute({ name: 'LOGIN', args }, { ...options, redact: 0 }).catch((error: unknown) => {
        throw authRefused('LOGIN', error);
      });
      return this.#afterAuth(result, inner);
    });
  }

  /**
   * AUTHENTICATE (RFC 9051 §6.2.2) with the shared kit's SASL: PLAIN, LOGIN, CRAM-MD5,
   * SCRAM-SHA-256 (the server must prove it knows the password; iterations capped by
   * `limits.maxScramIterations`), or XOAUTH2 (`secret` is the access token). The initial response
   * goes with the command when SASL-IR is offered.
   *
   * @throws IMAP4UsageError (NUL in a credential, an unknown mechanism), IMAP4AuthenticationError
   *   (an IMAP4ReplyError) on NO, naming the mechanism; IMAP4ReplyError on BAD,
   *   IMAP4ProtocolError when SCRAM's server proof is missing or wrong.
   */
  authenticate(mechanism: 'PLAIN' | 'LOGIN' | 'CRAM-MD5' | 'SCRAM-SHA-256' | 'XOAUTH2', user: string, secret: string, options: CallOptions = {}): Promise<CommandResult> {
    return this.gated('authenticate', options, (inner) => this.#authenticate(mechanism, user, secret, inner));
  }

  async #authenticate(mechanism: string, user: string, secret: string, options: CallOptions): Promise<CommandResult> {
    this.#checkAuth();
    const name = checkString('the mechanism', mechanism).toUpperCase();
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
    const result = await this.execute({ name: 'AUTHENTICATE', args }, { ...options, answer, redact: name.length }).catch((error: unknown) => {
      throw authRefused(name, error);
    });
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
    return this.gated('select', options, () => this.#selectLike('SELECT', mailbox, options));
  }

  examine(mailbox = 'INBOX', options: CallOptions = {}): Promise<MailboxStatus> {
    return this.gated('examine', options, () => this.#selectLike('EXAMINE', mailbox, options));
  }

  create(mailbox: string, options: CallOptions = {}): Promise<CommandResult> {
    return this.gated('create', options, () => this.execute({ name: 'CREATE', args: [this.#mailbox(mailbox)] }, options));
  }

  delete(mailbox: string, options: CallOptions = {}): Promise<CommandResult> {
    return this.gated('delete', options, () => this.execute({ name: 'DELETE', args: [this.#mailbox(mailbox)] }, options));
  }

  rename(from: string, to: string, options: CallOptions = {}): Promise<CommandResult> {
    return this.gated('rename', options, () => this.execute({ name: 'RENAME', args: [this.#mailbox(from), this.#mailbox(to)] }, options));
  }

  subscribe(mailbox: string, options: CallOptions = {}): Promise<CommandResult> {
    return this.gated('subscribe', options, () => this.execute({ name: 'SUBSCRIBE', args: [this.#mailbox(mailbox)] }, options));
  }

  unsubscribe(mailbox: string, options: CallOptions = {}): Promise<CommandResult> {
    return this.gated('unsubscribe', options, () => this.execute({ name: 'UNSUBSCRIBE', args: [this.#mailbox(mailbox)] }, options));
  }

  async #listLike(verb: 'LIST' | 'LSUB', reference: string, pattern: string, options: CallOptions): Promise<ListEntry[]> {
    const { untagged } = await this.execute({ name: verb, args: [this.#mailbox(reference), this.#mailbox(pattern)] }, options);
    return only(untagged, verb).map((r) => ({ flags: r.flags, delimiter: r.delimiter, name: r.mailbox }));
  }

  list(reference = '', pattern = '*', options: CallOptions = {}): Promise<ListEntry[]> {
    return this.gated('list', options, () => this.#listLike('LIST', reference, pattern, options));
  }

  lsub(reference = '', pattern = '*', options: CallOptions = {}): Promise<ListEntry[]> {
    return this.gated('lsub', options, () => this.#listLike('LSUB', reference, pattern, options));
  }

  /** STATUS: numbers as the grammar types them (HIGHESTMODSEQ and SIZE as bigint). */
  status(mailbox: string, items: string[] = ['MESSAGES', 'RECENT', 'UIDNEXT', 'UIDVALIDITY', 'UNSEEN'], options: CallOptions = {}): Promise<StatusItems> {
    return this.gated('status', options, async () => {
      if (!Array.isArray(items)) throw new IMAP4UsageError('STATUS items must be an array of atoms such as ["MESSAGES", "UNSEEN"]');
      const { untagged } = await this.execute({ name: 'STATUS', args: [this.#mailbox(mailbox), items.map(atom)] }, options);
      return only(untagged, 'STATUS').at(-1)?.items ?? {};
    });
  }

  /**
   * APPEND a message (sent as a literal; LITERAL+ when offered), with flags and an internal date
   * (a Date, sent in UTC, or a date-time string such as " 3-Feb-2024 04:05:06 +0100").
   *
   * @throws IMAP4UsageError (a flag or date outside the grammar, a message not text or bytes) before anything is sent.
   */
  append(mailbox: string, message: Uint8Array | string, options: CallOptions & { flags?: string[]; date?: string | Date } = {}): Promise<CommandResult> {
    return this.gated('append', options, async () => {
      this.#assertWritable();
      const args: Argument[] = [this.#mailbox(mailbox)];
      if (options.flags !== undefined) args.push(checkFlags(options.flags).map(atom));
      if (options.date !== undefined) args.push(dateTime(options.date));
      if (typeof message !== 'string' && !(message instanceof Uint8Array)) throw new IMAP4UsageError(`the message must be a string or a Uint8Array, got ${describeValue(message)}; nothing was sent`);
      args.push(typeof message === 'string' ? Buffer.from(message, 'utf8') : message);
      return this.execute({ name: 'APPEND', args }, options);
    }, APPEND_OPTIONS);
  }

  #assertWritable(): void {
    if (this.state === 'SELECTED' && this.#readOnly) throw new IMAP4ReadOnly('the selected mailbox is read-only');
  }

  async #search(uid: boolean, criteria: string[], charset: string | undefined, options: CallOptions): Promise<number[]> {
    if (!Array.isArray(criteria) || !criteria.every((c) => typeof c === 'string')) throw new IMAP4UsageError('SEARCH criteria must be an array of strings such as ["UNSEEN"] or ["SUBJECT", "hello"]; nothing was sent');
    if (charset !== undefined && typeof charset !== 'string') throw new IMAP4UsageError('the SEARCH charset must be a string such as "UTF-8"');
    // Non-ASCII text is sent as UTF-8 (RFC 9051 §6.4.4): labelled so, as the server would read it as US-ASCII without CHARSET.
    const international = criteria.some((c) => /[^\x00-\x7f]/.test(c));
    if (international && charset !== undefined && charset.toUpperCase() !== 'UTF-8') {
      throw new IMAP4UsageError(`SEARCH text that is not ASCII is sent as UTF-8, so it cannot be labelled CHARSET ${charset}; use "UTF-8" (or none); nothing was sent`);
    }
    const label = charset ?? (international && !this.utf8Accept ? 'UTF-8' : undefined);
    const args: Argument[] = label ? [atom('CHARSET'), atom(label)] : [];
    for (const criterion of criteria) args.push(/^[A-Za-z0-9:*,.<>-]+$/.test(criterion) ? atom(criterion) : criterion);
    const { untagged } = await this.execute({ name: uid ? 'UID SEARCH' : 'SEARCH', args }, options);
    return only(untagged, 'SEARCH').flatMap((r) => r.numbers);
  }

  /** SEARCH: criteria as atoms ("UNSEEN", "1:*") or strings (quoted / literal as needed). */
  search(criteria: string[] = ['ALL'], charset?: string, options: CallOptions = {}): Promise<number[]> {
    return this.gated('search', options, () => this.#search(false, criteria, charset, options));
  }

  uidSearch(criteria: string[] = ['ALL'], charset?: string, options: CallOptions = {}): Promise<number[]> {
    return this.gated('uidSearch', options, () => this.#search(true, criteria, charset, options));
  }

  async #fetch(uid: boolean, set: string | readonly string[], items: string, options: CallOptions, each?: { onFetch: (fetch: FetchResult) => unknown; into: Uint8Array | undefined }): Promise<FetchResult[]> {
    const sets = typeof set === 'string' ? [set] : set;
    if (!Array.isArray(sets) || sets.length === 0) throw new IMAP4UsageError('FETCH needs a message set or a non-empty array of sets');
    sets.forEach(checkSet);
    checkString('the FETCH items', items);
    const what = atom(items.startsWith('(') ? items : `(${items})`);
    // Several sets: one FETCH each, pipelined in one write and one operation (RFC 9051 §5.5:
    // FETCH neither changes the state nor expunges, so nothing depends on an earlier answer).
    const results = await this.executeAll(
      sets.map((s) => ({ name: uid ? 'UID FETCH' : 'FETCH', args: [atom(s), what] })),
      { ...options, ...each },
    );
    return results.flatMap((result) => only(result.untagged, 'FETCH').map((r) => r.fetch));
  }

  #fetchEach(uid: boolean, set: string | readonly string[], items: string, onFetch: (fetch: FetchResult) => unknown, options: FetchEachOptions): Promise<void> {
    if (typeof onFetch !== 'function') throw new IMAP4UsageError(`fetchEach needs a function to hand each message to, got ${describeValue(onFetch)}; nothing was sent`);
    const { into } = options;
    if (into !== undefined && !(into instanceof Uint8Array)) throw new IMAP4UsageError(`the option into must be a Uint8Array (memory reused for every message, such as new Uint8Array(1 << 20)), got ${kindOf(into)}; nothing was sent`);
    return this.#fetch(uid, set, items, options, { onFetch, into }).then(() => undefined);
  }

  /**
   * FETCH with items such as "FLAGS UID RFC822.SIZE BODY.PEEK[]" or "ENVELOPE BODYSTRUCTURE".
   * Given several sets (`['1', '5', '9:12']`), sends one FETCH per set pipelined (no round trip
   * each) and returns all the results in the order they arrived.
   */
  fetch(set: string | readonly string[], items: string, options: CallOptions = {}): Promise<FetchResult[]> {
    return this.gated('fetch', options, () => this.#fetch(false, set, items, options));
  }

  /** UID FETCH; several sets are pipelined as with {@link fetch}. */
  uidFetch(set: string | readonly string[], items: string, options: CallOptions = {}): Promise<FetchResult[]> {
    return this.gated('uidFetch', options, () => this.#fetch(true, set, items, options));
  }

  /**
   * FETCH, each message handed to `onFetch` as its response arrives instead of collected: for
   * large bodies, one after another. With `into`, the bodies (every literal of a FETCH response:
   * `body[...]`, and any bytes in `other`) are received into that memory, reused for every
   * message, instead of a fresh buffer each: no allocation, no first-touch page faults and no
   * garbage collection per body, which are most of the client's own cost on a 20 MiB body. The
   * bytes a result holds are then valid only until `onFetch` returns (the next message is
   * received into the same memory): copy what you keep. Literals of one message lie side by side
   * in `into`; one that does not fit what is left gets fresh memory (still correct, just not
   * reused), so size `into` for the largest body you expect (e.g. RFC822.SIZE).
   *
   * `onFetch` runs for every FETCH response of the operation (solicited or not) before the next
   * response is read; when it returns a promise (writing the body to a file, say), the next
   * response is read only once that settles, so the bytes stay valid until then. The call's
   * timeout covers that time too. The promise resolves once every command completed. Several
   * sets are pipelined as with {@link fetch}.
   *
   * @example
   * ```ts
   * const memory = new Uint8Array(32 * 1024 * 1024);
   * await imap.fetchEach('1:*', 'UID BODY.PEEK[]', (m) => store(m.uid, m.body['BODY[]']), { into: memory });
   * ```
   *
   * @throws IMAP4UsageError (onFetch not a function, into not a Uint8Array, a bad set) before
   *   anything is sent; IMAP4ReplyError on NO/BAD; what `onFetch` throws (or its promise
   *   rejects with), after which the connection is closed (the rest of the answer is not read); the
   *   signal's reason when `onFetch` aborts it, IMAP4Abort when it closes the client (no message
   *   is handed over after either, even one already received); as {@link fetch} otherwise.
   */
  fetchEach(set: string | readonly string[], items: string, onFetch: (fetch: FetchResult) => unknown, options: FetchEachOptions = {}): Promise<void> {
    return this.gated('fetchEach', options, () => this.#fetchEach(false, set, items, onFetch, options), FETCH_EACH_OPTIONS);
  }

  /** UID FETCH, each message handed over as it arrives, as with {@link fetchEach}. */
  uidFetchEach(set: string | readonly string[], items: string, onFetch: (fetch: FetchResult) => unknown, options: FetchEachOptions = {}): Promise<void> {
    return this.gated('uidFetchEach', options, () => this.#fetchEach(true, set, items, onFetch, options), FETCH_EACH_OPTIONS);
  }

  async #store(uid: boolean, set: string, action: string, flags: string[], options: CallOptions): Promise<FetchResult[]> {
    checkSet(set);
    this.#assertWritable();
    if (typeof action !== 'string' || !/^[+-]?FLAGS(\.SILENT)?$/i.test(action)) throw new IMAP4UsageError(`STORE action must be [+-]FLAGS[.SILENT], got ${describeValue(action)}; nothing was sent`);
    const { untagged } = await this.execute({ name: uid ? 'UID STORE' : 'STORE', args: [atom(set), atom(action), checkFlags(flags).map(atom)] }, options);
    return only(untagged, 'FETCH').map((r) => r.fetch);
  }

  store(set: string, action: string, flags: string[], options: CallOptions = {}): Promise<FetchResult[]> {
    return this.gated('store', options, () => this.#store(false, set, action, flags, options));
  }

  uidStore(set: string, action: string, flags: string[], options: CallOptions = {}): Promise<FetchResult[]> {
    return this.gated('uidStore', options, () => this.#store(true, set, action, flags, options));
  }

  copy(set: string, mailbox: string, uid = false, options: CallOptions = {}): Promise<CommandResult> {
    return this.gated('copy', options, async () => {
      checkSet(set);
      return this.execute({ name: uid ? 'UID COPY' : 'COPY', args: [atom(set), this.#mailbox(mailbox)] }, options);
    });
  }

  /** MOVE when offered, else COPY + STORE \Deleted + EXPUNGE (UID EXPUNGE with UIDPLUS). */
  move(set: string, mailbox: string, uid = false, options: CallOptions = {}): Promise<void> {
    return this.gated('move', options, (inner) => this.#move(set, mailbox, uid, inner));
  }

  async #move(set: string, mailbox: string, uid: boolean, options: CallOptions): Promise<void> {
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

  expunge(options: CallOptions = {}): Promise<number[]> {
    return this.gated('expunge', options, async () => {
      this.#assertWritable();
      const { untagged } = await this.execute({ name: 'EXPUNGE' }, options);
      return only(untagged, 'EXPUNGE').map((r) => r.number);
    });
  }

  /** CLOSE the selected mailbox (expunging deleted messages). */
  closeMailbox(options: CallOptions = {}): Promise<void> {
    return this.gated('closeMailbox', options, async () => {
      await this.execute({ name: 'CLOSE' }, options);
    });
  }

  namespace(options: CallOptions = {}): Promise<{ personal: Namespace[] | null; other: Namespace[] | null; shared: Namespace[] | null }> {
    return this.gated('namespace', options, async () => {
      const { untagged } = await this.execute({ name: 'NAMESPACE' }, options);
      const found = only(untagged, 'NAMESPACE')[0];
      return { personal: found?.personal ?? null, other: found?.other ?? null, shared: found?.shared ?? null };
    });
  }

  /** ID (RFC 2971): sends ours, returns the server's. */
  id(fields: Record<string, string> | null = null, options: CallOptions = {}): Promise<Record<string, string | null> | null> {
    return this.gated('id', options, async () => {
      const { untagged } = await this.execute({ name: 'ID', args: [fields === null ? null : Object.entries(fields).flat()] }, options);
      return only(untagged, 'ID')[0]?.fields ?? null;
    });
  }

  enable(extensions: string | string[], options: CallOptions = {}): Promise<string[]> {
    return this.gated('enable', options, async () => {
      const names = typeof extensions === 'string' ? [extensions] : extensions;
      const { untagged } = await this.execute({ name: 'ENABLE', args: names.map(atom) }, options);
      return only(untagged, 'ENABLED').flatMap((r) => r.capabilities);
    });
  }

  /**
   * A mailbox name as an argument. @throws IMAP4UsageError for a non-string or a control
   * character (a CR/LF would be sent in a literal, making a new mailbox name out of an injection attempt)
   */
  #mailbox(name: string): Argument {
    checkString('a mailbox name', name);
    if (CONTROL.test(name)) throw new IMAP4UsageError(`the mailbox name ${JSON.stringify(name)} contains a control character; refused, nothing was sent`);
    return this.utf8Accept ? name : encodeMailbox(name);
  }
}

/** imaplib.IMAP4_SSL: implicit TLS (port 993). */
export class IMAP4_SSL extends IMAP4 {
  constructor(options: Omit<IMAP4Options, 'security'> = {}) {
    super({ ...checkClientOptions(imapErrors, 'IMAP4_SSL', options, SECURITIES, IMAP4_OPTION_NAMES), security: 'implicit' });
  }
}

/**
 * A NO to LOGIN or AUTHENTICATE as an IMAP4AuthenticationError saying what to do (`mechanism`:
 * LOGIN or the SASL name); anything else (BAD, a closed connection) as it is.
 */
function authRefused(mechanism: string, error: unknown): unknown {
  if (!(error instanceof IMAP4ReplyError) || error.status !== 'NO') return error;
  // RFC 5530: [UNAVAILABLE] is the server's trouble, not the credentials'.
  const advice = /^\S+ failed: NO \[UNAVAILABLE\]/.test(error.message) ? 'a temporary failure on the server: try again later' : credentialsAdvice(mechanism);
  return new IMAP4AuthenticationError(`${error.message}; ${advice}`, error.status, error.responseText, { cause: error });
}
