// The registered workflows and scripts, filled from the generated module list so that
// a file in workflows/ is all it takes to add one.

import { isScript, isWorkflow, taskScript, type Script, type Workflow } from "baton-workflows";
import type { Resolver } from "baton-workflows/engine";
import { parseSchedule, type CronSchedule } from "./schedules/cron.ts";

/** What a generated registry module lists for each file. */
export interface ModuleEntry {
  /** The module's namespace; its default export is what gets registered. */
  module: object;
  /** A hash of the file's source (a workflow's includes its `__mod/` folder). */
  version: string;
  /** True for a file inside a `<name>__mod/` folder: registered only when it is a script. */
  companion: boolean;
}

/** One registered path: a workflow, or a script. */
export type Entry =
  | { kind: "workflow"; name: string; version: string; workflow: Workflow; schedule: CronSchedule | null }
  | { kind: "script"; name: string; version: string; script: Script };

/** Where and why a workflow file does not build, as `baton build` found it. */
export interface BuildFailure {
  file: string;
  line: number;
  column: number;
  message: string;
}

/** A name → workflow or script map built from the generated module list. */
export class Registry implements Resolver {
  private readonly entries = new Map<string, Entry>();
  private readonly failures = new Map<string, BuildFailure>();

  /** Notes the files `baton build` left out because they do not build: requests for them answer why. */
  addBroken(broken: Readonly<Record<string, BuildFailure>>): this {
    for (const [name, failure] of Object.entries(broken)) this.failures.set(name, failure);
    return this;
  }

  /** Why the workflow or script `name` did not build, when that is why it is missing. */
  buildFailure(name: string): BuildFailure | undefined {
    return this.entries.has(name) ? undefined : this.failures.get(name);
  }

  /** Every file left out because it does not build, by name. */
  buildFailures(): [string, BuildFailure][] {
    return [...this.failures].filter(([name]) => !this.entries.has(name)).sort(([a], [b]) => (a < b ? -1 : 1));
  }

  /**
   * Adds every module whose default export is a workflow or a script; warns about other
   * top-level files. Throws, naming the file, for a schedule that is not a cron expression.
   */
  add(modules: Record<string, ModuleEntry>): this {
    for (const [name, { module, version, companion }] of Object.entries(modules)) {
      const value = (module as { default?: unknown }).default;
      if (isScript(value)) this.entries.set(name, { kind: "script", name, version, script: value });
      else if (isWorkflow(value) && !companion) this.entries.set(name, { kind: "workflow", name, version, workflow: value, schedule: scheduleOf(name, value) });
      // Companion modules that are not scripts are plain helpers the workflow imports.
      else if (!companion) console.warn(`baton: workflows/${name}.ts has no default export made by workflow() or script(); it is not registered`);
    }
    return this;
  }

  /**
   * Adds a map from name to `workflow()` or `script()` value, as createBaton() takes
   * it. Each gets its `versions` entry (what `baton build` writes: a hash of its file
   * and companion folder) or else a hash of its body's source. Names inside a
   * `<name>__mod/` folder (or all, with `companions`) are companions: registered only
   * when they are scripts.
   */
  addMap(workflows: Readonly<Record<string, unknown>>, versions: Readonly<Record<string, string>> = {}, companions = false): this {
    const modules: Record<string, ModuleEntry> = {};
    for (const [name, value] of Object.entries(workflows)) {
      const companion = companions || /__mod\//.test(name);
      // Undefined: a file `baton build` listed has no default export; add() warns about it.
      if (!companion && value !== undefined && !isWorkflow(value) && !isScript(value)) throw new Error(`baton: "${name}" in the workflows given to createBaton() is neither a workflow() nor a script()`);
      modules[name] = { module: { default: value }, version: versions[name] ?? sourceVersion(value), companion };
    }
    return this.add(modules);
  }

  /** The workflow or script registered under `name`. */
  entry(name: string): Entry | undefined {
    return this.entries.get(name);
  }

  /**
   * The body a run of `name` executes: a workflow's own, or for a script run (a run
   * of one task) a body that runs the script with the run's input as its args.
   */
  body(name: string): ((input: never) => Promise<unknown>) | undefined {
    const entry = this.entries.get(name);
    if (!entry) return undefined;
    return entry.kind === "workflow" ? entry.workflow.run : (args: unknown) => taskScript(name, args);
  }

  /** The script registered at `path`. */
  script(path: string): Script | undefined {
    const entry = this.entries.get(path);
    return entry?.kind === "script" ? entry.script : undefined;
  }

  /** True when a workflow is registered at `path`. */
  isWorkflow(path: string): boolean {
    return this.entries.get(path)?.kind === "workflow";
  }

  /** All registered entries, sorted by name. */
  list(): Entry[] {
    return [...this.entries.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }
}

function scheduleOf(name: string, workflow: Workflow): CronSchedule | null {
  // A workflow made by an older copy of the SDK has no schedule field.
  const schedule = (workflow as Partial<Workflow>).schedule ?? null;
  if (schedule === null) return null;
  try {
    return parseSchedule(schedule);
  } catch (error) {
    throw new Error(`workflows/${name}.ts: schedule "${schedule.cron}" is not a cron expression Baton can read: ${error instanceof Error ? error.message : String(error)}`);
  }
}

/** A version for code given without one: FNV-1a (64 bits) of its body's source, as 12 hex digits. */
function sourceVersion(value: unknown): string {
  // A script made by an older copy of the package has no source: its wrapper is all there is.
  const body = isWorkflow(value) ? ((value as Partial<Workflow>).source ?? value.run) : isScript(value) ? ((value as Partial<Script>).source ?? value.run) : undefined;
  const text = String(body ?? "");
  let hash = 0xcbf29ce484222325n;
  for (let i = 0; i < text.length; i++) hash = BigInt.asUintN(64, (hash ^ BigInt(text.charCodeAt(i))) * 0x100000001b3n);
  return hash.toString(16).padStart(16, "0").slice(0, 12);
}

/** The Worker's registry; the entry module fills it. */
export const registry = new Registry();
