/**
 * @unitls/http: HTTP on any unitls TLS implementation. This first step provides `fetch` and an undici
 * Dispatcher; http.client-style connections, HTTP/2 and proxies follow.
 *
 * @example
 * ```ts
 * import { createDispatcher, fetch } from '@unitls/http';
 * import { implementation } from '@unitls/tls-openssl';
 * const response = await fetch('https://example.org/', { dispatcher: createDispatcher({ implementation }) });
 * console.log(response.status, await response.text());
 * ```
 *
 * @module
 */
export { createDispatcher, fetch, type DispatcherOptions } from './dispatcher.js';
