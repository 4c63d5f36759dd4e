import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { Transport } from '@unitls/tls-core';
import { readAsBytes } from '../src/text-transport.js';

/** Everything the stream delivers from now on, as one Buffer (every chunk must be bytes). */
async function drain(stream: PassThrough): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) {
    expect(Buffer.isBuffer(chunk), `a ${typeof chunk} chunk`).toBe(true);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

describe('readAsBytes (a caller-made transport set to text)', () => {
  it('buffered text and the start of a character the decoder held come back as the bytes, in order', async () => {
    const stream = new PassThrough();
    stream.setEncoding('utf8');
    // '220 ok é\r\n' then the first two of the three bytes of '€'.
    stream.write(Buffer.concat([Buffer.from('220 ok é\r\n'), Buffer.from([0xe2, 0x82])]));
    readAsBytes(stream as unknown as Transport);
    stream.end(Buffer.from([0xac, 0x0d, 0x0a, 0x16, 0x03, 0x01]));
    expect((await drain(stream)).equals(Buffer.concat([Buffer.from('220 ok é\r\n€\r\n'), Buffer.from([0x16, 0x03, 0x01])]))).toBe(true);
  });

  it.each(['utf8', 'latin1', 'hex', 'base64'] as const)('%s: every byte value after the call, untouched', async (encoding) => {
    const stream = new PassThrough();
    stream.setEncoding(encoding);
    stream.write(Buffer.from('+OK ready\r\n'));
    readAsBytes(stream as unknown as Transport);
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    stream.end(all);
    expect((await drain(stream)).equals(Buffer.concat([Buffer.from('+OK ready\r\n'), all]))).toBe(true);
  });

  it('a transport read as bytes is left as it is', async () => {
    const stream = new PassThrough();
    stream.write(Buffer.from([0xff, 0x00]));
    readAsBytes(stream as unknown as Transport);
    stream.end();
    expect([...(await drain(stream))]).toEqual([0xff, 0x00]);
  });
});
