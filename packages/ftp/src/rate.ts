/**
 * The bound on a data transfer: a minimum rate, measured over windows of `timeout` milliseconds of
 * waiting on the server. A per-read timer re-armed by every byte (what FTP clients usually do)
 * lets a server dripping one byte a second keep a transfer alive for ever; a total deadline would
 * fail every large download on a slow link. Time spent in the caller's sink or source is not
 * waiting on the server and is not counted. One interval timer per transfer, none per read.
 *
 * @module
 */

/** Called once when the transfer is too slow, with the TimeoutError to end it with. */
export type StallHandler = (reason: DOMException) => void;

export class TransferClock {
  readonly #window: number;
  readonly #minRate: number;
  readonly #onStall: StallHandler;
  readonly #upload: string | undefined;
  readonly #timer: ReturnType<typeof setInterval> | null;
  /** Milliseconds spent waiting on the server in this window (ended waits). */
  #waited = 0;
  /** When the wait in progress started, or -1. */
  #since = -1;
  #moved = 0;
  #stalled = false;

  /**
   * @param window - the window in milliseconds (the client's timeout); Infinity: no bound.
   * @param minRate - bytes per second; 0 asks only for some progress in each window.
   * @param upload - for an upload, what it sends ("the STOR data"), named when the server stalls it.
   */
  constructor(window: number, minRate: number, onStall: StallHandler, upload?: string) {
    if (!(minRate >= 0)) throw new RangeError(`limits.minTransferRate must be a non-negative number of bytes per second, got ${minRate}`);
    this.#window = window;
    this.#minRate = minRate;
    this.#onStall = onStall;
    this.#upload = upload;
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
    const upload = this.#upload;
    this.#onStall(
      new DOMException(
        upload === undefined
          ? `the data connection moved ${moved} bytes in ${Math.round(waited)} ms of waiting, ${rule}`
          : moved === 0
            ? `the server took none of ${upload} for ${Math.round(waited)} ms of waiting: it stopped reading, ${rule}; the data connection was closed and ABOR sent`
            : `the server took ${moved} bytes of ${upload} in ${Math.round(waited)} ms of waiting, ${rule}; the data connection was closed and ABOR sent`,
        'TimeoutError',
      ),
    );
  };
}
