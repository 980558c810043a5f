// Many starts at once (`POST /api/runs/batch`, createBaton().startMany, BatonService.startMany):
// each item goes through startRun, so every check, error code and idempotency rule is the
// single start's, and a bad item is answered on its own while the others start. The
// starts run BATCH_CONCURRENCY at a time: each is a round trip to its own run object.

import type { BatchStartAnswer } from "baton-workflows/client";
import type { Env } from "../env.ts";
import { ApiError } from "./api-error.ts";
import { BATCH_CONCURRENCY, BatchStartItem, MAX_BATCH_RUNS } from "./batch-schemas.ts";
import { parse } from "./request-body.ts";
import { startRun } from "./run-actions.ts";

/** One start of a batch, from code: the run's workflow and input, and its key or id (not both). */
export interface BatchItem {
  workflow: string;
  input?: unknown;
  idempotencyKey?: string | undefined;
  /** From code only (the HTTP API names runs by key): the run's own id. */
  id?: string | undefined;
  /** As POST /api/runs's body takes them (start-schemas.ts). */
  debounce?: unknown;
  singleton?: unknown;
}

/** What applies to every item of a batch: approval links' origin and the caller's trace. */
export interface BatchOptions {
  origin?: string | null | undefined;
  traceparent?: string | null | undefined;
}

/** Starts each item as POST /api/runs would, answering each in order; throws only for a batch that is not 1 to MAX_BATCH_RUNS items. */
export async function startMany(env: Env, items: readonly unknown[], options: BatchOptions = {}, fromCode = false): Promise<BatchStartAnswer[]> {
  if (!Array.isArray(items) || items.length < 1 || items.length > MAX_BATCH_RUNS) {
    throw new ApiError(400, "invalid_request", `a batch is 1 to ${MAX_BATCH_RUNS} starts; split larger ones`);
  }
  const answers = new Array<BatchStartAnswer>(items.length);
  let next = 0;
  // A fixed pool of workers taking the next item: at most BATCH_CONCURRENCY starts in flight, answers kept in item order.
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      answers[index] = await answerOf(env, items[index], options, fromCode);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, items.length) }, worker));
  return answers;
}

/** One item's answer: its run, or the error the single start would have answered, as data. */
async function answerOf(env: Env, item: unknown, options: BatchOptions, fromCode: boolean): Promise<BatchStartAnswer> {
  try {
    const { workflow, input, idempotencyKey, id, debounce, singleton } = checkedItem(item, fromCode);
    const started = await startRun(env, workflow, input, { idempotencyKey: idempotencyKey ?? null, id, origin: options.origin, traceparent: options.traceparent, debounce, singleton, inlineInput: true });
    return { status: started.created ? 201 : 200, run: started.run };
  } catch (error) {
    if (error instanceof ApiError) return { status: error.status, ...error.body() };
    // Not the caller's doing (a run object that failed to answer): this item alone is refused, the others stand.
    const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
    console.error(`baton: a batch start failed: ${message}`);
    return { status: 500, error: { code: "internal_error", message: "internal error; see the Worker's logs; retry the item (with its idempotencyKey it starts nothing twice)" } };
  }
}

/** The item as a start, or 400 invalid_request naming what is wrong with it. */
function checkedItem(item: unknown, fromCode: boolean): BatchItem {
  // Code may name a run by id, as start() does; the HTTP item is strict (an unknown key is a slip).
  if (fromCode && typeof item === "object" && item !== null && "id" in item) {
    const { id, ...rest } = item as { id: unknown };
    if (id !== undefined && typeof id !== "string") throw new ApiError(400, "invalid_request", "a run id is a string");
    return { ...parse(BatchStartItem, rest), id: id as string | undefined };
  }
  // Strict: an unknown field is refused.
  return parse(BatchStartItem, item);
}
