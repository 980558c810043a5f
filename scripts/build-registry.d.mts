/** Lists registrable workflow files under `dir`. */
export function listWorkflowFiles(dir: string): { file: string; companion: boolean }[];
/** Writes the registry module for the workflows in `sourceDir`; returns how many it found. */
export function buildRegistry(sourceDir?: string, outFile?: string, options?: { strict?: boolean }): number;
/** Writes the Worker's, the tests' and the benchmark's registries. */
export function buildAllRegistries(): void;
