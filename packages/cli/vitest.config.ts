import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '@unitls/cli', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } });
