/**
 * nginx from Debian for HTTP interop tests and benchmarks, after ../shared/interop/servers.sh:
 * plain HTTP, HTTPS with h2 and http/1.1 by ALPN, HTTPS with http/1.1 only, and HTTPS requiring
 * a client certificate. Ports are picked free; everything lives in a temporary folder removed at
 * stop. Needs the Debian package nginx (tests/support/peers.mjs installs it).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, waitForDaemon } from './daemons.js';
import { reapOnDeath } from './reaper.js';
import { peerMissing } from './peers.mjs';

export const NGINX = '/usr/sbin/nginx';

export interface Nginx {
  dir: string;
  /** Static files served, by path without the leading slash. */
  www: string;
  /**
   * `limited`: h2 and http/1.1, each connection serving at most `requestsPerConnection` requests (when asked for);
   * `streams`: h2 and http/1.1 with SETTINGS_MAX_CONCURRENT_STREAMS `maxConcurrentStreams` (when asked for).
   */
  ports: { http: number; h2: number; h1: number; mtls: number; limited?: number; streams?: number };
  /**
   * The requests the `limited` port served, one "<connection number> <method> <uri>" line each
   * (nginx's access log, written as each request ends); empty without `requestsPerConnection`.
   */
  limitedLog(): string[];
  stop(): Promise<void>;
}

export interface NginxOptions {
  /** PEM files: the server's chain and key, and the CAs trusted for client certificates. */
  cert: string;
  key: string;
  clientCAs: string[];
  /** Static files to serve (name -> content). */
  files?: Record<string, Uint8Array | string>;
  /**
   * Adds the `limited` port, whose connections serve this many requests each (keepalive_requests):
   * over HTTP/2 nginx then sends GOAWAY with the last stream it took and skips later streams.
   */
  requestsPerConnection?: number;
  /** Adds the `streams` port, whose HTTP/2 connections take this many streams at once (http2_max_concurrent_streams). */
  maxConcurrentStreams?: number;
}

/** Why nginx cannot run here, or null when it can. */
export function nginxUnavailable(): string | null {
  return peerMissing(['nginx']);
}

export async function startNginx(options: NginxOptions): Promise<Nginx> {
  const dir = mkdtempSync(join(tmpdir(), 'unitls-nginx-'));
  chmodSync(dir, 0o755);
  const www = join(dir, 'www');
  for (const sub of ['www', 'tmp', 'logs']) mkdirSync(join(dir, sub), { recursive: true });
  chmodSync(www, 0o755);
  // Test-only material, world-readable so nginx's unprivileged workers can read it when run as root.
  const material = { 'server.crt': readFileSync(options.cert), 'server.key': readFileSync(options.key), 'clients.crt': options.clientCAs.map((f) => readFileSync(f, 'utf8')).join('') };
  for (const [name, content] of Object.entries(material)) {
    writeFileSync(join(dir, name), content);
    chmodSync(join(dir, name), 0o644);
  }
  for (const [name, content] of Object.entries({ 'index.html': 'hello nginx\n', ...options.files })) {
    writeFileSync(join(www, name), content);
    chmodSync(join(www, name), 0o644);
  }
  const limit = options.requestsPerConnection;
  const streams = options.maxConcurrentStreams;
  const ports = {
    http: await freePort(),
    h2: await freePort(),
    h1: await freePort(),
    mtls: await freePort(),
    ...(limit === undefined ? {} : { limited: await freePort() }),
    ...(streams === undefined ? {} : { streams: await freePort() }),
  };
  const common = `
    location = /hello    { return 200 "hello $server_protocol $ssl_protocol\\n"; }
    location = /redirect { return 302 /hello; }
    location = /method   { return 200 "$request_method $content_length\\n"; }
    location = /headers  { add_header X-Multi one; add_header X-Multi two; return 204; }
    location = /upload-limit { client_max_body_size 1k; return 200 "took it\\n"; }`;
  /** An h2 + http/1.1 server block on `port` with `directives`, or nothing without a port. */
  const extraServer = (port: number | undefined, directives: string) =>
    port === undefined
      ? ''
      : `
  server {
    listen 127.0.0.1:${port} ssl http2;
    ${directives}${common}
  }`;
  const limitedLog = join(dir, 'logs', 'limited.log');
  const limited = extraServer(ports.limited, `keepalive_requests ${limit};
    access_log ${limitedLog} counted;`);
  const streamsServer = extraServer(ports.streams, `http2_max_concurrent_streams ${streams};`);
  writeFileSync(
    join(dir, 'nginx.conf'),
    `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/logs/error.log warn;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path       ${dir}/tmp/proxy;
  fastcgi_temp_path     ${dir}/tmp/fastcgi;
  uwsgi_temp_path       ${dir}/tmp/uwsgi;
  scgi_temp_path        ${dir}/tmp/scgi;
  types { text/html html; application/octet-stream bin; }
  default_type application/octet-stream;
  root ${www};
  keepalive_requests 100000;
  log_format counted '$connection $request_method $request_uri';
  ssl_certificate     ${dir}/server.crt;
  ssl_certificate_key ${dir}/server.key;
  ssl_protocols TLSv1.2 TLSv1.3;
  server {
    listen 127.0.0.1:${ports.http};${common}
  }
  server {
    listen 127.0.0.1:${ports.h2} ssl http2;${common}
  }
  server {
    listen 127.0.0.1:${ports.h1} ssl;${common}
  }
  server {
    listen 127.0.0.1:${ports.mtls} ssl http2;
    ssl_client_certificate ${dir}/clients.crt;
    ssl_verify_client optional;
    ssl_verify_depth 3;
    location = /hello {
      if ($ssl_client_verify != SUCCESS) { return 403 "no client certificate: $ssl_client_verify\\n"; }
      return 200 "hello $ssl_client_s_dn\\n";
    }
  }${limited}${streamsServer}
}
`,
  );
  const nginx: ChildProcess = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'logs', 'error.log'), '-g', 'daemon off;'], { stdio: 'ignore' });
  const exited = new Promise((resolve) => nginx.once('exit', resolve));
  // Dies with the test process however it ends (see reaper.ts); SIGTERM to the master ends its workers.
  const forget = reapOnDeath(...(nginx.pid === undefined ? [] : [{ kill: nginx.pid }]), { remove: dir });
  const errorLog = join(dir, 'logs', 'error.log');
  try {
    await waitForDaemon(nginx, Object.values(ports), 'nginx', () => (existsSync(errorLog) ? readFileSync(errorLog, 'utf8').slice(-2048) : ''));
  } catch (error) {
    if (nginx.exitCode === null) nginx.kill('SIGTERM');
    await exited;
    rmSync(dir, { recursive: true, force: true });
    forget();
    throw error;
  }
  return {
    dir,
    www,
    ports,
    limitedLog: () => (existsSync(limitedLog) ? readFileSync(limitedLog, 'utf8').split('\n').filter((line) => line !== '') : []),
    async stop() {
      if (nginx.exitCode === null) nginx.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
      forget();
    },
  };
}
