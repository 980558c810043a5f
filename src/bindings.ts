// The bindings Baton needs from the hosting Worker, checked once per env object, so a
// config missing one fails with a message naming it (and how to add it) instead of a
// TypeError deep in a request.

import type { Env } from "./env.ts";
import { HOST_CONFIG } from "./host-config.ts";

/** The bindings every Baton Worker has, with what each is. */
export const REQUIRED_BINDINGS: Readonly<Record<string, string>> = {
  ...Object.fromEntries(HOST_CONFIG.durableObjects.map(({ binding, className }) => [binding, `the ${className} Durable Object`])),
  ...Object.fromEntries(HOST_CONFIG.queueProducers.map(({ binding, queue }) => [binding, `the ${queue} queue producer`])),
};

const checked = new WeakSet<object>();

/** `env` as Baton's bindings, or an error naming those missing. */
export function bindingsOf(env: unknown): Env {
  if (typeof env !== "object" || env === null) throw new Error("baton: the Worker's env was not passed to Baton's handler");
  if (checked.has(env)) return env as Env;
  const missing = Object.keys(REQUIRED_BINDINGS).filter((name) => !(name in env));
  if (missing.length > 0) {
    throw new Error(
      `baton: the Worker has no ${missing.map((name) => `${name} (${REQUIRED_BINDINGS[name]})`).join(", ")} binding; run \`npx baton init\` to add what Baton needs to wrangler.toml, or \`npx baton doctor\` to see what is missing`,
    );
  }
  checked.add(env);
  return env as Env;
}
