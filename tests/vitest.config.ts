import { defineProject } from 'vitest/config';

export default defineProject({
  test: {
    name: 'tests',
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**'],
    globalSetup: ['support/global-setup.ts'],
    // Generous bounds: CI machines are small and run many suites at once; tests never wait on time.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
