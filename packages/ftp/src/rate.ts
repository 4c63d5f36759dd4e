/**
 * The bound on a data transfer: a minimum rate, measured over windows of `timeout` milliseconds of
 * waiting on the server. A per-read timer re-armed by every byte (what FTP clients usually do)
 * lets a server dripping one byte a second keep a transfer alive for ever; a total deadline would
 * fail every large download on a slow link. Time spent in the caller's sink or source is not
 * waiting on the server and is not counted. One interval timer per transfer, none per read.
 *
 * @module
 */

import { FTPTimeoutError } from './errors.js';

/** Called once when the transfer is too slow, with the FTPTimeoutError to end it with. */
export type StallHandler = (reason: FTPTimeoutError) => void;

/** What a {@link TransferClock} bounds, for its error: which way the bytes go and the command's verb. */
export interface ClockedTransfer {
  readonly direction: 'download' | 'upload';
  /** The transfer command's verb (RETR, STOR, LIST, ...). */
  readonly verb: string;
}

export class TransferClock {
  readonly #window: number;
  readonly #minRate: number;
  readonly #onStall: StallHandler;
  readonly #transfer: ClockedTransfer;
  readonly #timer: ReturnType<typeof setInterval> | null;
  /** Milliseconds spent waiting on the server in this window (ended waits). */
  #waited = 0;
  /** When the wait in progress started, or -1. */
  #since = -1;
  #moved = 0;
  /** Bytes moved since the transfer began (the error says how much did). */
  #total = 0;
  #stalled = false;

  /**
   * @param window - the window in milliseconds (the client's timeout); Infinity: no bound.
   * @param minRate - bytes per second; 0 asks only for some progress in each window.
   * @param transfer - the direction and the command's verb, named by the error.
   */
  constructor(window: number, minRate: number, onStall: StallHandler, transfer: ClockedTransfer) {
    if (!(minRate >= 0)) throw new RangeError(`limits.minTransferRate must be a non-negative number of bytes per second, got ${minRate}`);
    this.#window = window;
    this.#minRate = minRate;
    this.#onStall = onStall;
    this.#transfer = transfer;
    this.#timer = Number.isFinite(window) && window > 0 ? setInterval(this.#tick, window) : null;
    // The sockets keep the process alive while a transfer runs; the clock must not.
    this.#timer?.unref();
  }

  /**
   * A wait on the server starts (a read or write on the data connection): the time until
   * {@link stop} is the server's. A pair of calls rather than a wrapper around the wait's promise,
   * so the per-chunk loop awaits the read itself and nothing more.
   */
  start(): void {
    this.#since = performance.now();
  }

  /** The wait begun by {@link start} is over (however it ended). */
  stop(): void {
    if (this.#since < 0) return;
    this.#waited += performance.now() - this.#since;
    this.#since = -1;
  }

  /** Waits for `work`, counting the time as the server's. */
  async wait<T>(work: Promise<T>): Promise<T> {
    this.start();
    try {
      return await work;
    } finally {
      this.stop();
    }
  }

  /** Bytes moved. */
  moved(bytes: number): void {
    this.#moved += bytes;
    this.#total += bytes;
  }

  /** Stops the clock (the transfer is over). */
  dispose(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
  }

  readonly #tick = (): void => {
    const now = performance.now();
    let waited = this.#waited;
    if (this.#since >= 0) {
      waited += now - this.#since;
      this.#since = now;
    }
    const moved = this.#moved;
    this.#waited = 0;
    this.#moved = 0;
    // Mostly the caller's own time (a slow sink): nothing to hold against the server.
    if (this.#stalled || waited < this.#window / 2) return;
    const required = Math.max(1, (this.#minRate * waited) / 1000);
    if (moved >= required) return;
    this.#stalled = true;
    const rule = `below limits.minTransferRate (${this.#minRate} bytes/s over each ${this.#window} ms window)`;
    const { direction, verb } = this.#transfer;
    const what = `the ${verb.toUpperCase()} data`;
    const ms = Math.round(waited);
    const total = this.#total;
    const message =
      direction === 'download'
        ? `timed out receiving ${what}: the data connection moved ${moved} bytes in ${ms} ms of waiting, ${rule}; ${total} bytes had come in all; the data connection was closed and ABOR sent`
        : moved === 0
          ? `timed out sending ${what}: the server took none of it for ${ms} ms of waiting (${total} bytes had gone out before): it stopped reading, ${rule}; the data connection was closed and ABOR sent`
          : `timed out sending ${what}: the server took ${moved} bytes of it in ${ms} ms of waiting (${total} bytes in all), ${rule}; the data connection was closed and ABOR sent`;
    this.#onStall(
      new FTPTimeoutError(`FTP data connection ${message}`, {
        timeout: this.#window,
        phase: direction === 'download' ? 'read' : 'write',
        command: verb.toUpperCase(),
        cause: new DOMException(`${moved} bytes in ${ms} ms, ${rule}`, 'TimeoutError'),
      }),
    );
  };
}
