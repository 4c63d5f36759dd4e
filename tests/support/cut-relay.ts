/**
 * A TCP relay in front of a real TLS server (openssl s_server) that forwards the server's bytes
 * to the client record by record and drops the connection at a chosen point: before the server's
 * first byte (right after the ClientHello), after the server's Nth TLS record, or in the middle
 * of one. It ends the client's side with a FIN (`end`) or a reset (`reset`), and the server's
 * side with a destroy. The server's bytes are real (recorded as they pass), so the cut lands on
 * a genuine handshake or application-data record of the negotiated version.
 */
import { connect as netConnect, createServer, type Server, type Socket } from 'node:net';

/** Where the server's stream is cut: after `records` whole server records and `partial` bytes of the next. */
export interface CutPoint {
  /** Whole server records forwarded before the cut (0 and no partial: none, the cut follows the ClientHello). */
  readonly records: number;
  /** Bytes of the next record forwarded too, its header included (a cut in the middle of it); default 0. */
  readonly partial?: number;
  /** How the client's side ends: a FIN or a TCP reset. */
  readonly how: 'end' | 'reset';
  /** Bytes sent to the client at the cut, before it ends (hostile input: garbage, an alert, a bad header). */
  readonly inject?: Uint8Array;
}

export interface CutRelay {
  readonly port: number;
  /** Resolves once the cut was made. */
  readonly cut: Promise<void>;
  /** The content types of the server records seen, whole ones and the cut one (for tests to check where the cut fell). */
  readonly types: number[];
  close(): Promise<void>;
}

/** A relay to 127.0.0.1:`target` that cuts every connection at `point`. */
export async function cutRelay(target: number, point: CutPoint): Promise<CutRelay> {
  const sockets: Socket[] = [];
  const types: number[] = [];
  let cutDone!: () => void;
  const cut = new Promise<void>((resolve) => (cutDone = resolve));
  const partial = point.partial ?? 0;
  const server: Server = createServer((client) => {
    const upstream = netConnect(target, '127.0.0.1');
    sockets.push(client, upstream);
    client.on('error', () => {});
    upstream.on('error', () => {});
    let done = false;
    // Position in the server's record stream.
    let records = 0;
    let into = 0;
    let header: number[] = [];
    let length = 0;
    client.on('data', (chunk: Buffer) => {
      if (!done) upstream.write(chunk);
    });
    upstream.on('data', (chunk: Buffer) => {
      if (done) return;
      let pass = 0;
      for (; pass < chunk.length; pass++) {
        if (records === point.records && into === partial) break;
        const byte = chunk[pass]!;
        into++;
        if (header.length < 5) {
          header.push(byte);
          if (header.length === 1) types.push(byte);
          if (header.length === 5) length = (header[3]! << 8) | header[4]!;
        }
        if (header.length === 5 && into === 5 + length) {
          records++;
          into = 0;
          header = [];
        }
      }
      if (pass === chunk.length && !(records === point.records && into === partial)) {
        client.write(chunk);
        return;
      }
      done = true;
      upstream.destroy();
      const end = () => {
        if (point.inject !== undefined && point.inject.length > 0 && point.how === 'end') {
          client.end(point.inject);
          cutDone();
          return;
        }
        if (point.how === 'reset') client.resetAndDestroy();
        else client.end();
        cutDone();
      };
      if (pass > 0) client.write(chunk.subarray(0, pass), end);
      else end();
    });
    upstream.on('close', () => !done && client.end());
    client.on('close', () => !done && upstream.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as { port: number }).port,
    cut,
    types,
    close: async () => {
      for (const socket of sockets) socket.destroy();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
