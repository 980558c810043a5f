// A start with a `debounce` or `singleton` option, from every way in (POST /api/runs, a
// batch item, createBaton().start, BatonService.start): the options checked once here,
// then handed to the gate object of (option, workflow, key), which serialises the starts
// of one key (src/runs/start-gate.ts). One option per start, and no Idempotency-Key or
// id beside it: the key already names what a repeat reaches.

import { validate, type Workflow } from "baton-workflows";
import type { Json } from "baton-workflows/engine";
import { registry } from "../registry.ts";
import type { Env } from "../env.ts";
import { gateName, type GateAnswer, type GateRequest } from "../runs/start-gate.ts";
import { normalTraceparent } from "../telemetry/traceparent.ts";
import { ApiError } from "./api-error.ts";
import { parse } from "./request-body.ts";
import { debounceMs, DebounceOption, SingletonOption } from "./start-schemas.ts";

/** A start's flow-control options, as a caller gives them (checked here: code callers are not typed at runtime). */
export interface StartFlow {
  debounce?: unknown;
  singleton?: unknown;
}

/** True when the start asks for flow control. */
export function hasFlow(options: StartFlow): boolean {
  return options.debounce !== undefined || options.singleton !== undefined;
}

/** Passes the start through its key's gate; 400 invalid_request for options that do not go together or do not parse. */
export async function gatedStart(
  env: Env,
  workflow: string,
  input: Json | undefined,
  options: StartFlow & { idempotencyKey?: string | null | undefined; id?: string | undefined; origin?: string | null | undefined; traceparent?: string | null | undefined },
  kind: "workflow" | "script",
): Promise<GateAnswer> {
  if (kind === "script") throw new ApiError(400, "invalid_request", "a script run takes no debounce or singleton option; start a workflow that runs it");
  if (options.debounce !== undefined && options.singleton !== undefined) {
    throw new ApiError(400, "invalid_request", "give a start debounce or singleton, not both: a debounced run is already the only pending one of its key");
  }
  if ((options.idempotencyKey ?? null) !== null || options.id !== undefined) {
    throw new ApiError(400, "invalid_request", "a start with debounce or singleton takes no Idempotency-Key or run id: its key decides which run a start reaches; leave the Idempotency-Key out");
  }
  // Checked before the gate is reached, whatever the option would do: a bad input is refused even where it would start nothing.
  const entry = registry.entry(workflow);
  const schema = entry?.kind === "workflow" ? ((entry.workflow as Partial<Workflow>).input ?? null) : null;
  const checked = schema ? await validate(schema, input) : null;
  if (checked && !checked.ok) return { created: false, invalid: checked.issues };
  const request = { workflow, input, origin: options.origin ?? null, traceparent: normalTraceparent(options.traceparent) };
  let gated: GateRequest;
  if (options.debounce !== undefined) {
    const debounce = parse(DebounceOption, options.debounce);
    const flow = { kind: "debounce" as const, periodMs: debounceMs(debounce.period) ?? 0, maxDelayMs: debounce.maxDelay === undefined ? null : (debounceMs(debounce.maxDelay) ?? 0) };
    gated = { ...request, gate: gateName("debounce", workflow, debounce.key), flow };
  } else {
    const singleton = parse(SingletonOption, options.singleton);
    gated = { ...request, gate: gateName("singleton", workflow, singleton.key), flow: { kind: "singleton", mode: singleton.mode } };
  }
  return env.RUNS.get(env.RUNS.idFromName(gated.gate)).gate(gated);
}
