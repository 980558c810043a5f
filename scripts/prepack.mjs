// Builds the baton-workflows package before `npm pack` (sdk/'s prepack): JavaScript and
// declarations for the author API (sdk/) and the Worker host (src/) into sdk/dist/, with
// JSX compiled, and the licence and changelog beside them. The tarball ships no sources.

import { execFileSync } from "node:child_process";
import { copyFileSync, rmSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const sdk = join(root, "sdk");

rmSync(join(sdk, "dist"), { recursive: true, force: true });
execFileSync(join(root, "node_modules/.bin/tsc"), ["-p", "tsconfig.build.json"], { cwd: sdk, stdio: "inherit" });
for (const file of ["LICENSE", "CHANGELOG.md"]) copyFileSync(join(root, file), join(sdk, file));
