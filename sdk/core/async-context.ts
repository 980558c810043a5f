// Carries the running workflow's context across awaits, so primitives need no
// context argument. AsyncLocalStorage exists on Workers (nodejs_compat), Deno and
// Node; the TC39 AsyncContext proposal will replace it where it lands.

import { AsyncLocalStorage } from "node:async_hooks";
import { installContextSource, type ContextSource, type RunContext } from "../context.ts";

/** The context carrier shared by every engine instance in this isolate. */
export const contexts: ContextSource = installContextSource(new AsyncLocalStorage<RunContext>());
