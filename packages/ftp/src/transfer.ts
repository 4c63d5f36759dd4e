/**
 * A transfer as a sequence of small named steps: the passive address (EPSV, then PASV), opening
 * the data connection and asking for the transfer, moving the bytes under the rate clock, the
 * final reply and the completeness rule, and — when anything goes wrong once the server owes
 * replies — abandoning it with ABOR + NOOP so the control connection stays in step.
 *
 * @module
 */
import { SEND_PIECE } from '@unitls/client-kit';
import { RaggedEOF, type TLSSocket } from '@unitls/tls-core';
import { ActiveListener, DataConnection, type DataSetup } from './data.js';
import { FTPConnectionError, FTPError, FTPPermError, FTPReplyError, FTPTempError, FTPTimeoutError, checkReply, expectSuccess, replyMessage } from './errors.js';
import type { FTPCommand } from './protocol/connection.js';
import { expectedSizes, incomplete, needsSize, type DataEnd } from './protocol/completion.js';
import { parse150, parsePassive, portCommand } from './protocol/parse.js';
import type { Reply } from './protocol/replies.js';
import { FTPState } from './protocol/states.js';
import { TransferClock } from './rate.js';
import type { Session } from './session.js';

/** What the transfer steps need from the client. */
export interface TransferHost {
  readonly session: Session;
  /** How data connections are made now (PROT P or not). */
  setup(): DataSetup;
  readonly passive: boolean;
  readonly trustPasvHost: boolean;
  readonly minTransferRate: number;
  /** The implementation reports a missing close_notify (features.raggedEOF). */
  readonly seesCloseNotify: boolean;
  /** Set once EPSV was refused: PASV directly from then on. */
  epsvRefused: boolean;
  /** A PROT P data connection is over (FTP_TLS keeps its fresher session). */
  dataDone(socket: TLSSocket): void;
  /** SIZE of a path in bytes, or null when the server cannot say. */
  size(path: string): Promise<number | null>;
}

/** An open data connection, the server's 1xx, and whether TLS resumed the control session. */
export interface OpenTransfer {
  readonly data: DataConnection;
  /** The size the 1xx announced ("(n bytes)"), or null. */
  readonly announced: number | null;
  /** Null for a data connection in the clear. */
  readonly resumed: boolean | null;
}

/** Step 1: where to connect for a passive transfer. */
export async function passiveAddress(host: TransferHost, signal: AbortSignal | undefined): Promise<{ host: string; port: number }> {
  const peer = host.session.io.remoteAddress();
  if (peer === null) throw new FTPConnectionError('not connected: run connect() first');
  let offered: { host: string | null; port: number } | null = null;
  if (!host.epsvRefused) {
    const reply = await host.session.exchange({ verb: 'EPSV' }, signal);
    if (reply.code >= 500) host.epsvRefused = true; // remembered: old servers answer 500/502
    else offered = parsePassive(checkReply(reply));
  }
  offered ??= parsePassive(checkReply(await host.session.exchange({ verb: 'PASV' }, signal)));
  // The host a PASV reply names is ignored unless trusted (CVE-2021-4189): the control peer is meant.
  return { host: host.trustPasvHost && offered.host !== null ? offered.host : peer.host, port: offered.port };
}

/**
 * Step 2 (ftplib's ntransfercmd): opens the data connection and asks for the transfer. `signal`
 * (the call's) ends every wait; `stop` (abort()) ends only the data connection.
 */
export async function openTransfer(host: TransferHost, command: FTPCommand, rest: number | undefined, signal: AbortSignal | undefined, stop: AbortSignal | undefined): Promise<OpenTransfer> {
  const { session } = host;
  const setup = host.setup();
  const local = session.io.localAddress();
  const peer = session.io.remoteAddress();
  if (local === null || peer === null) throw new FTPConnectionError('not connected: run connect() first');
  let listener: ActiveListener | null = null;
  let data: DataConnection | null = null;
  try {
    let opening: Promise<void>;
    if (host.passive) {
      const address = await passiveAddress(host, signal);
      data = new DataConnection(setup, [setup.signal, signal, stop], setup.transport);
      await data.open(address.host, address.port);
      // The handshake starts at once: some servers (ftp-srv) send the 1xx only after it, others
      // (vsftpd) only before it; running it beside the wait for the 1xx suits both.
      opening = data.secure();
    } else {
      listener = await ActiveListener.listen(local.host, peer.host);
      data = new DataConnection(setup, [setup.signal, signal, stop], listener.transport);
      const [verb, argument] = portCommand(local.host, listener.port).split(' ') as [string, string];
      expectSuccess(await session.exchange({ verb, argument }, signal));
      opening = Promise.resolve();
    }
    opening.catch(() => {});
    if (rest !== undefined) {
      const reply = checkReply(await session.exchange({ verb: 'REST', argument: String(rest) }, signal));
      if (reply.code < 300 || reply.code > 399) throw new FTPReplyError(reply.text, reply);
    }
    await session.send(command, signal);
    if (listener !== null) {
      const active = data;
      const waitedFor = `${local.host}:${listener.port}`;
      opening = active
        .open(peer.host, 0)
        .catch((error: unknown) => {
          throw activeWaitError(error, waitedFor, command.verb);
        })
        .then(() => active.secure());
      opening.catch(() => {});
    }
    let event = await session.reply(signal);
    // ftplib's tolerance: a 2xx before the 1xx (not final: the 1xx still follows).
    while (!event.final && event.reply.code >= 200) event = await session.reply(signal);
    if (event.final) {
      checkReply(event.reply, command);
      throw new FTPReplyError(replyMessage(event.reply, command), event.reply);
    }
    await opening;
    const tls = data.tlsSocket;
    return { data, announced: parse150(event.reply), resumed: tls === null ? null : (tls.sessionReused ?? false) };
  } catch (error) {
    data?.abort(error);
    await data?.close(true);
    throw withLastWords(error, await abandon(host));
  } finally {
    listener?.close();
  }
}

/**
 * In active mode the data connection is the server's to open: the kit's timeout there named the
 * control peer and port 0 ("connecting to 127.0.0.1:0") and no command (break14). Said as the wait
 * it is: for the server to connect to the address PORT/EPRT gave it, for `verb`.
 */
function activeWaitError(error: unknown, address: string, verb: string): unknown {
  if (!(error instanceof FTPTimeoutError) || error.phase !== 'connect') return error;
  return new FTPTimeoutError(
    `FTP data connection timed out waiting for the server to connect to ${address} (active mode: the ${verb.toUpperCase()} data comes over a connection the server opens to the address PORT/EPRT gave it): no connection within ${error.timeout} ms; a firewall or NAT in between may block it, passive mode (the default) does not need it`,
    { timeout: error.timeout, phase: 'connect', command: verb.toUpperCase(), cause: error.cause },
  );
}

/**
 * After the data connection was dropped while the server still owes replies: ABOR (and NOOP, which
 * the core adds), and every reply up to NOOP's 200 is discarded (the transfer's 426/226 and ABOR's
 * 225/226 come in server-specific numbers and orders). Closes the connection when the server does
 * not resynchronise, and resolves with why (the error that ended it, quoting what the server said
 * on the way out: vsftpd's "500 OOPS: ..." after a failed read, a 421); the next call's "not
 * connected" says the same. Resolves with null when it resynchronised or nothing was owed.
 *
 * `drop`, when given, closes the data connection after ABOR went out and before the replies are
 * read: an upload's server takes the end of the data connection as the end of the file (RFC 959
 * §3.4), so it must hear ABOR first to have a chance to discard the partial file.
 */
export async function abandon(host: TransferHost, drop?: () => Promise<void>): Promise<Error | null> {
  const { session } = host;
  const core = session.lastCore;
  if (!session.io.connected || core === null || (core.state !== FTPState.TRANSFER && core.state !== FTPState.TRANSFER_REQUESTED)) {
    await drop?.();
    return null;
  }
  try {
    await session.send({ verb: 'ABOR' }, undefined);
  } catch (error) {
    await drop?.();
    await session.io.close(true, error);
    return error instanceof Error ? error : null;
  }
  await drop?.();
  try {
    for (;;) if ((await session.event(undefined)).type === 'resynced') return null;
  } catch (error) {
    await session.io.close(true, error);
    return error instanceof Error ? error : null;
  }
}

/**
 * The transfer's error, or — when the server's own words ended the control connection while it
 * was being abandoned (`lost` carries a reply: vsftpd's "500 OOPS: vsf_sysutil_recv_peek: no
 * data", a 421) — an FTPConnectionError that says both: the transfer's failure, then the server's
 * reply (kept as `replyCode`/`reply`) and that the client is closed. `cause`: the transfer's error.
 */
function withLastWords(error: unknown, lost: Error | null): unknown {
  if (!(lost instanceof FTPError) || lost.replyCode === null) return error;
  const first = error instanceof Error ? error.message : String(error);
  return new FTPConnectionError(`${first}; then ${lost.message}: the client is closed, run connect() to open it again`, { code: lost.replyCode, text: lost.reply ?? '' }, { cause: error });
}

/** Options of {@link download}. */
export interface DownloadOptions {
  readonly rest?: number | undefined;
  readonly signal?: AbortSignal | undefined;
  /** Ends the data connection only (abort()); the control connection resynchronises. */
  readonly stop?: AbortSignal | undefined;
  /** A text transfer (listing, ASCII): its size is never checked. */
  readonly text: boolean;
  /** The size known before (SIZE, the caller's `total`). */
  readonly size?: number | null | undefined;
  readonly total?: number | undefined;
  /**
   * Each chunk, in order (awaited: the caller's time is not the server's). `ended` is the
   * transfer's signal: what hands one chunk to the caller in several calls (retrlines' lines)
   * stops when the caller's code ended the transfer meanwhile (aborted, abort(), close()).
   */
  readonly each: (chunk: Uint8Array, announced: number | null, ended: AbortSignal) => void | Promise<void>;
  /**
   * Memory to receive into where the data connection can (a PROT P connection whose TLS socket
   * has recvInto; on tls-openssl decrypted straight into it, no allocation per read). Each chunk
   * `each` gets may then be a view of it, overwritten by the next read: `each` must be done with
   * it when it returns (or its promise settled). Without it every chunk is fresh memory `each`
   * may keep.
   */
  readonly into?: Uint8Array | undefined;
}

/**
 * Moves the bytes of a transfer under the rate clock. Whatever stops it (abort, timeout, the rate
 * clock, a bad listing line, the sink throwing), the data connection is dropped and the control
 * connection resynchronised before the reason is raised.
 */
async function moving(host: TransferHost, data: DataConnection, direction: 'download' | 'upload', work: (clock: TransferClock) => Promise<void>, verb: string): Promise<void> {
  const clock = new TransferClock(host.setup().timeout, host.minTransferRate, (reason) => data.abort(reason), { direction, verb });
  try {
    await work(clock);
  } catch (error) {
    let lost: Error | null;
    if (direction === 'upload') {
      // ABOR before the data connection ends: its end alone would tell the server the file is complete.
      lost = await abandon(host, () => data.close(true));
    } else {
      await data.close(true);
      lost = await abandon(host);
    }
    throw withLastWords(data.signal.aborted ? data.signal.reason : error, lost);
  } finally {
    clock.dispose();
  }
}

/** Step 3 for a download: reads until the server's end, then the final reply and the completeness rule. */
export async function download(host: TransferHost, command: FTPCommand, options: DownloadOptions): Promise<Reply> {
  const { data, announced, resumed } = await openTransfer(host, command, options.rest, options.signal, options.stop);
  let bytes = 0;
  let end: DataEnd = 'clean';
  let cause: unknown;
  // Only where the data connection receives into memory (a TLS socket with recvInto: PROT P).
  const into = options.into !== undefined && data.io.receivesInto ? options.into : undefined;
  await moving(host, data, 'download', async (clock) => {
    for (;;) {
      let chunk: Uint8Array;
      clock.start();
      try {
        chunk = into === undefined ? await data.io.recv() : into.subarray(0, await data.io.recvInto(into));
      } catch (error) {
        if (!(error instanceof FTPConnectionError && error.cause instanceof RaggedEOF)) throw error;
        end = 'ragged';
        cause = error.cause;
        break;
      } finally {
        clock.stop();
      }
      if (chunk.length === 0) break;
      clock.moved(chunk.length);
      bytes += chunk.length;
      // A synchronous sink (a callback, a Writable with room) costs no await per chunk.
      const written = options.each(chunk, announced, data.signal);
      if (written !== undefined) await written;
    }
    const tls = data.tlsSocket;
    if (tls !== null) {
      if (!host.seesCloseNotify) end = 'unknown';
      host.dataDone(tls);
    }
    await data.close(true);
  }, command.verb);
  const reply = await finalReply(host, resumed, options.signal);
  const rest = options.rest ?? 0;
  const expected = expectedSizes({ size: options.size ?? null, announced, rest, total: options.total });
  const completion = { end, bytes, expected, text: options.text, reply, cause };
  if (needsSize(completion) && command.argument !== undefined) {
    const size = await host.size(command.argument);
    if (size !== null) expected.push(size - rest);
  }
  const error = incomplete(completion);
  if (error !== null) throw error;
  return reply;
}

/** Step 3 for an upload: writes every chunk, ends with close_notify, then the final reply. */
export async function upload(
  host: TransferHost,
  command: FTPCommand,
  chunks: AsyncIterator<Uint8Array>,
  options: { rest?: number | undefined; signal?: AbortSignal | undefined; stop?: AbortSignal | undefined; each: (length: number) => void },
): Promise<Reply> {
  const { data, resumed } = await openTransfer(host, command, options.rest, options.signal, options.stop);
  const what = `the ${command.verb.toUpperCase()} data`;
  let sent = 0;
  let reset: FTPConnectionError | null = null;
  await moving(host, data, 'upload', async (clock) => {
    // A source that stalls still ends with the signals and close() (the data connection's signal).
    for await (const chunk of data.io.fromCaller({ [Symbol.asyncIterator]: () => chunks })) {
      // A large chunk (a stream's) goes out SEND_PIECE at a time, each piece counted as it is
      // taken: counted only once the whole chunk was, a chunk the server took more than a window
      // to read failed the rate rule however steadily it read.
      for (let at = 0; at < chunk.length; at += SEND_PIECE) {
        const piece = chunk.length <= SEND_PIECE ? chunk : chunk.subarray(at, at + SEND_PIECE);
        clock.start();
        try {
          await data.io.send(piece, what);
        } finally {
          clock.stop();
        }
        clock.moved(piece.length);
      }
      sent += chunk.length;
      options.each(chunk.length);
    }
    const tls = data.tlsSocket;
    if (tls !== null) host.dataDone(tls);
    // The server learns the upload is complete from our close (with close_notify under PROT P).
    try {
      await clock.wait(data.finish());
    } catch (error) {
      // A clear data connection reset after the last write: the server's final reply comes first
      // (its refusal is the better error), then this.
      if (data.signal.aborted || !(error instanceof FTPConnectionError) || error instanceof FTPTimeoutError) throw error;
      reset = error;
    }
  }, command.verb);
  let reply: Reply;
  try {
    reply = await finalReply(host, resumed, options.signal);
  } catch (error) {
    throw refusedAfter(error, command, sent);
  }
  if (reset === null) return reply;
  // A server that saw only the end of the data connection (the reset came from a middlebox, or it
  // closed with our bytes unread) takes what it got for the whole file: "226" for a truncated one.
  const error: FTPConnectionError = reset;
  throw new FTPConnectionError(
    `${error.message}, after all ${sent} bytes of ${what} had been handed on: the server did not take them all, though it answered "${reply.text.slice(0, 200)}"; the file it stored may be incomplete: send it again`,
    reply,
    { cause: error.cause ?? error },
  );
}

/**
 * An upload's refusing final reply (vsftpd's "426 Failure reading network stream." when the data
 * connection was cut, a 552) as the same class, naming the command and how much had gone out:
 * "STOR f: 426 Failure reading network stream. (1048576 bytes of the STOR data had gone out)".
 * Other errors as they are.
 */
function refusedAfter(error: unknown, command: FTPCommand, sent: number): unknown {
  if (!(error instanceof FTPError) || error.replyCode === null) return error;
  const Class = error instanceof FTPPermError ? FTPPermError : error instanceof FTPTempError ? FTPTempError : error instanceof FTPReplyError ? FTPReplyError : FTPError;
  const said = replyMessage({ code: error.replyCode, text: error.message }, command);
  return new Class(`${said} (${sent} bytes of the ${command.verb.toUpperCase()} data had gone out)`, { code: error.replyCode, text: error.reply ?? '' });
}

/**
 * Deno's node:tls cannot resume a TLS session, so tls-node there never offers one; tls-pure
 * resumes on Deno (trial 10: the refusal named neither the runtime nor the way out).
 */
const NO_RESUMPTION_HERE =
  'Deno' in globalThis ? "; Deno's node:tls cannot resume TLS sessions: pass `implementation` from @unitls/tls-pure, which can" : '';

/** The transfer's final reply, with a hint when a TLS session reuse requirement is the likely cause. */
export async function finalReply(host: TransferHost, resumed: boolean | null, signal: AbortSignal | undefined): Promise<Reply> {
  let event = await host.session.reply(signal);
  while (!event.final) event = await host.session.reply(signal);
  const { reply } = event;
  // The refusals of servers that require session reuse: vsftpd's "522 SSL connection failed:
  // session reuse required", FileZilla Server's "450 TLS session of data connection has not
  // resumed" (FluentFTP#728), ProFTPD's "425 Unable to build data connection".
  if (resumed === false && (reply.code === 425 || reply.code === 450 || reply.code === 522 || (reply.code >= 400 && /session|TLS|SSL/i.test(reply.text)))) {
    const offered = host.session.io.tlsSocket?.session?.() ?? null;
    const why = `${reply.text} (the data connection did not resume the control connection's TLS session; servers that require session reuse refuse such transfers${
      offered === null ? ` — this implementation offered no session to resume${NO_RESUMPTION_HERE}` : ''
    })`;
    throw reply.code >= 500 ? new FTPPermError(why, reply) : new FTPError(why, reply);
  }
  return expectSuccess(reply);
}
