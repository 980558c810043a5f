// What a taskScript() call runs: the registered script at its path, as a task closure,
// with the script's own options overridden by the caller's. With cacheTtl and no
// cacheKey, the args are the cache key.

import type { Closure } from "../context.ts";
import { ScriptNotFoundError } from "../errors.ts";
import { resolveTaskOptions, type ResolvedTaskOptions, type TaskOptions } from "../options.ts";
import type { NewCall, Resolver } from "./execution-types.ts";
import { toJson } from "./json.ts";

/** A script call resolved: its closure, its options, and what the host records of it. */
export interface ScriptCall<T> {
  fn: Closure<T>;
  options: ResolvedTaskOptions;
  script: () => NonNullable<NewCall["script"]>;
}

/** The script call of `path` with `args`, or the ScriptNotFoundError its caller rejects with. */
export function scriptCall<T>(resolver: Resolver, path: string, args: unknown, callOptions: TaskOptions | undefined, notFoundHint: string): ScriptCall<T> | ScriptNotFoundError {
  const found = resolver.script(path);
  if (!found) {
    return new ScriptNotFoundError(`taskScript("${path}"): no script is registered at workflows/${path}.ts (its default export must be script(...))${notFoundHint}`);
  }
  const options = resolveTaskOptions({ ...found.options, ...callOptions }, "taskScript");
  if (options.cacheTtl !== undefined && callOptions?.cacheKey === undefined && found.options?.cacheKey === undefined) {
    options.cacheKey = args ?? null;
  }
  return {
    fn: (context) => found.run(args, context) as Promise<T>,
    options,
    script: () => ({ path, args: toJson(args, `the args of script "${path}"`) }),
  };
}
