/**
 * @unitls/http: HTTP on any unitls TLS implementation — http.client-style connections (HTTP/1.1
 * spoken directly over the TLS socket with llhttp judging malformed responses, HTTP/2 by node:http2
 * when ALPN picks it, CONNECT tunnels through HTTP and HTTPS proxies) and `fetch` / an undici
 * Dispatcher.
 *
 * @example
 * ```ts
 * import { HTTPSConnection, createDispatcher, fetch } from '@unitls/http';
 * import { implementation } from '@unitls/tls-openssl';
 *
 * await using connection = new HTTPSConnection('example.org', { implementation });
 * connection.request('GET', '/');
 * const response = await connection.getresponse();
 * console.log(response.status, response.reason, (await response.read()).length);
 *
 * const viaFetch = await fetch('https://example.org/', { dispatcher: createDispatcher({ implementation }) });
 * console.log(viaFetch.status);
 * ```
 *
 * @module
 */
export { createDispatcher, fetch, getDefaultDispatcher, type DispatcherOptions } from './dispatcher.js';
export { HTTPConnection, type HTTPConnectionOptions, type HTTPSConnectionOptions, type TunnelOptions } from './client.js';
export { HTTPSConnection } from './https.js';
export { HTTPException, HTTPTimeoutError, IncompleteRead, type HTTPTimeoutPhase } from './errors.js';
export { HTTPResponse } from './response.js';
