#!/usr/bin/env node
// The `baton` command. Inside the repository it runs the TypeScript source (Node ≥ 22.18
// strips the types), so a stale dist/ from an earlier `npm pack` is never used; the
// published package ships no sources and runs the built dist/.
const missing = (error) => error?.code === "ERR_MODULE_NOT_FOUND" || error?.code === "ERR_UNKNOWN_FILE_EXTENSION";
let cli;
try {
  cli = await import("../cli/index.ts");
} catch (error) {
  if (!missing(error)) throw error;
  try {
    cli = await import("../dist/cli/index.js");
  } catch (built) {
    if (!missing(built)) throw built;
    process.stderr.write(`baton: this Node (${process.version}) cannot run the command from source and no build is here; run it with npx (the project's Node) or Node 22.18 or later\n`);
    process.exit(1);
  }
}
process.exitCode = await cli.main(process.argv.slice(2), {
  env: process.env,
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
