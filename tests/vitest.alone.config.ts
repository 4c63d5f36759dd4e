import { defineProject } from 'vitest/config';
import { ALONE } from './vitest.config.js';

// The files of tests/ that run alone (see ALONE): maxWorkers 1 puts them in vitest's sequential
// group, which runs after every other file.
export default defineProject({
  test: {
    name: 'tests (alone)',
    include: ALONE,
    maxWorkers: 1,
    testTimeout: 30_000,
    hookTimeout: 60_000,
  },
});
