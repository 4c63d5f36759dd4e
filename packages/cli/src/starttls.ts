/**
 * `--starttls PROTOCOL`: the plain dialogue up to the TLS upgrade, done by the real protocol
 * clients (@unitls/smtp, imap, pop, ftp) through their public API, so the CLI upgrades exactly as
 * they do. Each client package is imported only when its protocol is asked for.
 */
import type { TLSClientConfiguration, TLSImplementation, TLSSocket } from '@unitls/tls-core';

export const STARTTLS_PROTOCOLS = ['smtp', 'imap', 'pop3', 'ftp'] as const;
export type StartTlsProtocol = (typeof STARTTLS_PROTOCOLS)[number];

/** The protocol whose STARTTLS port this is by IANA assignment (RFC 6409 submission, RFC 3501, RFC 1939, RFC 959). */
const STARTTLS_PORTS: ReadonlyMap<number, StartTlsProtocol> = new Map([[25, 'smtp'], [587, 'smtp'], [143, 'imap'], [110, 'pop3'], [21, 'ftp']]);

/** The --starttls to try for a server that answered a ClientHello in plain text (trial 10, finding 12). */
export function startTlsAdvice(port: number): string {
  const known = STARTTLS_PORTS.get(port);
  return known === undefined
    ? `; for a STARTTLS service add --starttls PROTOCOL (${STARTTLS_PROTOCOLS.join(', ')})`
    : `; port ${port} is ${known.toUpperCase()}'s: add --starttls ${known}`;
}

export interface StartTlsOptions {
  host: string;
  port: number;
  serverHostname: string;
  implementation: TLSImplementation;
  configuration: TLSClientConfiguration;
  /** Milliseconds for connecting and for each reply, handshake included. */
  timeout: number;
}

/** An upgraded session: its TLS socket, the server's greeting, and how to leave politely. */
export interface StartTlsSession {
  socket: TLSSocket;
  greeting: string;
  close(): Promise<void>;
}

/** The common surface of the four clients that the CLI uses. */
interface Client {
  connect(): Promise<unknown>;
  readonly tlsSocket: TLSSocket | null;
  close(force?: boolean): Promise<void>;
}

/** The clients' advice for a server that never spoke ("use SMTP_SSL or security: ..."), said in the CLI's terms. */
function forCommandLine(error: unknown): unknown {
  if (!(error instanceof Error) || error.name !== 'TimeoutError') return error;
  const advice = /(it may expect TLS at once \(an implicit-TLS port\); ).*$/s;
  if (!advice.test(error.message)) return error;
  // The client's own timeout error (SMTPTimeoutError, ...), its type and fields kept: only its advice changes.
  error.message = error.message.replace(advice, '$1connect without --starttls');
  return error;
}

async function open(client: Client, goodbye: () => Promise<unknown>): Promise<StartTlsSession> {
  let greeting: unknown;
  try {
    greeting = await client.connect();
  } catch (error) {
    await client.close(true).catch(() => {});
    throw forCommandLine(error);
  }
  const socket = client.tlsSocket;
  if (socket === null) {
    await client.close(true);
    throw new Error('the client finished connecting without TLS');
  }
  const text = typeof greeting === 'string' ? greeting : ((greeting as { text?: string } | undefined)?.text ?? '');
  return {
    socket,
    greeting: text.split(/\r?\n/)[0] ?? '',
    close: async () => {
      await goodbye().catch(() => client.close(true));
    },
  };
}

/** Connects with the protocol's client, upgrades to TLS (verified) and returns the session. */
export async function openStartTls(protocol: StartTlsProtocol, options: StartTlsOptions): Promise<StartTlsSession> {
  const { host, port, serverHostname, implementation, configuration, timeout } = options;
  const common = { host, port, serverHostname, implementation, configuration, timeout };
  switch (protocol) {
    case 'smtp': {
      const { SMTP } = await import('@unitls/smtp');
      const client = new SMTP(common); // STARTTLS required by default
      return open(client, () => client.quit());
    }
    case 'imap': {
      const { IMAP4 } = await import('@unitls/imap');
      const client = new IMAP4(common);
      return open(client, () => client.logout());
    }
    case 'pop3': {
      const { POP3 } = await import('@unitls/pop');
      const client = new POP3(common);
      return open(client, () => client.quit());
    }
    case 'ftp': {
      const { FTP_TLS } = await import('@unitls/ftp');
      const client = new FTP_TLS(common);
      return open(client, () => client.quit());
    }
  }
}
