import { defineProject } from 'vitest/config';

export default defineProject({ test: { name: '@unitls/smtp', include: ['src/**/*.test.ts', 'test/**/*.test.ts'] } });
