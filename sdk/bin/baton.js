#!/usr/bin/env node
// The `baton` command. Inside the repository it runs the TypeScript source (Node ≥ 22.18
// strips the types), so a stale dist/ from an earlier `npm pack` is never used; the
// published package ships no sources and runs the built dist/.
const cli = await import("../cli/index.ts").catch((error) => {
  if (error?.code !== "ERR_MODULE_NOT_FOUND" && error?.code !== "ERR_UNKNOWN_FILE_EXTENSION") throw error;
  return import("../dist/cli/index.js");
});
process.exitCode = await cli.main(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
