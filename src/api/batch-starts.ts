// Many starts at once (`POST /api/runs/batch`, createBaton().startMany, BatonService.startMany):
// each item goes through startRun, so every check, error code and idempotency rule is the
// single start's, and a bad item is answered on its own while the others start. The
// starts run BATCH_CONCURRENCY at a time: each is a round trip to its own run object,
// which leaves its listing and its first task messages to the batch. The batch sends
// those in full queue batches as they come (batch-sends.ts); once all are started it
// lists the runs, one call per list shard (batch-listing.ts), and answers once every
// run is listed.

import type { BatchStartAnswer } from "baton-workflows/client";
import type { Env } from "../env.ts";
import { ApiError } from "./api-error.ts";
import { BATCH_CONCURRENCY, BatchStartItem, MAX_BATCH_RUNS } from "./batch-schemas.ts";
import { parse } from "./request-body.ts";
import { startRun } from "./run-actions.ts";
import type { Listed } from "../run-list/index-sync.ts";
import { listBatch } from "../run-list/batch-listing.ts";
import { BatchSends } from "./batch-sends.ts";

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
  const started: Listed[] = [];
  const sends = new BatchSends(env);
  let next = 0;
  // A fixed pool of workers taking the next item: at most BATCH_CONCURRENCY starts in flight, answers kept in item order.
  const worker = async (): Promise<void> => {
    while (next < items.length) {
      const index = next++;
      answers[index] = await answerOf(env, items[index], options, fromCode, started, sends);
    }
  };
  await Promise.all(Array.from({ length: Math.min(BATCH_CONCURRENCY, items.length) }, worker));
  const [unlisted] = await Promise.all([listBatch(env, started).then((ids) => new Set(ids)), sends.flush()]);
  // A shard that could not be written: each of its runs lists itself (as a single start would) before the batch answers.
  if (unlisted.size > 0) await Promise.all([...unlisted].map((id) => listedByItself(env, id, answers)));
  return answers;
}

/** One item's answer: its run, or the error the single start would have answered, as data. A started run joins `started`, to be listed, and its first tasks `sends`. */
async function answerOf(env: Env, item: unknown, options: BatchOptions, fromCode: boolean, started: Listed[], sends: BatchSends): Promise<BatchStartAnswer> {
  try {
    const { workflow, input, idempotencyKey, id, debounce, singleton } = checkedItem(item, fromCode);
    const start = await startRun(env, workflow, input, { idempotencyKey: idempotencyKey ?? null, id, origin: options.origin, traceparent: options.traceparent, debounce, singleton, inlineInput: true, batched: true });
    // A debounced or singleton item's gate listed its run already (revision null).
    if (start.revision !== null) started.push({ run: start.run, revision: start.revision });
    sends.add(start.sends);
    return { status: start.created ? 201 : 200, run: start.run };
  } catch (error) {
    return internalOr(error);
  }
}

/** A run the batch's listing missed, listed by its own run object; if that fails too, its items answer 500 (the run's alarm lists it within the liveness window; a retry with the key finds it). */
async function listedByItself(env: Env, id: string, answers: BatchStartAnswer[]): Promise<void> {
  try {
    await env.RUNS.get(env.RUNS.idFromName(id)).summary();
  } catch (error) {
    const refused = internalOr(error);
    for (const [i, answer] of answers.entries()) if ("run" in answer && answer.run.id === id) answers[i] = refused;
  }
}

/** The API error as an item's answer; anything else (not the caller's doing: a run object that failed to answer) as 500 for this item alone. */
function internalOr(error: unknown): BatchStartAnswer {
  if (error instanceof ApiError) return { status: error.status, ...error.body() };
  const message = error instanceof Error ? `${error.name}: ${error.message}` : String(error);
  console.error(`baton: a batch start failed: ${message}`);
  return { status: 500, error: { code: "internal_error", message: "internal error; see the Worker's logs; retry the item (with its idempotencyKey it starts nothing twice)" } };
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
