/**
 * FTP data connections: passive (connect to the port the server names) or active (accept the
 * server's connection), in the clear or, under PROT P, TLS verified against the control
 * connection's name and resuming its session.
 *
 * @module
 */
import { createServer, type Server, type Socket } from 'node:net';
import {
  PlainChannel,
  TLSChannel,
  connectTcp,
  deadlineSignal,
  startTls,
  untilAborted,
  type Channel,
  type ClientContext,
  type TLSSession,
} from '@unitls/tls-core';
import { FTPError } from './errors.js';

export interface DataTLS {
  context: ClientContext;
  serverHostname: string;
  /** The session to resume (the control connection's, or the last data connection's). */
  session: TLSSession | null;
}

/** A TCP connection made within the deadline. */
export function dial(host: string, port: number, timeout: number, signal: AbortSignal | undefined): Promise<Socket> {
  return connectTcp(host, port, deadlineSignal(signal, timeout)).catch((error: unknown) => {
    throw new FTPError(`could not open the data connection to ${host}:${port}: ${(error as Error).message}`, null, { cause: error });
  });
}

/** A listening socket for active mode (PORT/EPRT) on our end of the control connection. */
export class ActiveListener {
  readonly #server: Server;
  readonly #accepted: Promise<Socket>;

  private constructor(server: Server, expectedPeer: string) {
    this.#server = server;
    this.#accepted = new Promise((resolve, reject) => {
      server.on('connection', (socket) => {
        // Only the server we talk to may connect (no port theft by a third party).
        if (socket.remoteAddress !== expectedPeer) {
          socket.destroy();
          return;
        }
        socket.setNoDelay(true);
        server.close();
        resolve(socket);
      });
      server.once('error', reject);
    });
    this.#accepted.catch(() => {});
  }

  static async listen(host: string, expectedPeer: string): Promise<ActiveListener> {
    const server = createServer();
    server.listen(0, host);
    await new Promise<void>((resolve, reject) => {
      server.once('listening', resolve);
      server.once('error', reject);
    });
    return new ActiveListener(server, expectedPeer);
  }

  get port(): number {
    return (this.#server.address() as { port: number }).port;
  }

  /** The server's connection, or an FTPError when it does not come within the deadline. */
  accept(timeout: number, signal: AbortSignal | undefined): Promise<Socket> {
    return untilAborted(this.#accepted, deadlineSignal(signal, timeout), () => this.close()).catch((error: unknown) => {
      throw new FTPError(`the server did not open the data connection: ${(error as Error).message}`, null, { cause: error });
    });
  }

  close(): void {
    this.#server.close();
  }
}

/** The data channel over `socket`: TLS when `tls` is given, plain otherwise. */
export async function dataChannel(socket: Socket, tls: DataTLS | null, timeout: number, signal: AbortSignal | undefined): Promise<Channel> {
  if (tls === null) return new PlainChannel(socket);
  const options = { serverHostname: tls.serverHostname, session: tls.session, timeout, ...(signal === undefined ? {} : { signal }) };
  try {
    return new TLSChannel(await startTls(tls.context, socket, options));
  } catch (error) {
    socket.destroy();
    throw error;
  }
}
