/** Types for runtimes.mjs. */
export declare const RUNTIMES: ReadonlyArray<{ name: string; spec: string; bin: string; args: string[] }>;
export declare function installRuntimes(options?: { log?: (line: string) => void }): Array<{ name: string; command: string; args: string[] }>;
