import { defineProject } from 'vitest/config';

/**
 * Files that must run with no other file beside them (the project in vitest.alone.config.ts runs
 * them one by one after every other file): packed-install runs `npm run pack`, whose turbo build
 * (a cache hit) writes every package's dist/ anew while other files import from it.
 */
export const ALONE = ['smoke/packed-install.test.ts'];

export default defineProject({
  test: {
    name: 'tests',
    include: ['**/*.test.ts'],
    exclude: ['node_modules/**', ...ALONE],
    globalSetup: ['support/global-setup.ts'],
    // Generous bounds: CI machines are small and run many suites at once; tests never wait on time.
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
