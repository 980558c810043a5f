// The run object's values kept in BATON_PAYLOADS, beyond what the machinery keeps on
// its own: which value a download route streams (the run's input or output, a step's
// output), and a child's large output made the parent's own before it settles the
// parent's flow step (so erasing the child leaves the parent's reference whole). A layer
// of the run object between pausing and reading events.

import { toErrorData, type PayloadRef, type RunOutcome } from "baton-workflows/engine";
import { Pausable } from "./pausing.ts";

/** Which value of a run a download asks for. */
export type KeptValueRequest = { of: "input" } | { of: "output" } | { of: "step"; key: string };

/** Where that value is: kept by reference, inline (its JSON text; null for none), or not there. */
export type KeptValue = { status: "kept"; ref: PayloadRef } | { status: "inline"; json: string | null } | { status: "no_run" } | { status: "no_step" } | { status: "not_completed" };

/** The run object's kept values. */
export abstract class KeptValues extends Pausable {
  /** Where the run's input, output or a step's output is, for a route that streams it. */
  async keptValue(request: KeptValueRequest): Promise<KeptValue> {
    const run = this.store.run();
    if (!run) return { status: "no_run" };
    if (request.of === "input") return run.inputRef ? { status: "kept", ref: run.inputRef } : inline(run.input);
    if (request.of === "output") {
      if (run.status !== "completed") return { status: "not_completed" };
      return run.outputRef ? { status: "kept", ref: run.outputRef } : inline(run.output);
    }
    const step = this.store.steps.step(request.key);
    if (!step || step.kind === "cancel") return { status: "no_step" };
    if (step.status !== "completed") return { status: "not_completed" };
    return step.resultRef ? { status: "kept", ref: step.resultRef } : inline(step.result);
  }

  /** A child's end with its large output copied under this run's prefix; a copy that fails fails the flow step. */
  protected async adoptEnd(end: RunOutcome): Promise<RunOutcome> {
    const run = this.store.run();
    if (!run || end.status !== "completed" || !end.outputRef) return end;
    if (!this.payloads) return { status: "failed", error: { name: "PayloadError", message: "the child run's output is kept in BATON_PAYLOADS, which this Worker does not bind" } };
    try {
      return { status: "completed", output: undefined, outputRef: await this.payloads.copy(end.outputRef, run.id, "child-output") };
    } catch (error) {
      return { status: "failed", error: { name: "PayloadError", message: `the child run's output could not be copied: ${toErrorData(error).message}` } };
    }
  }
}

function inline(value: unknown): KeptValue {
  return { status: "inline", json: value === undefined ? null : JSON.stringify(value) };
}
