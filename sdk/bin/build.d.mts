/** Lists registrable workflow files under `dir`. */
export function listWorkflowFiles(dir: string): { file: string; companion: boolean }[];
/** Writes the registry module for the workflows in `sourceDir` (default ./workflows) to `outFile` (default ./src/generated/workflows.ts); returns how many it found. */
export function buildRegistry(sourceDir?: string, outFile?: string, options?: { strict?: boolean }): number;
/** The registered path and version of every workflow file under `sourceDir`. */
export function workflowFiles(sourceDir: string): { file: string; companion: boolean; name: string; version: string }[];
