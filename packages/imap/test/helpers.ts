import { IMAP4ProtocolError, ResponseFramer, STREAM_END, parseResponse, type Response, type UntaggedResponse } from '../src/mod.js';

export const LIMITS = { maxLineLength: 1 << 20, maxLiteralSize: 64 << 20, maxResponseSize: 65 << 20 };

/** Every response in `wire` (latin1), typed. */
export function responses(wire: string | Buffer, utf8Accept = false): Response[] {
  const framer = new ResponseFramer(LIMITS);
  framer.push(typeof wire === 'string' ? Buffer.from(wire, 'latin1') : wire);
  const out: Response[] = [];
  for (;;) {
    const parts = framer.next();
    if (parts === null || parts === STREAM_END) return out;
    out.push(parseResponse(parts, { utf8Accept, maxDepth: 64 }));
  }
}

/** The one response in `wire`. */
export function one(wire: string | Buffer, utf8Accept = false): Response {
  const all = responses(wire, utf8Accept);
  if (all.length !== 1) throw new Error(`expected one response, got ${all.length}`);
  return all[0]!;
}

export function untagged(wire: string | Buffer): UntaggedResponse {
  const response = one(wire);
  if (response.kind !== 'untagged') throw new Error(`expected an untagged response, got ${response.kind}`);
  return response;
}

/** The protocol error `wire` raises (fails the test when it raises none). */
export function protocolError(wire: string | Buffer): IMAP4ProtocolError {
  try {
    responses(wire);
  } catch (error) {
    if (error instanceof IMAP4ProtocolError) return error;
    throw error;
  }
  throw new Error(`no protocol error for ${JSON.stringify(wire)}`);
}

export const bytes = (text: string) => Buffer.from(text, 'latin1');
