/**
 * How a response body ends, and what its end means (issue #15): one verdict for every TLS
 * implementation. node:http reports a connection that fails during a body only as "aborted", and
 * completes a body delimited by the connection's close on any end of the connection, error or
 * not; the verdicts here use what actually ended the connection instead.
 *
 * @module
 */
import type { ClientRequest, IncomingMessage } from 'node:http';
import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import { HTTPException, IncompleteRead, parseError } from './errors.js';
import { isRaggedEOF, TRUNCATION_RULE } from './transport.js';

/**
 * Decides what the end of a body means: `error` is what the body stream failed with (null when
 * it ended normally); returns the error to raise, or null when the body is complete.
 */
export type BodyVerdict = (error: unknown, received: number) => Error | null;

/** The error chain's first truncation (a missing close_notify), if any. */
function truncation(error: unknown): Error | null {
  let e: unknown = error;
  for (let depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if ((e as { code?: unknown }).code === 'UNITLS_HTTP_TRUNCATED' || isRaggedEOF(e)) return e;
  }
  return null;
}

/** Errors a verdict already produced, passed through when they come back from the stream. */
const judged = new WeakSet<object>();

const plural = (n: number) => `${n} byte${n === 1 ? '' : 's'}`;

/** How an HTTP/1.x response delimits its body (RFC 9112 §6.3). */
type Framing = { kind: 'length'; length: number } | { kind: 'chunked' } | { kind: 'close' } | { kind: 'none' };

function framingOf(message: IncomingMessage, method: string): Framing {
  const status = message.statusCode ?? 0;
  if (method === 'HEAD' || (status >= 100 && status < 200) || status === 204 || status === 304) return { kind: 'none' };
  const te = message.headers['transfer-encoding'];
  // A response whose Transfer-Encoding does not end in chunked is read until the close (rule 4).
  if (te !== undefined) return /(?:^|,)\s*chunked\s*$/i.test(te) ? { kind: 'chunked' } : { kind: 'close' };
  const length = message.headers['content-length'];
  if (length !== undefined) return { kind: 'length', length: Number(length) };
  return { kind: 'close' };
}

/**
 * The verdict for an HTTP/1.x body that node:http reads for `request`. A failure of the request
 * while the body is still arriving (a parse error, a missing close_notify, a reset, a timeout) is
 * judged at once: the body stream (`message`, which callers may also read directly) is destroyed
 * with the verdict's error, before node:http could end a close-delimited body as if it were
 * complete. Reads judge the rest (a connection that ended cleanly inside a framed body).
 */
export function http1Verdict(request: ClientRequest, message: IncomingMessage, method: string): BodyVerdict {
  const framing = framingOf(message, method);
  let failure: Error | null = null;
  const verdict: BodyVerdict = (error, received) => {
    if (judged.has(error as object)) return error as Error; // judged when the request failed (below)
    const cause = failure ?? error;
    if (cause === null || cause === undefined) return null;
    // Complete before the connection failed: only a close-delimited body depends on how it ended.
    if (error === null && framing.kind !== 'close') return null;
    const code = (cause as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('HPE_')) return parseError(cause as Parameters<typeof parseError>[0]);
    if (code === 'ETIMEDOUT') return HTTPException.from('reading the response body failed', cause);
    const ragged = truncation(cause) !== null;
    const how = ragged ? 'the server closed the connection without TLS close_notify' : describe(cause);
    switch (framing.kind) {
      case 'close':
        return new IncompleteRead(
          ragged
            ? `the response body may be truncated: it ends where the connection ends, and ${how} after ${plural(received)} (${TRUNCATION_RULE})`
            : `the response body may be truncated: it ends where the connection ends, and ${how} after ${plural(received)} instead of closing it`,
          { received, expected: null, cause },
        );
      case 'length':
        return new IncompleteRead(`the response body is truncated: ${how} after ${received} of the ${plural(framing.length)} its Content-Length announced`, {
          received,
          expected: framing.length,
          cause,
        });
      default:
        return new IncompleteRead(`the response body is truncated: ${how} inside the chunked body, after ${plural(received)} and before its last chunk`, {
          received,
          expected: null,
          cause,
        });
    }
  };
  let arrived = 0;
  // node:http hands each piece of the body to push(); counting there leaves the stream's flow alone.
  const push = message.push.bind(message);
  message.push = (chunk: unknown, encoding?: BufferEncoding) => {
    if (chunk !== null && chunk !== undefined) arrived += (chunk as Uint8Array).length;
    return push(chunk, encoding);
  };
  request.on('error', (error: Error) => {
    failure ??= error;
    if (message.complete || message.destroyed) return;
    const judgement = verdict(error, arrived) ?? error;
    judged.add(judgement);
    message.destroy(judgement);
  });
  return verdict;
}

/** What ended a connection, for a message. */
function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ECONNRESET' && (error as Error).message === 'aborted') return 'the connection ended';
  return `the connection failed (${error instanceof Error ? error.message : String(error)})`;
}

/** HTTP/2 error codes by number (RFC 9113 §7), for messages. */
const H2_ERRORS = ['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED'];

/**
 * The verdict for an HTTP/2 body (node:http2): the stream itself says where the body ends
 * (END_STREAM). node:http2 also ends the stream's body, without an error, when the server resets
 * it (RST_STREAM) or the connection goes away, leaving only a non-zero `rstCode` behind; so a body
 * is complete when its stream ended with NO_ERROR. `connectionFailure()` is what ended the
 * connection (a missing close_notify), if anything.
 */
export function http2Verdict(stream: ClientHttp2Stream, session: ClientHttp2Session, connectionFailure: () => Error | null): BodyVerdict {
  return (error, received) => {
    const code = stream.rstCode;
    if (error === null && stream.readableEnded && (code === undefined || code === 0)) return null;
    if ((error as { code?: unknown } | null)?.code === 'ETIMEDOUT') return HTTPException.from('reading the response body failed', error);
    const cause = truncation(error) ?? truncation(connectionFailure()) ?? error ?? connectionFailure();
    if (truncation(cause) !== null) {
      return new IncompleteRead(`the response body is truncated: the server closed the connection without TLS close_notify in the middle of the HTTP/2 stream, after ${plural(received)}`, {
        received,
        expected: null,
        cause,
      });
    }
    const how =
      session.closed || session.destroyed
        ? 'the connection ended'
        : code !== undefined && code !== 0
          ? `the server reset the HTTP/2 stream (${H2_ERRORS[code] ?? `error code ${code}`})`
          : `the HTTP/2 stream failed (${cause instanceof Error ? cause.message : String(cause)})`;
    return new IncompleteRead(`the response body is truncated: ${how} after ${plural(received)}, before the stream's end`, {
      received,
      expected: null,
      ...(cause === null ? {} : { cause }),
    });
  };
}
