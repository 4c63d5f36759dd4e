/**
 * A caller's transport read as text: a socket someone set to text (`setEncoding('utf8')`, the
 * usual way to read "220 ready" lines) before handing it to a client delivers strings, where the
 * client's line framing (and TLS after an upgrade) needs the bytes.
 *
 * @module
 */
import type { Transport } from '@unitls/tls-core';

/** Node's string_decoder as a Readable keeps it once `setEncoding` was called. Internal to Node. */
interface Decoder {
  readonly lastChar?: Uint8Array;
  readonly lastNeed?: number;
  readonly lastTotal?: number;
}

/** The parts of Node's Readable state a text decoder lives in. Internal to Node. */
interface DecodingState {
  decoder?: Decoder | null;
  encoding?: BufferEncoding | null;
}

/**
 * Makes `transport` deliver bytes again, before anything of the client reads it. Readable has no
 * public way back from text, so its decoder is dropped (Node's `_readableState`); the text it
 * already decoded and buffered goes back in front as bytes in its encoding, followed by the start
 * of a character the decoder still held. Text from valid UTF-8 (or any latin1, hex, base64) comes
 * back byte for byte; a UTF-8 decoder had already replaced invalid sequences by U+FFFD, and those
 * stay replaced. A transport read as bytes is left as it is.
 */
export function readAsBytes(transport: Transport): void {
  const state = (transport as { _readableState?: DecodingState })._readableState;
  const decoder = state?.decoder;
  if (state === undefined || decoder == null) return;
  const encoding = state.encoding ?? 'utf8';
  const decoded = transport.read() as string | null;
  const held = (decoder.lastTotal ?? 0) - (decoder.lastNeed ?? 0);
  const pending = decoder.lastNeed !== undefined && decoder.lastNeed > 0 && held > 0 && decoder.lastChar !== undefined ? decoder.lastChar.subarray(0, held) : null;
  state.decoder = null;
  state.encoding = null;
  const bytes = Buffer.concat([Buffer.from(decoded ?? '', encoding), pending ?? Buffer.alloc(0)]);
  if (bytes.length > 0) transport.unshift(bytes);
}
