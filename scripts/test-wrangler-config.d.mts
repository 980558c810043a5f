/** Writes the test copy of wrangler.toml and returns its path, relative to the project. */
export function writeTestWranglerConfig(): string;
/** Writes a copy of wrangler.toml for a `wrangler dev` of entry `main` (relative to `out`'s folder), without the [build] step; returns its path. */
export function writeDevWranglerConfig(out: string, main: string): string;
/** Writes the test copy without the BATON_PAYLOADS bucket; returns its path. */
export function writeTestWranglerConfigWithoutPayloads(): string;
