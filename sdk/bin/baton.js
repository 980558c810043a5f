#!/usr/bin/env node
// The `baton` command: runs the CLI from the built package (dist/), or from the
// TypeScript source when run inside the repository (Node strips the types).
const cli = await import("../dist/cli/index.js").catch((error) => {
  if (error?.code !== "ERR_MODULE_NOT_FOUND") throw error;
  return import("../cli/index.ts");
});
process.exitCode = await cli.main(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
