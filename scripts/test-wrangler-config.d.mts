/** Writes the test copy of wrangler.toml and returns its path, relative to the project. */
export function writeTestWranglerConfig(): string;
