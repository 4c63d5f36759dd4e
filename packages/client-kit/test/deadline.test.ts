import { describe, expect, it } from 'vitest';
import { OperationDeadline } from '../src/mod.js';

describe('OperationDeadline', () => {
  it('does not expire an operation begun just now by a timer already due in the same timers phase', async () => {
    // Two connections with the same timeout share Node's timer list: when the first one's expiry
    // begins an operation on the second (FTP: a data connection's timeout, then ABOR on the
    // control connection), the second's timer, due in the same phase, used to fire into it.
    const fired: string[] = [];
    let second: OperationDeadline;
    const expired = new Promise<void>((resolve) => {
      const first = new OperationDeadline(50, () => {
        fired.push('first');
        queueMicrotask(() => second.begin());
        resolve();
      });
      first.begin();
    });
    second = new OperationDeadline(50, () => fired.push('second'));
    second.begin();
    second.end();
    await expired;
    await new Promise((resolve) => setImmediate(resolve));
    expect(fired).toEqual(['first']);
    second.end();
    second.dispose();
  });
});
