// Updates in the run object: an update (defineUpdate) is recorded in the log as an
// outcome of its own with the next delivery place and handed to the live body, whose
// handler runs at that place — as it will in every replay. The handler's answer is
// written into the update's entry once the body is at rest after it (here, at each
// flush, and before the run ends), once. With the body at rest when the update
// arrives, an update the body has not defined, or whose validator refuses it, is
// refused before anything is recorded; a body not at rest within UPDATE_WAIT_MS gets
// it recorded unchecked, answered later (GET …/updates/{id}). A layer of the run
// object between its queries and its RPC surface.

import { isTerminal, readUpdate, recordUpdate, storeAnswers, updatesOfExecution, type Execution, type Json, type RunOutcome, type UpdateView } from "baton-workflows/engine";
import { errorSummary } from "./run-events.ts";
import { MAX_RUN_STEPS } from "./limits.ts";
import { Queryable } from "./querying.ts";

/** How long an update's call waits for the body to come to rest and for the answer, before it is answered `pending`. */
export const UPDATE_WAIT_MS = 20_000;

/** What sending an update came to. `view` is UpdateView JSON text (RPC cannot type its free-form JSON). */
export type UpdateResult =
  | { status: "answered"; view: string }
  | { status: "pending"; updateId: string }
  | { status: "run_not_found" }
  | { status: "run_not_active" }
  | { status: "update_unavailable"; message: string }
  | { status: "update_not_found"; names: string[] }
  | { status: "update_rejected"; message: string }
  | { status: "idempotency_conflict" };

/** The Idempotency-Key record of an update, in the inbox's table of event keys: the space keeps it apart from any event's key. */
const onceKey = (key: string): string => `update ${key}`;

const pause = (ms: number): Promise<false> => new Promise((resolve) => setTimeout(() => resolve(false), ms));

/** `work`, or false once `ms` passed; the timer is cleared when the work wins, so no timer outlives the call. */
async function within<T>(work: Promise<T>, ms: number): Promise<T | false> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  try {
    return await Promise.race([work, new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), Math.max(0, ms))))]);
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/** The run object's updates. */
export abstract class Updatable extends Queryable {
  /**
   * Sends the update `name` with `arg` to the body; answers its result once the body ran
   * the handler (within UPDATE_WAIT_MS), else pending. With `once` (its Idempotency-Key
   * and the request's fingerprint), a repeat answers as the first and applies nothing.
   */
  async update(name: string, arg: Json | null, once?: { key: string; fingerprint: string }): Promise<UpdateResult> {
    const deadline = Date.now() + (this.faults.updateWaitMs ?? UPDATE_WAIT_MS);
    const run = this.store.run();
    if (!run) return { status: "run_not_found" };
    const repeat = this.repeated(once, deadline);
    if (repeat) return repeat;
    if (isTerminal(run.status)) return { status: "run_not_active" };
    if (run.bodyQueue) return { status: "update_unavailable", message: `run ${run.id}'s body runs on workers you run (${run.language ?? "another language"}), not in the Worker; updates reach TypeScript bodies only` };
    if (run.status === "paused") return { status: "update_unavailable", message: `run ${run.id} is paused: resume it, then send the update` };
    this.ensureExecution();
    const execution = this.execution;
    if (!execution) return { status: "update_unavailable", message: `run ${run.id} cannot take updates now: its workflow's file does not build, or the workflow is not deployed` };
    // At rest: nothing is being handed to the body, so the update is the next thing it hears.
    let rested = !execution.delivering;
    while (!rested && Date.now() < deadline) rested = await within(execution.idle().then(() => !execution.delivering), deadline - Date.now());
    // A retry with the key may have come while this one waited: the first recorded wins.
    const raced = this.repeated(once, deadline);
    if (raced) return raced;
    const now = this.store.run();
    if (!now || isTerminal(now.status)) return { status: "run_not_active" };
    if (this.execution !== execution) return { status: "update_unavailable", message: `run ${run.id} was paused while the update waited for its body; resume it, then send the update again` };
    if (rested) {
      const handlers = updatesOfExecution(execution);
      if (!handlers.has(name)) return { status: "update_not_found", names: handlers.names() };
      const refusal = handlers.refusal(name, arg, execution.environment);
      if (refusal) return { status: "update_rejected", message: refusal };
    }
    const maxSteps = this.faults.limits?.steps ?? MAX_RUN_STEPS;
    if (this.store.steps.count() >= maxSteps) return { status: "update_unavailable", message: `run ${run.id} holds ${maxSteps} steps, the most one run may; it takes no more updates` };
    const id = crypto.randomUUID();
    const at = Date.now();
    const settled = recordUpdate(this.store.steps, id, name, arg, at);
    if (once) this.store.inbox.remember(onceKey(once.key), { fingerprint: once.fingerprint, deliveredTo: id }, at);
    this.deliver([settled]);
    this.afterEvent();
    return this.answerOf(id, deadline);
  }

  /** Where update `id` stands: UpdateView JSON text, or "no_run" / "no_update". */
  async updateStatus(id: string): Promise<string | "no_run" | "no_update"> {
    if (!this.store.run()) return "no_run";
    if (this.execution && !this.execution.delivering) this.keepAnswers(this.execution);
    const view = readUpdate(this.store.steps, id);
    return view ? JSON.stringify(view) : "no_update";
  }

  /** For an Idempotency-Key already used: the first update's answer (or a conflict); undefined for a new key. */
  private repeated(once: { key: string; fingerprint: string } | undefined, deadline: number): Promise<UpdateResult> | undefined {
    const first = once && this.store.inbox.sent(onceKey(once.key));
    if (!first) return undefined;
    if (first.fingerprint !== once.fingerprint || !first.deliveredTo) return Promise.resolve({ status: "idempotency_conflict" });
    // The body rebuilt by replay (if the object was cut off) runs the first's handler again where it was recorded.
    this.ensureExecution();
    return this.answerOf(first.deliveredTo, deadline);
  }

  /** Waits (until `deadline`) for the body to run update `id`'s handler; its answer, or pending. */
  private async answerOf(id: string, deadline: number): Promise<UpdateResult> {
    for (;;) {
      const execution = this.execution;
      if (execution && !execution.delivering) this.keepAnswers(execution);
      const view: UpdateView | undefined = readUpdate(this.store.steps, id);
      if (view && view.status !== "pending") return { status: "answered", view: JSON.stringify(view) };
      const left = deadline - Date.now();
      if (left <= 0 || !execution) return { status: "pending", updateId: id };
      // At rest and still no answer (the body is busy with a long burst): look again shortly.
      if (!execution.delivering) await pause(Math.min(250, left));
      else await within(execution.idle(), left);
    }
  }

  /** Writes the answers the body's handlers gave into their updates' entries, each told as a run.update event. */
  private keepAnswers(execution: Execution): void {
    if (!this.store.run()) return;
    storeAnswers(this.store.steps, execution, (key, view) => {
      const data: { [field: string]: Json } = { name: view.name, status: view.status, updateId: view.updateId };
      if (view.status === "failed") data.error = errorSummary(view.error);
      this.store.events.append("run.update", { key, data });
    });
  }

  /** Stores the answers with every flush (the body is at rest then). */
  protected override async flush(): Promise<void> {
    if (this.execution) this.keepAnswers(this.execution);
    return super.flush();
  }

  /** Stores the last answers before the run ends. */
  protected override finish(execution: Execution | undefined, end: RunOutcome): void {
    if (execution !== undefined && execution === this.execution) this.keepAnswers(execution);
    super.finish(execution, end);
  }
}
