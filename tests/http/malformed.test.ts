/**
 * Issue #15 (HTTP): a malformed response fails with an HTTPException that says which part was
 * malformed and how, shows the offending line, and keeps llhttp's parser error as its cause (and
 * llhttp's code as its code). Strictness is llhttp's own. Each case is a scripted server sending
 * exactly these bytes, over plain HTTP (HTTPConnection) and over TLS on every implementation.
 */
import { once } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { HTTPConnection, HTTPException, HTTPSConnection, IncompleteRead } from '@unitls/http';
import { clientConfig } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';
import { scriptedOrigin } from './scripted-origin.js';

interface Case {
  label: string;
  bytes: string | Buffer;
  /** llhttp's code, which becomes the error's code. */
  code: string;
  /** What the message must say was malformed, and the offending line it must quote. */
  message: RegExp;
}

const CASES: Case[] = [
  // Issue #15's example: a chunk-size line that is not hexadecimal.
  {
    label: 'a chunk-size line that is not hex',
    bytes: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\nzz\r\n',
    code: 'HPE_INVALID_CHUNK_SIZE',
    message: /a chunk-size line of the chunked body: invalid character in chunk size .*at "zz\\r\\n"/,
  },
  // Found: "0x5" as a chunk size, which a lenient parser reads as 0 and so drops the body
  // (oven-sh/bun#34918, whose reproduction these bytes are).
  {
    label: 'a chunk size written as "0x5"',
    bytes: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0x5\r\nhello\r\n0\r\n\r\n',
    code: 'HPE_INVALID_CHUNK_SIZE',
    message: /a chunk-size line of the chunked body: .*at "0x5\\r\\n"/,
  },
  // Found: a space after the chunk size, sent by real sites (sbstp/attohttpc#91: movie-japan.com;
  // akka/akka-http#1812; nodejs/undici#2678). llhttp refuses it; the message says where.
  {
    label: 'a chunk size followed by a space',
    bytes: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5 \r\nhello\r\n0\r\n\r\n',
    code: 'HPE_INVALID_CHUNK_SIZE',
    message: /a chunk-size line of the chunked body: .*at "5 \\r\\n"/,
  },
  // Found: chunk data not followed by CRLF (RFC 9112 §7.1: chunk = chunk-size CRLF chunk-data CRLF).
  {
    label: 'chunk data without its CRLF',
    bytes: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n',
    code: 'HPE_STRICT',
    message: /the chunked body framing: expected LF after chunk data .*at "helloXX0\\r\\n"/,
  },
  // Found: a header line without a colon.
  {
    label: 'a header line without a colon',
    bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nBroken header line\r\n\r\nok',
    code: 'HPE_INVALID_HEADER_TOKEN',
    message: /a header line: invalid header token .*at "Broken header line\\r\\n"/,
  },
  // Found: an obsolete folded header (RFC 9112 §5.2 obs-fold), still sent by legacy servers.
  {
    label: 'a folded header line (obs-fold)',
    bytes: 'HTTP/1.1 200 OK\r\nX-Long: one\r\n two\r\nContent-Length: 2\r\n\r\nok',
    code: 'HPE_INVALID_HEADER_TOKEN',
    message: /a header line: unexpected whitespace after header value/,
  },
  // Found: a status code that is not three digits.
  {
    label: 'an invalid status code',
    bytes: 'HTTP/1.1 2OO OK\r\nContent-Length: 2\r\n\r\nok',
    code: 'HPE_INVALID_STATUS',
    message: /the status line: invalid status code .*at "HTTP\/1\.1 2OO OK\\r\\n"/,
  },
  // Found: SHOUTcast/Icecast answer "ICY 200 OK" instead of an HTTP status line (TooTallNate/node-icy).
  {
    label: 'a SHOUTcast "ICY 200 OK" status line',
    bytes: 'ICY 200 OK\r\nicy-name: radio\r\n\r\n',
    code: 'HPE_INVALID_CONSTANT',
    message: /the status line: expected HTTP\/.* at "ICY 200 OK\\r\\n"/,
  },
  // Found: a server speaking HTTP/2 by prior knowledge answers an HTTP/1.1 request with a SETTINGS
  // frame (nodejs/node#21000).
  {
    label: 'an HTTP/2 SETTINGS frame instead of an HTTP/1.1 response',
    bytes: Buffer.from('000006040000000000000300000064', 'hex'),
    code: 'HPE_INVALID_CONSTANT',
    message: /the status line: expected HTTP\//,
  },
  // Found: bare LF line endings (embedded devices' servers); RFC 9112 §2.2 lets a recipient accept
  // them, llhttp does not.
  {
    label: 'bare LF line endings',
    bytes: 'HTTP/1.1 200 OK\nContent-Length: 2\n\nok',
    code: 'HPE_CR_EXPECTED',
    message: /a line ending: missing expected CR after response line/,
  },
  // Found: two different Content-Lengths (RFC 9110 §8.6: unrecoverable; the response-splitting shape).
  {
    label: 'two different Content-Length values',
    bytes: 'HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\nok!',
    code: 'HPE_UNEXPECTED_CONTENT_LENGTH',
    message: /the Content-Length header: duplicate Content-Length .*at "Content-Length: 3\\r\\n"/,
  },
  // Found (review of the hand-written head parser): a field value of 8,000 spaces ending in a control
  // character backtracked in cubic time (4,000 spaces: 130 s with the event loop blocked). It must
  // fail at once with llhttp's verdict.
  {
    label: 'a field value of 8,000 spaces ending in a control character',
    bytes: `HTTP/1.1 200 OK\r\nX-Pad:${' '.repeat(8000)}\x01\r\nContent-Length: 0\r\n\r\n`,
    code: 'HPE_INVALID_HEADER_TOKEN',
    message: /invalid header value char/i,
  },
  // Found: a header section larger than maxHeaderSize (16 KiB by default).
  {
    label: 'a header section over maxHeaderSize',
    bytes: `HTTP/1.1 200 OK\r\nX-Filler: ${'y'.repeat(20_000)}\r\n\r\n`,
    code: 'HPE_HEADER_OVERFLOW',
    message: /the header section \(larger than maxHeaderSize; raise it only for a server you trust\): header overflow/,
  },
  // Found (breaker): a malformed trailer line was replayed to llhttp without the last-chunk line
  // before it, so it was blamed on "invalid character in chunk size" at the trailer line.
  {
    label: 'a trailer line without a colon',
    bytes: 'HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\nX-T v\r\n\r\n',
    code: 'HPE_INVALID_HEADER_TOKEN',
    message: /a header line: invalid header token .*at "X-T v\\r\\n"/,
  },
  // Found: a trailer section larger than maxHeaderSize (300 trailer fields of 110 bytes, 33 KiB).
  // It was HPE_HEADER_OVERFLOW over plain HTTP but UNITLS_HTTP_UNSUPPORTED_RESPONSE over TLS: the
  // section arrives in several reads there, and only the part of it in the last read was shown to
  // llhttp, which accepted that much.
  {
    label: 'a trailer section over maxHeaderSize',
    bytes: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n${Array.from({ length: 300 }, (_, i) => `X-T${String(i).padStart(3, '0')}: ${'v'.repeat(100)}\r\n`).join('')}\r\n`,
    code: 'HPE_HEADER_OVERFLOW',
    message: /the header section \(larger than maxHeaderSize; raise it only for a server you trust\): header overflow/,
  },
  // Found (breaker3): the same bound over a section of short lines (3,000 x "a: b", 18,000 bytes
  // over the default 16 KiB) was UNITLS_HTTP_UNSUPPORTED_RESPONSE over plain HTTP and TLS alike:
  // llhttp counts only the field names and values (6,000 bytes) against maxHeaderSize, so it
  // accepted the replayed section, while the client's own bound counts whole lines.
  {
    label: 'a trailer section over maxHeaderSize in short lines',
    bytes: `HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n${'a: b\r\n'.repeat(3000)}\r\n`,
    code: 'HPE_HEADER_OVERFLOW',
    message: /the header section \(larger than maxHeaderSize; raise it only for a server you trust\): header overflow/,
  },
];

/** The request, the response and its whole body; what failed, if anything. */
async function failure(connection: HTTPConnection): Promise<unknown> {
  try {
    connection.request('GET', '/');
    const response = await connection.getresponse();
    await response.read();
    return null;
  } catch (error) {
    return error;
  }
}

function expectParseError(error: unknown, c: Case): void {
  expect(error, String(error)).toBeInstanceOf(HTTPException);
  expect(error).not.toBeInstanceOf(IncompleteRead);
  expect(error).toMatchObject({ code: c.code, message: expect.stringMatching(c.message) });
  expect((error as Error).message).toMatch(/^the server sent a malformed response: /);
  // llhttp's own error, as node:http raised it.
  expect((error as Error).cause).toMatchObject({ code: c.code, bytesParsed: expect.any(Number) });
  expect((error as Error).message).toContain(`(llhttp ${c.code})`);
}

const plainServers: Array<{ server: Server; sockets: Set<Socket> }> = [];
afterEach(async () => {
  for (const { server, sockets } of plainServers.splice(0)) {
    for (const socket of sockets) socket.destroy();
    await new Promise((resolve) => server.close(resolve));
  }
});

/** A plain TCP server answering the first request with `bytes`, then closing. */
async function plainOrigin(bytes: string | Buffer): Promise<number> {
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
    socket.on('error', () => {});
    let head = '';
    socket.on('data', (chunk: Buffer) => {
      head += chunk.toString('latin1');
      if (head.includes('\r\n\r\n')) socket.end(bytes);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  plainServers.push({ server, sockets });
  return (server.address() as { port: number }).port;
}

describe('HTTPConnection, a malformed response', () => {
  it.each(CASES.map((c) => [c.label, c] as const))('%s', async (_label, c) => {
    await using connection = new HTTPConnection('127.0.0.1', { port: await plainOrigin(c.bytes) });
    expectParseError(await failure(connection), c);
  });
});

describe.each(implementations.map((i) => [i.name, i] as const))('HTTPSConnection over %s, a malformed response', (_, implementation) => {
  it.each(CASES.map((c) => [c.label, c] as const))('%s', async (_label, c) => {
    const origin = await scriptedOrigin(async (connection) => {
      await connection.head();
      await connection.write(c.bytes);
      await connection.closeNotify();
    });
    await using connection = new HTTPSConnection('localhost', { port: origin.port, implementation, configuration: clientConfig() });
    expectParseError(await failure(connection), c);
  });
});
