// `baton build`: writes the map of a project's workflows that createBaton() takes, so
// the `workflows/` folder convention needs no hand-kept list. Every `workflows/<path>.ts`
// becomes an entry named `<path>`, and every file in a companion folder
// `workflows/<name>__mod/` with a default export a script entry (registered only when
// it is a script). Each carries a version: a hash of its source (a workflow's includes
// its companion folder). Run by wrangler's [build] command (dev and deploy) and before
// tests, so adding a file is all a user does. A file that does not build (a syntax
// error, an import that does not resolve: checked with esbuild, which wrangler brings),
// that has no default export, or whose schedule is not a cron expression is left out of
// the map and listed in `broken` with its file, line, column and message, so the Worker
// answers for it at once (503 workflow_build_failed) and every other workflow runs; a
// strict build (`wrangler deploy`, or --strict) fails instead, naming the file. Node only.

import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, sep } from "node:path";
import { checkDeclaredSchedule } from "./declared-schedule.mjs";

/** esbuild from the project (wrangler depends on it), or null when it cannot be found: the files are then not test-built. */
function projectEsbuild() {
  try {
    return createRequire(join(process.cwd(), "package.json"))("esbuild");
  } catch {
    return null;
  }
}

/** Why `file` (and what it imports by relative path) does not build, as {line, column, message}; null when it does. */
function buildProblem(esbuild, file) {
  if (!esbuild) return null;
  try {
    // Wrangler's default module rules, so a text or wasm import that deploys is not called broken.
    const loader = { ".txt": "text", ".html": "text", ".sql": "text", ".bin": "binary", ".wasm": "binary" };
    esbuild.buildSync({ entryPoints: [file], bundle: true, write: false, packages: "external", platform: "neutral", format: "esm", logLevel: "silent", loader });
    return null;
  } catch (error) {
    const first = error?.errors?.[0];
    if (!first) return { file, line: 1, column: 1, message: String(error?.message ?? error) };
    return { file: first.location?.file ? join(process.cwd(), first.location.file) : file, line: first.location?.line ?? 1, column: (first.location?.column ?? 0) + 1, message: first.text };
  }
}

/**
 * Lists registrable files under `dir`: `.ts` files, not tests or declarations, not in
 * hidden folders. `companion` is true for files inside a `<name>__mod/` folder.
 */
export function listWorkflowFiles(dir) {
  const found = [];
  const walk = (current, companion) => {
    let entries;
    try {
      entries = readdirSync(current, { withFileTypes: true });
    } catch {
      return;
    }
    for (const entry of entries) {
      const full = join(current, entry.name);
      if (entry.isDirectory()) {
        if (!entry.name.startsWith(".")) walk(full, companion || entry.name.endsWith("__mod"));
      } else if (/\.ts$/.test(entry.name) && !/\.(test|spec|d)\.ts$/.test(entry.name)) {
        found.push({ file: full, companion });
      }
    }
  };
  walk(dir, false);
  return found.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/**
 * The registered path and version of every file under `sourceDir`: what `baton build`
 * writes, and what `baton worker` registers. A workflow's version covers its companion
 * folder: changing a helper there changes the workflow.
 */
export function workflowFiles(sourceDir) {
  const files = listWorkflowFiles(sourceDir);
  return files.map(({ file, companion }) => {
    const own = companion ? [file] : [file, ...files.filter((f) => f.file.startsWith(`${file.slice(0, -3)}__mod${sep}`)).map((f) => f.file)];
    return { file, companion, name: relative(sourceDir, file).split(sep).join("/").replace(/\.ts$/, ""), version: versionOf(own, sourceDir) };
  });
}

/** A short hash of the files' paths and contents: the version of the code they hold. */
function versionOf(files, sourceDir) {
  const hash = createHash("sha256");
  for (const file of files) hash.update(`${relative(sourceDir, file).split(sep).join("/")}\u0000${readFileSync(file, "utf8")}\u0000`);
  return hash.digest("hex").slice(0, 12);
}

/**
 * Writes a module importing every workflow file, keyed by its registered path, and
 * listing the files that do not build. `strict` (default: under `wrangler deploy`)
 * throws for a file that does not build, naming it, instead of listing it.
 */
export function buildRegistry(sourceDir = join(process.cwd(), "workflows"), outFile = join(process.cwd(), "src/generated/workflows.ts"), { strict = /^(deploy|versions)/.test(process.env.WRANGLER_COMMAND ?? "") } = {}) {
  const files = workflowFiles(sourceDir);
  const esbuild = projectEsbuild();
  const lines = [
    `// Generated by \`baton build\` from the files in ${relative(process.cwd(), sourceDir).split(sep).join("/") || "."}/. Do not edit.`,
    "",
  ];
  const entries = [];
  const workflows = [];
  const scripts = [];
  const versions = [];
  const broken = [];
  files.forEach(({ file, companion, name, version }, i) => {
    const shown = relative(process.cwd(), file).split(sep).join("/");
    const source = readFileSync(file, "utf8");
    let problem = buildProblem(esbuild, file);
    if (!problem && !companion && !/^export default /m.test(source)) problem = { file, line: 1, column: 1, message: "it has no default export: export default workflow(async (input) => { ... })" };
    if (!problem && !companion) {
      try {
        checkDeclaredSchedule(shown, source);
      } catch (error) {
        // Pointed at the `schedule:` key, where the fix goes.
        const at = /\bschedule\s*:/.exec(source)?.index ?? 0;
        const before = source.slice(0, at).split("\n");
        problem = { file, line: before.length, column: (before.at(-1)?.length ?? 0) + 1, message: String(error instanceof Error ? error.message : error).replace(`${shown}: `, "") };
      }
    }
    if (problem) {
      const where = `${relative(process.cwd(), problem.file).split(sep).join("/")}:${problem.line}:${problem.column}`;
      if (strict) throw new Error(`${where}: ${problem.message}`);
      // The first thing the terminal shows of the build, in a few lines.
      console.error(`baton: ${name} is left out until it builds: ${where}: ${problem.message}`);
      broken.push(`  ${JSON.stringify(name)}: ${JSON.stringify({ file: relative(process.cwd(), problem.file).split(sep).join("/"), line: problem.line, column: problem.column, message: problem.message })},`);
      return;
    }
    const spec = relative(dirname(outFile), file).split(sep).join("/");
    lines.push(`import * as m${i} from ${JSON.stringify(spec.startsWith(".") ? spec : `./${spec}`)};`);
    entries.push(`  ${JSON.stringify(name)}: { module: m${i}, version: ${JSON.stringify(version)}, companion: ${companion} },`);
    versions.push(`  ${JSON.stringify(name)}: ${JSON.stringify(version)},`);
    // A companion is registered only when its default export is a script; helpers without one are left out.
    if (!companion) workflows.push(`  ${JSON.stringify(name)}: m${i}.default,`);
    else if (/^export default /m.test(source)) scripts.push(`  ${JSON.stringify(name)}: m${i}.default,`);
  });
  lines.push(
    "",
    "/** Every workflow and script, by name: `createBaton({ workflows, scripts, versions })`. */",
    "export const workflows = {",
    ...workflows,
    "};",
    "",
    "/** Scripts in companion folders (`<name>__mod/`). */",
    "export const scripts: Record<string, unknown> = {",
    ...scripts,
    "};",
    "",
    "/** Each file's version: a hash of its source (a workflow's includes its companion folder). */",
    "export const versions: Record<string, string> = {",
    ...versions,
    "};",
    "",
    "/** Files left out because they do not build, with where and why: the Worker answers for them with 503 workflow_build_failed. */",
    "export const broken: Record<string, { file: string; line: number; column: number; message: string }> = {",
    ...broken,
    "};",
    "",
    "/** The same, as the registry's module list. */",
    "export const modules: Record<string, { module: object; version: string; companion: boolean }> = {",
    ...entries,
    "};",
    "",
  );
  const text = lines.join("\n");
  mkdirSync(dirname(outFile), { recursive: true });
  let previous = "";
  try {
    previous = readFileSync(outFile, "utf8");
  } catch {}
  // Rewriting an unchanged file would make wrangler's watcher rebuild in a loop.
  if (previous !== text) writeFileSync(outFile, text);
  return files.length;
}

