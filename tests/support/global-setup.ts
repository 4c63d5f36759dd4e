import { rmSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { generatePki } from './pki.js';

declare module 'vitest' {
  export interface ProvidedContext {
    pkiDir: string;
  }
}

export default async function setup(project: TestProject): Promise<() => void> {
  const dir = await generatePki();
  project.provide('pkiDir', dir);
  return () => rmSync(dir, { recursive: true, force: true });
}
