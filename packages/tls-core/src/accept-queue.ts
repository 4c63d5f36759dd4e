/**
 * The queue behind a listening TLSSocket: handshakes finish in any order and each one, success or
 * failure, is handed to the next `accept()` (as Python's accept raises per failed connection).
 * At most `backlog` finished connections wait; beyond that new ones are refused, as a full
 * kernel backlog would.
 */
export class AcceptQueue<T extends { close(force?: boolean): Promise<void> }> {
  #ready: Array<{ ok: true; value: T } | { ok: false; error: unknown }> = [];
  #waiters: Array<{ resolve: (value: T) => void; reject: (error: unknown) => void }> = [];
  #closedError: Error | null = null;
  backlog: number;

  constructor(backlog = 128) {
    this.backlog = backlog;
  }

  /** True when another finished connection may be queued. */
  get hasRoom(): boolean {
    return this.#waiters.length > 0 || this.#ready.length < this.backlog;
  }

  push(result: { ok: true; value: T } | { ok: false; error: unknown }): void {
    if (this.#closedError !== null) {
      if (result.ok) void result.value.close(true);
      return;
    }
    const waiter = this.#waiters.shift();
    if (waiter === undefined) {
      if (this.#ready.length >= this.backlog) {
        if (result.ok) void result.value.close(true);
        return;
      }
      this.#ready.push(result);
    } else if (result.ok) waiter.resolve(result.value);
    else waiter.reject(result.error);
  }

  next(): Promise<T> {
    const result = this.#ready.shift();
    if (result !== undefined) return result.ok ? Promise.resolve(result.value) : Promise.reject(result.error);
    if (this.#closedError !== null) return Promise.reject(this.#closedError);
    return new Promise((resolve, reject) => this.#waiters.push({ resolve, reject }));
  }

  /** Rejects pending accepts with `error` and closes connections nobody accepted. */
  close(error: Error): void {
    this.#closedError = error;
    for (const waiter of this.#waiters.splice(0)) waiter.reject(error);
    for (const result of this.#ready.splice(0)) if (result.ok) void result.value.close(true);
  }
}
