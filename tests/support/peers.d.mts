/** Types for peers.mjs (plain JavaScript so .ci/run and npm's pretest run it without a build). */
export declare const PEERS: ReadonlyArray<readonly [pkg: string, probe: string]>;
export declare function missingPeers(packages?: string[]): string[];
export declare function peerMissing(packages: string[], options?: { needsRoot?: string }): string | null;
export declare function ensurePeers(options?: { log?: (line: string) => void }): string[];
