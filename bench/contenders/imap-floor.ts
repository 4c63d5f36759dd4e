// The floor of the IMAP large-message row (bench/mail.ts imap-fetch-big): no IMAP client, a bare
// TLS connection that logs in by hand (untimed) and reads the same FETCH response to its tagged OK
// into one memory it keeps from run to run. What is left is the engine's own cost of moving those
// bytes: on a unitls engine its TLSSocket's recvInto (tls-openssl decrypts there; tls-node copies
// each record node:tls decrypted), on raw node:tls its 'data' chunks copied in as they come. A
// client's row against it is what the client adds; @unitls/imap's fetchEach into does the same work
// (one reused memory), fetch() also allocates each body fresh. Not a client: a measuring stick.
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import * as tls from 'node:tls';
import { clock } from '../lib/clock.js';
import type { Factory } from '../lib/remote.js';
import { implementation, type ClientEngine } from './implementation.js';
import type { MailTarget } from './mail.js';

/** Room for the response around the body (its FETCH line and tagged OK are a few dozen bytes). */
const SLACK = 64 * 1024;
const TAG = 'Z1';

interface Wire {
  send(text: string): Promise<void>;
  /** Reads at most `memory.length` bytes into `memory[0, n)`; 0 at the end of the stream. */
  readInto(memory: Uint8Array): Promise<number>;
  close(): Promise<void>;
}

/** A unitls TLSSocket: recvInto when the engine has it (both do), else recv copied in. */
async function engineWire(engine: ClientEngine, port: number, ca: Buffer): Promise<Wire> {
  const { TLSClientConfiguration, TrustStore } = await import('@unitls/tls-core');
  const context = new (await implementation(engine)).clientContext(new TLSClientConfiguration({ trustStore: TrustStore.fromBuffer(ca) }));
  const socket = await context.connect({ host: '127.0.0.1', port }, { serverHostname: 'localhost' });
  return {
    send: async (text) => void (await socket.send(Buffer.from(text, 'latin1'))),
    readInto: async (memory) => {
      if (socket.recvInto !== undefined) return socket.recvInto(memory);
      const data = await socket.recv(memory.length);
      memory.set(data);
      return data.length;
    },
    close: () => socket.close(true),
  };
}

/** node:tls as its users read it: each 'data' chunk copied into the memory as it comes. */
async function rawWire(port: number, ca: Buffer): Promise<Wire> {
  const socket = tls.connect({ host: '127.0.0.1', port, servername: 'localhost', ca });
  await once(socket, 'secureConnect');
  let held: Buffer[] = [];
  let ended = false;
  let wake: (() => void) | null = null;
  socket.on('data', (chunk: Buffer) => {
    held.push(chunk);
    wake?.();
  });
  socket.on('end', () => {
    ended = true;
    wake?.();
  });
  return {
    send: (text) => new Promise((resolve, reject) => socket.write(text, 'latin1', (error) => (error ? reject(error) : resolve()))),
    async readInto(memory) {
      while (held.length === 0 && !ended) await new Promise<void>((resolve) => (wake = resolve));
      wake = null;
      let filled = 0;
      const chunks = held;
      held = [];
      for (let i = 0; i < chunks.length; i++) {
        const chunk = chunks[i]!;
        const room = memory.length - filled;
        if (chunk.length > room) {
          memory.set(chunk.subarray(0, room), filled);
          held = [chunk.subarray(room), ...chunks.slice(i + 1)];
          return memory.length;
        }
        memory.set(chunk, filled);
        filled += chunk.length;
      }
      return filled;
    },
    close: async () => void socket.destroy(),
  };
}

/** Reads responses into `memory` until one is tagged `tag` (read line by line: only the small answers of the login). */
async function answer(wire: Wire, memory: Uint8Array, tag: string): Promise<void> {
  let filled = 0;
  for (;;) {
    const n = await wire.readInto(memory.subarray(filled));
    if (n === 0) throw new Error(`IMAP floor: the server closed the connection before ${tag}'s answer`);
    filled += n;
    const text = Buffer.from(memory.buffer, memory.byteOffset, filled).toString('latin1');
    const done = text.startsWith(`${tag} `) ? text : text.slice(text.lastIndexOf(`\r\n${tag} `) + 2);
    if ((text.startsWith(`${tag} `) || text.includes(`\r\n${tag} `)) && done.endsWith('\r\n')) {
      if (!done.startsWith(`${tag} OK`)) throw new Error(`IMAP floor: ${done.trim()}`);
      return;
    }
  }
}

/** True when `memory[0, filled)` ends with the tagged OK line of the FETCH. */
function complete(memory: Uint8Array, filled: number): boolean {
  if (filled < 2 || memory[filled - 1] !== 0x0a || memory[filled - 2] !== 0x0d) return false;
  const tail = Buffer.from(memory.buffer, memory.byteOffset + Math.max(0, filled - 256), Math.min(filled, 256)).toString('latin1');
  const start = tail.lastIndexOf('\r\n', tail.length - 3) + 2;
  return tail.startsWith(`${TAG} OK`, start);
}

/**
 * FETCH 1:* BODY.PEEK[] of `mailbox` read into one memory of `bytes` + 64 KiB (kept from run to
 * run), on a unitls engine's TLSSocket or on raw node:tls; checks the body is all there.
 */
export const imapFloor: Factory<MailTarget & { engine: ClientEngine | 'raw'; mailbox: string; bytes: number }> = async ({ port, caFile, serverPids, engine, mailbox, bytes }) => {
  const ca = readFileSync(caFile);
  const memory = new Uint8Array(bytes + SLACK);
  return async () => {
    const wire = engine === 'raw' ? await rawWire(port, ca) : await engineWire(engine, port, ca);
    await answer(wire, memory, '*');
    await wire.send('A1 LOGIN bob bobpass\r\n');
    await answer(wire, memory, 'A1');
    await wire.send(`A2 EXAMINE ${mailbox}\r\n`);
    await answer(wire, memory, 'A2');
    let filled = 0;
    const sample = await clock(async () => {
      await wire.send(`${TAG} FETCH 1:* BODY.PEEK[]\r\n`);
      while (!complete(memory, filled)) {
        if (filled === memory.length) throw new Error(`IMAP floor: the FETCH response is larger than ${memory.length} bytes`);
        const n = await wire.readInto(memory.subarray(filled));
        if (n === 0) throw new Error('IMAP floor: the server closed the connection during the FETCH');
        filled += n;
      }
    }, serverPids);
    await wire.send('A3 LOGOUT\r\n');
    await wire.close();
    // The FETCH line announces the body's size: the literal and the lines around it all came.
    const head = Buffer.from(memory.buffer, memory.byteOffset, Math.min(filled, 256)).toString('latin1');
    const announced = /\{(\d+)\}\r\n/.exec(head);
    if (announced === null || Number(announced[1]) !== bytes || filled < bytes) throw new Error(`IMAP floor: read ${filled} bytes, the body is ${bytes}: ${JSON.stringify(head.slice(0, 80))}`);
    return sample;
  };
};
