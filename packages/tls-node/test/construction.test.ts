import { describe, expect, it } from 'vitest';
import { NodeListener, NodeTLSSocket } from '../src/mod.js';

describe('tls-node socket classes (PEP 748: "TLSSockets should not be constructed by the user")', () => {
  it.each([
    ['NodeTLSSocket', NodeTLSSocket],
    ['NodeListener', NodeListener],
  ] as const)('%s cannot be built with new: a TypeError says where sockets come from', (name, Class) => {
    const build = () => new (Class as unknown as new (...args: unknown[]) => unknown)();
    expect(build).toThrow(TypeError);
    expect(build).toThrow(new RegExp(`^${name} is not constructed by users .*ClientContext\\.connect\\(\\)`));
    // Not even with plausible arguments: only the package's own token opens the constructor.
    expect(() => new (Class as unknown as new (...args: unknown[]) => unknown)(Symbol('guess'), {}, {}, null)).toThrow(TypeError);
  });
});
