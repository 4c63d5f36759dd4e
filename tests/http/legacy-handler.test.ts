// fetch's handler (undici's legacy handler API: onConnect, onHeaders, onData, onComplete, onError)
// on a createDispatcher dispatcher gets what it gets from undici's own Agent over node:tls: the raw
// response head as the server sent it (names in their case, repeated fields in their order), not a
// copy rebuilt from a parsed object (undici's compose converts the handler to its controller API
// and back, lowercasing names and grouping repeated fields, on every request: issue #16).
import { once } from 'node:events';
import * as https from 'node:https';
import { afterEach, describe, expect, it } from 'vitest';
import { createDispatcher } from '@unitls/http';
import { Agent, type Dispatcher } from 'undici';
import { clientConfig, pki } from '../support/fixtures.js';
import { implementations } from '../conformance/implementations.js';

const HEAD = ['X-Mixed-Case', 'One', 'Set-Cookie', 'a=1', 'Content-Type', 'text/plain', 'Set-Cookie', 'b=2'];

const servers: https.Server[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

async function origin(): Promise<string> {
  const server = https.createServer({ cert: pki.pem('server-ec', 'chain.crt'), key: pki.pem('server-ec', 'key') }, (request, response) => {
    response.sendDate = false;
    response.writeHead(200, HEAD);
    response.end(request.method === 'POST' ? 'posted' : 'hello');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  servers.push(server);
  return `https://localhost:${(server.address() as { port: number }).port}`;
}

interface Seen {
  status: number;
  headers: string[];
  body: string;
  /** The handler calls in order, each once per kind (onData may come several times). */
  calls: string[];
}

/** One request with a legacy handler; resolves with what the handler saw. */
function legacyRequest(dispatcher: Dispatcher, origin: string, method: 'GET' | 'POST' = 'GET'): Promise<Seen> {
  return new Promise((resolve, reject) => {
    const seen: Seen = { status: 0, headers: [], body: '', calls: [] };
    const call = (name: string) => seen.calls.at(-1) !== name && seen.calls.push(name);
    const handler = {
      onConnect: () => call('onConnect'),
      onHeaders: (status: number, rawHeaders: Buffer[]) => {
        call('onHeaders');
        seen.status = status;
        seen.headers = rawHeaders.map((b) => b.toString('latin1'));
        return true;
      },
      onData: (chunk: Buffer) => {
        call('onData');
        seen.body += chunk.toString('latin1');
        return true;
      },
      onComplete: () => {
        call('onComplete');
        resolve(seen);
      },
      onError: reject,
    };
    dispatcher.dispatch({ origin, path: '/', method, ...(method === 'POST' ? { body: 'payload' } : {}) }, handler as unknown as Dispatcher.DispatchHandler);
  });
}

describe.each(implementations.map((i) => [i.name, i] as const))('a legacy handler over %s', (_, implementation) => {
  it("gets the raw response head as undici's Agent over node:tls gives it", async () => {
    const url = await origin();
    const reference = new Agent({ connections: 1, connect: { ca: pki.pem('root') } });
    const expected = await legacyRequest(reference, url);
    await reference.close();
    expect(expected.headers.slice(0, HEAD.length)).toEqual(HEAD);

    const dispatcher = createDispatcher({ implementation, configuration: clientConfig(), agent: { allowH2: false } });
    try {
      expect(await legacyRequest(dispatcher, url)).toEqual(expected);
      // Again on the kept-alive connection, and with a request body.
      expect(await legacyRequest(dispatcher, url)).toEqual(expected);
      const post = await legacyRequest(dispatcher, url, 'POST');
      expect(post).toMatchObject({ status: 200, headers: expected.headers, body: 'posted' });
    } finally {
      await dispatcher.close();
    }
  });

  it('refuses a handler without onError as undici does, before anything is sent', async () => {
    const url = await origin();
    const dispatcher = createDispatcher({ implementation, configuration: clientConfig() });
    try {
      const call = () => dispatcher.dispatch({ origin: url, path: '/', method: 'GET' }, { onConnect() {}, onHeaders: () => true, onData: () => true, onComplete() {} } as unknown as Dispatcher.DispatchHandler);
      expect(call).toThrow(/onError/);
      expect(() => dispatcher.dispatch({ origin: url, path: '/', method: 'GET' }, null as unknown as Dispatcher.DispatchHandler)).toThrow(/handler must be an object/);
    } finally {
      await dispatcher.close();
    }
  });
});
