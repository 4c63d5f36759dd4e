/**
 * The thin loop under FTP: moves bytes between the control connection (a ClientConnection of
 * @unitls/client-kit) and the sans-IO FTPConnection, one operation (one deadline) per reply and
 * per write, and publishes what crosses on the diagnostics channels (passwords redacted). A
 * protocol error closes the connection before it is raised. Internal: not exported.
 *
 * @module
 */
import type { ClientConnection } from '@unitls/client-kit';
import { FTPConnectionError } from './errors.js';
import { FTPConnection, NEED_DATA, type FTPCommand, type FTPEvent, type ReplyEvent } from './protocol/connection.js';
import type { Reply, ReplyLimits } from './protocol/replies.js';

export class Session {
  readonly io: ClientConnection;
  readonly #limits: ReplyLimits;
  #core: FTPConnection | null = null;

  constructor(io: ClientConnection, limits: ReplyLimits) {
    this.io = io;
    this.#limits = limits;
  }

  /** A fresh core for a new connection. */
  reset(): FTPConnection {
    this.#core = new FTPConnection(this.#limits);
    return this.#core;
  }

  /** The core, when connected. @throws FTPConnectionError */
  get core(): FTPConnection {
    if (!this.io.connected) throw this.io.closedError();
    if (this.#core === null) throw new FTPConnectionError('not connected: run connect() first');
    return this.#core;
  }

  /** The core of the last connection, if any (state inspection after close). */
  get lastCore(): FTPConnection | null {
    return this.#core;
  }

  /** Encodes `command` (usage errors before anything is sent) and writes it as one operation. */
  async send(command: FTPCommand, signal: AbortSignal | undefined): Promise<void> {
    const bytes = this.core.send(command);
    // What a timeout names: the verb only.
    this.io.command = command.verb.toUpperCase();
    if (this.io.tracesCommands) this.io.publishCommand(FTPConnection.trace(command));
    await this.io.run(() => this.io.send(bytes), signal);
  }

  /** The next event, read as one operation; a protocol error closes the connection first. */
  async event(signal: AbortSignal | undefined): Promise<FTPEvent> {
    const core = this.core;
    let event: FTPEvent;
    try {
      event = await this.io.nextEvent<FTPEvent>(core, NEED_DATA, signal);
    } catch (error) {
      // The next call's "not connected" says why (the server's last words, a timeout).
      await this.io.close(true, error);
      throw error;
    }
    if (event.type === 'reply' && this.io.tracesReplies) this.io.publishReply(event.reply.text);
    return event;
  }

  /** The next reply. @throws FTPConnectionError when the server closed instead */
  async reply(signal: AbortSignal | undefined): Promise<ReplyEvent> {
    const event = await this.event(signal);
    if (event.type === 'reply') return event;
    const error = new FTPConnectionError(event.type === 'closed' ? 'the server closed the connection' : 'the connection resynchronised where a reply was awaited');
    await this.io.close(true, error);
    throw error;
  }

  /** One command and its reply. */
  async exchange(command: FTPCommand, signal: AbortSignal | undefined): Promise<Reply> {
    await this.send(command, signal);
    return (await this.reply(signal)).reply;
  }
}
