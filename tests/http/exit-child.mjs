/**
 * A user's script, run as a child process by exit.test.ts (issue #19 item 5): one request, then
 * the script simply ends, closing nothing unless the scenario says so. The process must then exit
 * by itself: idle kept-alive connections may not keep it alive.
 *
 * argv: scenario, implementation (node | openssl | pure), URL. Prints one JSON line.
 * The trust anchor comes from SSL_CERT_FILE (the system store of every implementation).
 */
import { HTTPConnection, HTTPSConnection, createDispatcher, fetch, getDefaultDispatcher } from '@unitls/http';
import { TLSClientConfiguration, TrustStore } from '@unitls/tls-core';

const [scenario, implementationName, href] = process.argv.slice(2);
const { implementation } = await import(`@unitls/tls-${implementationName}`);
const url = new URL(href);
const configuration = new TLSClientConfiguration({ trustStore: TrustStore.fromFile(process.env.SSL_CERT_FILE) });

async function viaConnection() {
  // HTTPConnection takes no TLS options (an unknown option is an argument error, as in http.client).
  const port = Number(url.port);
  const connection = url.protocol === 'https:' ? new HTTPSConnection(url.hostname, { port, implementation, configuration }) : new HTTPConnection(url.hostname, { port });
  connection.request('GET', url.pathname);
  const response = await connection.getresponse();
  return { status: response.status, protocol: response.protocol, body: Buffer.from(await response.read()).toString() };
}

const SCENARIOS = {
  // fetch with the default dispatcher (tls-node, the system store = SSL_CERT_FILE), never closed.
  'fetch default': async () => {
    const response = await fetch(url);
    return { status: response.status, body: await response.text() };
  },
  // The default dispatcher closed, then used again: fetch makes a new one.
  'fetch default, closed, fetch again': async () => {
    const first = await (await fetch(url)).text();
    await getDefaultDispatcher().close();
    const second = await (await fetch(url)).text();
    return { status: 200, body: first === second ? first : `${first} != ${second}` };
  },
  // fetch through createDispatcher on the implementation, never closed.
  'fetch dispatcher': async () => {
    const response = await fetch(url, { dispatcher: createDispatcher({ implementation, configuration }) });
    return { status: response.status, body: await response.text() };
  },
  // HTTPSConnection (HTTPConnection for http:), never closed.
  connection: viaConnection,
  // HTTPSConnection, its response's body never read (Node's fetch exits so, over HTTP/1.1). The
  // timeout is longer than the test waits: a connection that stays alive until it fires hangs.
  'connection, body unread': async () => {
    const connection = new HTTPSConnection(url.hostname, { port: Number(url.port), implementation, configuration, timeout: 120_000 });
    connection.request('GET', url.pathname);
    const response = await connection.getresponse();
    return { status: response.status, protocol: response.protocol, body: 'unread' };
  },
};

const result = await SCENARIOS[scenario]();
process.stdout.write(`${JSON.stringify(result)}\n`);
// Nothing else: the script ends here, and so must the process.
