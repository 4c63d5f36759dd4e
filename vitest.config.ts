import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    projects: ['packages/*', 'tests', 'tests/vitest.alone.config.ts'],
    // Test files run at least three at a time. vitest's default (cores - 1) ran them one by one on
    // the 2-core machines the team and CI use, though most files wait on servers (Dovecot, Postfix,
    // nginx, vsftpd, openssl and GnuTLS peers, child processes) far more than they compute: the sum
    // of file durations was 13 of the run's 17.6 min, and each file's start-up (a fork, imports)
    // ~1 s more. Files share no state: every server listens on a port of its own (ephemeral, or
    // tests/support/daemons.ts's freePort, which gives each worker slot its own range), every
    // daemon lives in a temporary folder of its own; the files that cannot share the machine run alone
    // at the end (tests/vitest.config.ts's ALONE). More than cores - 1 only where that is below 3;
    // at most 16 (freePort has 32 port slices: one per worker slot, offset per checkout).
    maxWorkers: Math.min(16, Math.max(3, availableParallelism() - 1)),
  },
});
