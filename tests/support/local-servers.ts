/**
 * A catalogue of the local servers the smoke matrix and the README examples run against, by
 * name: `openssl.ok`, `openssl.wronghost`, `openssl.expired` (openssl s_server), `postfix.smtp`,
 * `postfix.submission`, `postfix.smtps`, `dovecot.imap`, `dovecot.imaps`, `dovecot.pop3`,
 * `dovecot.pop3s`, `nginx.http`, `nginx.h2`, `nginx.h1`, `nginx.mtls`, `vsftpd.explicit`,
 * `vsftpd.implicit`, `proxy.https` (a CONNECT proxy). Only the groups asked for are started;
 * every port is ephemeral; stop() ends them all.
 */
import { once } from 'node:events';
import * as https from 'node:https';
import { connect as netConnect, type Socket } from 'node:net';
import { startMailServers, type MailPasswords, type MailServers } from './mail-servers.js';
import { startNginx, type Nginx } from './nginx.js';
import { startServer, type OpenSSLServer } from './openssl.js';
import type { Pki, PkiName } from './pki.js';
import { putFile, startVsftpd, type FtpAccount, type Vsftpd } from './vsftpd.js';

export const SERVER_GROUPS = ['openssl', 'mail', 'nginx', 'vsftpd', 'proxy'] as const;
export type ServerGroup = (typeof SERVER_GROUPS)[number];

/** The group a server name belongs to (`nginx.h2` -> nginx). */
export function groupOf(server: string): ServerGroup {
  const prefix = server.slice(0, server.indexOf('.'));
  const group = ({ openssl: 'openssl', postfix: 'mail', dovecot: 'mail', nginx: 'nginx', vsftpd: 'vsftpd', proxy: 'proxy' } as const)[prefix as 'openssl'];
  if (group === undefined) throw new Error(`unknown local server "${server}" (see tests/support/local-servers.ts)`);
  return group;
}

export interface LocalServerOptions {
  pki: Pki;
  /** The certificate the servers present (s_server's wronghost/expired keep theirs). */
  leaf: PkiName;
  mailPasswords?: MailPasswords;
  /** Dovecot's SASL mechanisms (default: mail-servers.ts DEFAULT_AUTH_MECHANISMS). */
  authMechanisms?: string[];
  ftpAccount?: FtpAccount;
  /** Files in the FTP account's home, and served by nginx. */
  files?: Record<string, Uint8Array | string>;
  /** Where the CONNECT proxy sends a tunnel for host:port (default: 127.0.0.1, same port). */
  route?: (host: string, port: number) => { host: string; port: number };
}

export interface LocalServers {
  /** The port of a named server; throws for one not started. */
  port(server: string): number;
  mail?: MailServers;
  nginx?: Nginx;
  vsftpd?: Vsftpd;
  stop(): Promise<void>;
}

async function startProxy(options: LocalServerOptions): Promise<{ port: number; stop: () => Promise<void> }> {
  const sockets = new Set<Socket>();
  const server = https.createServer({ cert: options.pki.pem(options.leaf, 'chain.crt'), key: options.pki.pem(options.leaf, 'key') });
  server.on('connect', (request, client: Socket, head: Buffer) => {
    sockets.add(client);
    client.on('error', () => {});
    const at = request.url!.lastIndexOf(':');
    const target = (options.route ?? ((host, port) => ({ host, port })))(request.url!.slice(0, at), Number(request.url!.slice(at + 1)));
    const upstream = netConnect({ host: target.host === 'localhost' ? '127.0.0.1' : target.host, port: target.port }, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      if (head.length > 0) upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    sockets.add(upstream);
    upstream.on('error', () => client.end('HTTP/1.1 502 Bad Gateway\r\n\r\n'));
    for (const socket of [client, upstream]) socket.on('close', () => (client.destroy(), upstream.destroy(), sockets.delete(socket)));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as { port: number }).port,
    stop: async () => {
      for (const socket of sockets) socket.destroy();
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    },
  };
}

/** Starts the given groups (in sequence: the daemons are heavy on a small machine). */
export async function startLocalServers(groups: Iterable<ServerGroup>, options: LocalServerOptions): Promise<LocalServers> {
  const ports = new Map<string, number>();
  const stops: Array<() => Promise<void>> = [];
  const result: LocalServers = {
    port(server) {
      const port = ports.get(server);
      if (port === undefined) throw new Error(`local server "${server}" was not started (groups: ${[...new Set([...ports.keys()].map(groupOf))].join(', ')})`);
      return port;
    },
    async stop() {
      for (const stop of stops.splice(0).reverse()) await stop();
    },
  };
  const { pki, leaf } = options;
  try {
    for (const group of new Set(groups)) {
      if (group === 'openssl') {
        for (const [name, cert] of [['ok', leaf], ['wronghost', 'wronghost'], ['expired', 'expired']] as const) {
          const server: OpenSSLServer = await startServer(['-cert', pki.path(cert), '-cert_chain', pki.path('intermediate'), '-key', pki.path(cert, 'key')]);
          stops.push(() => server.close());
          ports.set(`openssl.${name}`, server.port);
        }
      } else if (group === 'mail') {
        const mail = await startMailServers(pki.path(leaf, 'chain.crt'), pki.path(leaf, 'key'), options.mailPasswords, options.authMechanisms);
        stops.push(() => mail.stop());
        result.mail = mail;
        for (const [name, port] of Object.entries(mail.ports)) ports.set(`${name.startsWith('smtp') || name === 'submission' ? 'postfix' : 'dovecot'}.${name}`, port);
      } else if (group === 'nginx') {
        const nginx = await startNginx({ cert: pki.path(leaf, 'chain.crt'), key: pki.path(leaf, 'key'), clientCAs: [pki.path('root'), pki.path('intermediate')], files: options.files ?? {} });
        stops.push(() => nginx.stop());
        result.nginx = nginx;
        for (const [name, port] of Object.entries(nginx.ports)) ports.set(`nginx.${name}`, port);
      } else if (group === 'vsftpd') {
        const vsftpd = await startVsftpd(pki.path(leaf, 'chain.crt'), pki.path(leaf, 'key'), options.ftpAccount);
        stops.push(() => vsftpd.stop());
        result.vsftpd = vsftpd;
        for (const [name, content] of Object.entries(options.files ?? {})) putFile(vsftpd, name, typeof content === 'string' ? Buffer.from(content) : content);
        for (const [name, port] of Object.entries(vsftpd.ports)) ports.set(`vsftpd.${name}`, port);
      } else {
        const proxy = await startProxy(options);
        stops.push(proxy.stop);
        ports.set('proxy.https', proxy.port);
      }
    }
  } catch (error) {
    await result.stop();
    throw error;
  }
  return result;
}
