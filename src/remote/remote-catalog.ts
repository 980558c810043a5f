// What workers serve, as the Worker's code asks for it: the whole catalog from the
// WorkerDirectory, remembered for a few seconds per isolate so a burst of starts or
// dispatches asks once. Without the directory's binding (a deployment that runs no
// workers) nothing is remote and nothing is asked.

import { script, ScriptNotFoundError, taskScript, type Script } from "baton-workflows";
import type { Resolver } from "baton-workflows/engine";
import type { Env } from "../env.ts";
import type { RemoteEntry } from "./worker-directory.ts";

/** How long an answer is reused: a new worker's names are seen within this. */
const REMEMBER_MS = 5_000;

/** What workers serve, by name. */
export type RemoteCatalog = ReadonlyMap<string, RemoteEntry>;

let remembered: { entries: RemoteCatalog; until: number } | undefined;

/** The directory's one object. */
export function directoryOf(env: Env) {
  if (!env.WORKERS) return null;
  return env.WORKERS.get(env.WORKERS.idFromName("directory"));
}

/** Everything workers serve (empty when workers are not set up); throws when the directory cannot be read. */
export async function readCatalog(env: Env, now = Date.now()): Promise<RemoteCatalog> {
  const directory = directoryOf(env);
  if (!directory) return new Map();
  if (remembered && remembered.until > now) return remembered.entries;
  const entries = new Map((await directory.catalog()).map((entry) => [entry.name, entry] as const));
  remembered = { entries, until: now + REMEMBER_MS };
  return entries;
}

/** The workflow or script `name` some worker serves; null when none does (or workers are not set up). */
export async function remoteEntry(env: Env, name: string, now = Date.now()): Promise<RemoteEntry | null> {
  return (await readCatalog(env, now)).get(name) ?? null;
}

/** As readCatalog, but a directory that cannot be read answers what was read last (or nothing), logged. */
export async function remoteCatalog(env: Env, now = Date.now()): Promise<RemoteCatalog> {
  try {
    return await readCatalog(env, now);
  } catch (error) {
    console.error(`baton: the worker directory could not be read: ${error instanceof Error ? error.message : String(error)}`);
    return remembered?.entries ?? new Map();
  }
}

/** Forgets what was read (a worker just registered): the next read asks the directory. */
export function forgetRemote(): void {
  remembered = undefined;
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
