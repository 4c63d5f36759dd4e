/**
 * How a response body ends, and what its end means (issue #15): one verdict for every TLS
 * implementation, from what actually ended the connection (node:http reported a connection that
 * failed during a body only as "aborted", and node:http2 ends reset streams as if complete).
 *
 * @module
 */
import type { ClientHttp2Session, ClientHttp2Stream } from 'node:http2';
import { HTTPException, IncompleteRead } from './errors.js';
import type { Framing } from './response-head.js';
import { isRaggedEOF, TRUNCATION_RULE } from './transport.js';

/**
 * Decides what the end of an HTTP/2 body means: `error` is what the body stream failed with (null
 * when it ended normally); returns the error to raise, or null when the body is complete.
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

const plural = (n: number) => `${n} byte${n === 1 ? '' : 's'}`;

/**
 * What the end of an HTTP/1.x body means: `cause` is what ended the connection while the body was
 * being read (null for a clean end: a FIN on TCP, close_notify on TLS); returns the error to raise,
 * or null when the body is complete (a close-delimited body ended cleanly).
 */
export function http1BodyEnd(framing: Framing, cause: unknown, received: number): Error | null {
  if ((cause === null || cause === undefined) && framing.kind === 'close') return null;
  const code = (cause as { code?: unknown } | null)?.code;
  if (code === 'ETIMEDOUT' || code === 'ABORT_ERR') return HTTPException.from('reading the response body failed', cause);
  const ragged = cause !== null && truncation(cause) !== null;
  const how = cause === null || cause === undefined ? 'the connection ended' : ragged ? 'the server closed the connection without TLS close_notify' : describe(cause);
  const withCause = cause === null || cause === undefined ? {} : { cause };
  switch (framing.kind) {
    case 'close':
      return new IncompleteRead(
        ragged
          ? `the response body may be truncated: it ends where the connection ends, and ${how} after ${plural(received)} (${TRUNCATION_RULE})`
          : `the response body may be truncated: it ends where the connection ends, and ${how} after ${plural(received)} instead of closing it`,
        { received, expected: null, ...withCause },
      );
    case 'length':
      return new IncompleteRead(`the response body is truncated: ${how} after ${received} of the ${plural(framing.length)} its Content-Length announced`, {
        received,
        expected: framing.length,
        ...withCause,
      });
    default:
      return new IncompleteRead(`the response body is truncated: ${how} inside the chunked body, after ${plural(received)} and before its last chunk`, {
        received,
        expected: null,
        ...withCause,
      });
  }
}

/** What ended a connection, for a message. */
function describe(error: unknown): string {
  const code = (error as { code?: unknown } | null)?.code;
  if (code === 'ECONNRESET' && (error as Error).message === 'aborted') return 'the connection ended';
  return `the connection failed (${error instanceof Error ? error.message : String(error)})`;
}

/** HTTP/2 error codes by number (RFC 9113 §7), for messages. */
const H2_ERRORS = ['NO_ERROR', 'PROTOCOL_ERROR', 'INTERNAL_ERROR', 'FLOW_CONTROL_ERROR', 'SETTINGS_TIMEOUT', 'STREAM_CLOSED', 'FRAME_SIZE_ERROR', 'REFUSED_STREAM', 'CANCEL', 'COMPRESSION_ERROR', 'CONNECT_ERROR', 'ENHANCE_YOUR_CALM', 'INADEQUATE_SECURITY', 'HTTP_1_1_REQUIRED'];

/** An HTTP/2 error code's name (RFC 9113 §7): 11 is 'ENHANCE_YOUR_CALM'; an unknown one 'error code 99'. */
export function h2ErrorName(code: number): string {
  return H2_ERRORS[code] ?? `error code ${code}`;
}

/**
 * The verdict for an HTTP/2 body (node:http2): the stream itself says where the body ends
 * (END_STREAM). node:http2 also ends the stream's body, without an error, when the server resets
 * it (RST_STREAM) or the connection goes away, leaving only a non-zero `rstCode` behind; so a body
 * is complete when its stream ended with NO_ERROR. `connectionFailure()` is what ended the
 * connection (a missing close_notify), if anything.
 */
export function http2Verdict(stream: ClientHttp2Stream, session: ClientHttp2Session, connectionFailure: () => Error | null, cancelled: () => boolean = () => false): BodyVerdict {
  return (error, received) => {
    // The client's own CANCEL (the async iteration left early): not the server's reset, nor a truncation.
    if (cancelled()) {
      return new HTTPException(
        `the response body cannot be read after its async iteration was left early (break or return()), which cancelled its HTTP/2 stream (after ${plural(received)})`,
        'UNITLS_HTTP_STATE',
      );
    }
    const code = stream.rstCode;
    if (error === null && stream.readableEnded && (code === undefined || code === 0)) return null;
    // The client's own timeout, or its signal (node:http2 resets the stream with CANCEL then: not the server's doing).
    const errorCode = (error as { code?: unknown } | null)?.code;
    if (errorCode === 'ETIMEDOUT' || errorCode === 'ABORT_ERR') return HTTPException.from('reading the response body failed', error);
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
          ? `the server reset the HTTP/2 stream (${h2ErrorName(code)})`
          : `the HTTP/2 stream failed (${cause instanceof Error ? cause.message : String(cause)})`;
    return new IncompleteRead(`the response body is truncated: ${how} after ${plural(received)}, before the stream's end`, {
      received,
      expected: null,
      ...(cause === null ? {} : { cause }),
    });
  };
}
