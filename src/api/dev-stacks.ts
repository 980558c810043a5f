// Stack traces that name your files under `wrangler dev`. The runtime never source-maps
// `Error#stack` (workerd has no source map support), so a stored stack names the dev
// bundle (`.wrangler/tmp/dev-…/index.js:…`). Wrangler's dev server can map one: a
// response carrying Miniflare's error header (`MF-Experimental-Error-Stack`, the one its
// own error middleware sets) is mapped in Node against the bundle's source map, logged
// to the terminal, and answered as the mapped stack text. So, only when a request came to
// a loopback address and a stack names the dev bundle, Baton sends that stack to itself
// through the dev server and shows what comes back; anything else (deployed, another
// server, a failed mapping) keeps the stack as stored. Mapped stacks are remembered per
// isolate, so each is mapped (and logged) once.

import type { Context } from "hono";
import { href, isLoopback } from "../host.ts";

/** Where the Worker answers the dev server's mapping round trip, under the base path. */
export const DEV_STACK_PATH = "/__baton/dev-stack";

const DEV_BUNDLE_FRAME = /\.wrangler[\\/]tmp[\\/]/;
const MAX_REMEMBERED = 500;
const MAX_PER_ANSWER = 50;
const remembered = new Map<string, string>();

/** True for a request the local dev server sent (its host is a loopback address). */
export function isLocalDev(url: URL): boolean {
  return isLoopback(url);
}

/** The JSON text of `c`'s answer with every stack naming the dev bundle mapped to the sources, when the request is local dev; else `text` itself. */
export function devStacksOf(c: Context, text: string): Promise<string> {
  const url = new URL(c.req.url);
  return withDevStacks(text, url, `${url.origin}${href(DEV_STACK_PATH)}`);
}

/** `text` (JSON) with every stack that names the dev bundle mapped, when `url` is local dev; else `text` itself. */
export async function withDevStacks(text: string, url: URL, echoUrl: string): Promise<string> {
  if (!isLocalDev(url) || !DEV_BUNDLE_FRAME.test(text)) return text;
  const value = JSON.parse(text) as unknown;
  const errors: StackHolder[] = [];
  collect(value, errors);
  // One round trip per distinct stack: a step's error is also its last attempt's.
  const distinct = [...new Set(errors.map((error) => error.stack))].slice(0, MAX_PER_ANSWER);
  const answers = new Map(await Promise.all(distinct.map(async (stack) => [stack, await mapped(errors.find((error) => error.stack === stack) as StackHolder, echoUrl)] as const)));
  for (const error of errors) error.stack = answers.get(error.stack) ?? error.stack;
  return JSON.stringify(value);
}

interface StackHolder {
  name?: unknown;
  message?: unknown;
  stack: string;
}

/** Every object under `value` with a `stack` naming the dev bundle. */
function collect(value: unknown, into: StackHolder[]): void {
  if (Array.isArray(value)) for (const item of value) collect(item, into);
  else if (value !== null && typeof value === "object") {
    const stack = (value as { stack?: unknown }).stack;
    if (typeof stack === "string" && DEV_BUNDLE_FRAME.test(stack)) into.push(value as StackHolder);
    for (const item of Object.values(value)) collect(item, into);
  }
}

/** `error.stack` mapped by the dev server, or as it was when it cannot be. */
async function mapped(error: StackHolder, echoUrl: string): Promise<string> {
  const known = remembered.get(error.stack);
  if (known !== undefined) return known;
  try {
    const response = await fetch(echoUrl, {
      method: "POST",
      // Not HTML, not curl: the dev server answers the mapped stack as text rather than a page.
      headers: { "content-type": "application/json", accept: "application/vnd.baton.stack", "user-agent": "baton" },
      body: JSON.stringify({ name: error.name, message: error.message, stack: error.stack }),
      signal: AbortSignal.timeout(5_000),
    });
    const text = await response.text();
    // Not mapped (no dev server in between): the echo itself, JSON, comes back.
    if (response.headers.get("content-type")?.includes("application/json") || !text.includes("\n")) return error.stack;
    const tidy = tidied(text, error.stack);
    if (remembered.size >= MAX_REMEMBERED) remembered.delete(remembered.keys().next().value ?? "");
    remembered.set(error.stack, tidy);
    return tidy;
  } catch {
    return error.stack;
  }
}

/**
 * The mapped stack as a reader wants it: paths relative to the project (the folder
 * holding `.wrangler/`, read from the original frames), without the frames the mapper
 * adds that the runtime never had (Node's own, and async markers it prints as objects).
 */
function tidied(text: string, original: string): string {
  const root = /((?:file:\/\/)?\/[^\s():]*?)[\\/]\.wrangler[\\/]tmp[\\/]/.exec(original)?.[1]?.replace(/^file:\/\//, "");
  return text
    .split("\n")
    .filter((line) => !/^\s+at \[object Object\]$/.test(line) && !(/\(node:[^)]*\)$|^\s+at node:/.test(line) && !original.includes(line.trim())))
    .map((line) => (root ? line.split(`file://${root}/`).join("").split(`${root}/`).join("") : line))
    .join("\n");
}

/** The echo the dev server maps: the error posted, marked as Miniflare's error middleware marks one. Local requests only. */
export async function devStackEcho(c: Context): Promise<Response> {
  if (!isLocalDev(new URL(c.req.url))) return c.json({ error: { code: "not_found", message: "no such route" } }, 404);
  const body = await c.req.text();
  return new Response(body, { status: 500, headers: { "content-type": "application/json", "MF-Experimental-Error-Stack": "true" } });
}
