/**
 * The hooks @unitls/insecure uses to build contexts with checks turned off. They live under a
 * registry symbol on the `implementation` object so that nothing insecure is reachable by
 * accident: no name exported by this package refers to them, and @unitls/insecure warns loudly
 * whenever it uses them.
 */
import type { TLSClientConfiguration, TLSServerConfiguration } from '@unitls/tls-core';
import { NodeClientContext, relaxClient, type ClientRelaxations } from './client.js';
import { NodeServerContext, relaxServer } from './server.js';

export const INSECURE_HOOKS = Symbol.for('@unitls/insecure.hooks.v1');

export const insecureHooks = Object.freeze({
  clientContext(configuration: TLSClientConfiguration, relax: ClientRelaxations): NodeClientContext {
    const context = new NodeClientContext(configuration);
    relaxClient(context, relax);
    return context;
  },
  serverContext(configuration: TLSServerConfiguration, relax: { verifyClientChain: boolean }): NodeServerContext {
    const context = new NodeServerContext(configuration);
    if (!relax.verifyClientChain) relaxServer(context);
    return context;
  },
});
