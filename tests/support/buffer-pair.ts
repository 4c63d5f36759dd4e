/**
 * Two TLSBuffers talking in memory, synchronously (the PEP's buffer mode): what the conformance
 * suite and tls-pure's own tests drive a client and a server with.
 */
import { WantReadError, type TLSBuffer } from '@unitls/tls-core';

/** Moves every byte `from` has to send into `to`; returns the count. */
export function pump(from: TLSBuffer, to: TLSBuffer): number {
  const n = from.outgoingBytesBuffered();
  if (n > 0) to.processIncoming(from.processOutgoing(n));
  return n;
}

/** Runs `action`: true when it finished, false when it wants more to read; any other error is thrown. */
export function step(action: () => void): boolean {
  try {
    action();
    return true;
  } catch (error) {
    if (error instanceof WantReadError) return false;
    throw error;
  }
}

/** Runs `action`: the error it raised, or null when it finished or wants more to read. */
export function stepError(action: () => void): Error | null {
  try {
    action();
    return null;
  } catch (error) {
    if (error instanceof WantReadError) return null;
    return error as Error;
  }
}

/** Runs both handshakes in memory; returns the number of round trips. */
export function handshake(client: TLSBuffer, server: TLSBuffer): number {
  let clientDone = false;
  let serverDone = false;
  let rounds = 0;
  while (!(clientDone && serverDone)) {
    if (++rounds > 10) throw new Error('handshake did not finish');
    clientDone = step(() => client.doHandshake()) || clientDone;
    pump(client, server);
    serverDone = step(() => server.doHandshake()) || serverDone;
    pump(server, client);
  }
  return rounds;
}
