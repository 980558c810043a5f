// What workers serve, as the Worker's code asks for it: one workflow or script by name,
// or the whole catalog, from the WorkerDirectory, remembered for a few seconds per
// isolate so a burst of starts or dispatches asks once. Without the directory's
// binding (a deployment that runs no workers) nothing is remote and nothing is asked.

import { script, ScriptNotFoundError, taskScript, type Script } from "baton-workflows";
import type { Resolver } from "baton-workflows/engine";
import type { Env } from "../env.ts";
import type { RemoteEntry } from "./worker-directory.ts";

/** How long an answer is reused: a new worker's names are seen within this. */
const REMEMBER_MS = 5_000;

/** What workers serve, by name. */
export type RemoteCatalog = ReadonlyMap<string, RemoteEntry>;

const remembered = new Map<string, { entry: RemoteEntry | null; until: number }>();
let catalog: { entries: RemoteCatalog; until: number } | undefined;

/** The directory's one object. */
export function directoryOf(env: Env) {
  if (!env.WORKERS) return null;
  return env.WORKERS.get(env.WORKERS.idFromName("directory"));
}

/** The workflow or script `name` some worker serves; null when none does (or workers are not set up). */
export async function remoteEntry(env: Env, name: string, now = Date.now()): Promise<RemoteEntry | null> {
  const directory = directoryOf(env);
  if (!directory) return null;
  const known = remembered.get(name);
  if (known && known.until > now) return known.entry;
  const entry = await directory.lookup(name);
  if (remembered.size > 1_000) remembered.clear();
  remembered.set(name, { entry, until: now + REMEMBER_MS });
  return entry;
}

/** Everything workers serve; empty when workers are not set up, or the directory cannot be reached (logged). */
export async function remoteCatalog(env: Env, now = Date.now()): Promise<RemoteCatalog> {
  const directory = directoryOf(env);
  if (!directory) return new Map();
  if (catalog && catalog.until > now) return catalog.entries;
  try {
    const entries = new Map((await directory.catalog()).map((entry) => [entry.name, entry] as const));
    catalog = { entries, until: now + REMEMBER_MS };
    return entries;
  } catch (error) {
    console.error(`baton: the worker directory could not be read: ${error instanceof Error ? error.message : String(error)}`);
    return catalog?.entries ?? new Map();
  }
}

/** Forgets what was remembered of `names` (a worker just registered them). */
export function forgetRemote(names: string[]): void {
  for (const name of names) remembered.delete(name);
  catalog = undefined;
}

// Stands for a script a worker runs: the Worker never calls it (its tasks go to the worker's queue).
const elsewhere = script(() => {
  throw new ScriptNotFoundError("this script runs on a worker you run, not in this Worker");
});

/** The Worker's own resolver, extended with what workers serve: the Worker's own names win. */
export function withRemote(local: Resolver, remote: RemoteCatalog): Resolver {
  if (remote.size === 0) return local;
  return {
    script: (path): Script | undefined => local.script(path) ?? (remote.get(path)?.kind === "script" ? elsewhere : undefined),
    isWorkflow: (path) => local.isWorkflow(path) || remote.get(path)?.kind === "workflow",
  };
}

/** The queue of the worker that runs the script at `path`, when a worker serves it and this Worker does not. */
export function scriptQueue(local: Resolver, remote: RemoteCatalog, path: string): string | null {
  if (local.script(path)) return null;
  const entry = remote.get(path);
  return entry?.kind === "script" ? entry.queue : null;
}

/** The body of a script run of `name` when a worker serves the script (one task, which goes to its queue); undefined otherwise. */
export function remoteScriptBody(remote: RemoteCatalog, name: string): ((args: never) => Promise<unknown>) | undefined {
  return remote.get(name)?.kind === "script" ? (args: unknown) => taskScript(name, args) : undefined;
}
