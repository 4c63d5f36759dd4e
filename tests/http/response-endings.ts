/**
 * One GET through HTTPSConnection or fetch against a scripted origin that ends the connection in a
 * chosen way, and what the client made of it: the body, or the chain of errors. Shared by the
 * suites that judge how a response ends (truncation, endings-more).
 */
import { HTTPSConnection, createDispatcher } from '@unitls/http';
import { fetch } from 'undici';
import { clientConfig } from '../support/fixtures.js';
import type { implementations } from '../conformance/implementations.js';
import { scriptedOrigin } from './scripted-origin.js';

/** How the origin ends the connection after its bytes. */
export type Ending = 'fin' | 'closeNotify' | 'reset';
/** What a client made of the response: its body, or the chain of errors (outermost first). */
export type Outcome = { body: string } | { errors: Array<{ name: string; code?: string; message: string }> };

export function chain(error: unknown): Array<{ name: string; code?: string; message: string }> {
  const out: Array<{ name: string; code?: string; message: string }> = [];
  for (let e = error as (Error & { code?: string }) | undefined; e !== undefined && out.length < 6; e = e.cause as typeof e) {
    out.push({ name: e.constructor.name, ...(typeof e.code === 'string' ? { code: e.code } : {}), message: String(e.message) });
  }
  return out;
}

export async function outcome(read: () => Promise<string>): Promise<Outcome> {
  try {
    return { body: await read() };
  } catch (error) {
    return { errors: chain(error) };
  }
}

/** An origin that reads the request head, sends `bytes`, then ends the connection as `ending` says. */
export const answering = (bytes: string, ending: Ending) =>
  scriptedOrigin(async (c) => {
    await c.head();
    await c.write(bytes);
    if (ending === 'reset') c.reset();
    else await c[ending]();
  });

/** A GET through HTTPSConnection; the body as text. */
export async function viaConnection(port: number, implementation: (typeof implementations)[number]): Promise<Outcome> {
  await using connection = new HTTPSConnection('localhost', { port, implementation, configuration: clientConfig() });
  return outcome(async () => {
    connection.request('GET', '/');
    const response = await connection.getresponse();
    return Buffer.from(await response.read()).toString('latin1');
  });
}

/** A GET through fetch on a dispatcher of the implementation; the body as text. */
export async function viaFetch(port: number, implementation: (typeof implementations)[number]): Promise<Outcome> {
  const dispatcher = createDispatcher({ implementation, configuration: clientConfig() });
  try {
    return await outcome(async () => {
      const response = await fetch(`https://localhost:${port}/`, { dispatcher });
      return Buffer.from(await response.arrayBuffer()).toString('latin1');
    });
  } finally {
    await dispatcher.destroy();
  }
}
