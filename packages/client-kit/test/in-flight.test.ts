/**
 * InFlight's tracking of the calls of a client without a gate (POP3, FTP): close() marks every call
 * it ends handled, however many came after it (review 10: only the last 8 were kept, so a waiting
 * call pushed out by later ones rejected unhandled; tests/clients/close-during-call runs the same
 * against POP3 and FTP), a call is untracked as soon as it ends (session 11 kept each through a
 * WeakRef until a full collection: ~2.5 µs per call and every result promoted to the old
 * generation), and failures close() did not cause still reach the caller or Node's report.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { InFlight, trackCalls } from '../src/in-flight.js';

const turn = () => new Promise((resolve) => setImmediate(resolve));

let unhandled: unknown[] = [];
const record = (reason: unknown): void => {
  unhandled.push(reason);
};
beforeEach(() => {
  unhandled = [];
  process.on('unhandledRejection', record);
});
afterEach(() => {
  process.off('unhandledRejection', record);
});

/** A client without a gate, as POP3 and FTP: each call's end is not observed by the client. */
class Client {
  readonly calls = new InFlight();
  pending: Array<(error: Error) => void> = [];
  wait(): Promise<never> {
    return new Promise<never>((_, reject) => this.pending.push(reject));
  }
  async value(n: number): Promise<number> {
    return n;
  }
  async fail(message: string): Promise<never> {
    throw new Error(message);
  }
}
trackCalls(Client.prototype, ['wait', 'value', 'fail'], (client) => client.calls);

describe('InFlight.follow (trackCalls)', () => {
  it('a call followed by 20 more is still marked handled when close() ends it', async () => {
    const client = new Client();
    const waiting = client.wait();
    const later = Array.from({ length: 20 }, (_, i) => client.value(i));
    client.calls.endedByClose();
    client.pending[0]!(new Error('closed by close()'));
    await turn();
    await turn();
    expect(unhandled).toEqual([]);
    await expect(waiting).rejects.toThrow('closed by close()');
    expect(await Promise.all(later)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('keeps no call that ended: 1000 calls awaited leave none tracked, without a collection', async () => {
    const client = new Client();
    for (let i = 0; i < 1000; i++) expect(await client.value(i)).toBe(i);
    const waiting = client.wait();
    expect(client.calls.size).toBe(1);
    client.pending[0]!(new Error('ended'));
    await expect(waiting).rejects.toThrow('ended');
    expect(client.calls.size).toBe(0);
  });

  it('a failure close() did not cause is reported unhandled once, with its own error, when nobody handles it', async () => {
    const client = new Client();
    void client.fail('lost connection');
    await turn();
    await turn();
    expect(unhandled.map((e) => (e as Error).message)).toEqual(['lost connection']);
    expect(client.calls.size).toBe(0);
  });

  it('the caller gets the same error object the method raised', async () => {
    const client = new Client();
    const error = await client.fail('refused').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toBe('refused');
    expect(unhandled).toEqual([]);
  });
});
