// The run object's values kept in BATON_PAYLOADS, beyond what the machinery keeps on
// its own: which value a download route streams (the run's input or output, a step's
// output), and a child's large output made the parent's own before it settles the
// parent's flow step (so erasing the child leaves the parent's reference whole). A layer
// of the run object between pausing and reading events.

import { isTerminal, toErrorData, type Json, type PayloadRef, type RunOutcome, type StepRecord } from "baton-workflows/engine";
import { StartGates } from "./start-gate.ts";
import type { StartRequest } from "./run-api.ts";
import type { RunRow } from "./run-store.ts";
import { heldPayloadBytes, overRunPayloads } from "../payloads/kept-outcomes.ts";

/** Which value of a run a download asks for. */
export type KeptValueRequest = { of: "input" } | { of: "output" } | { of: "step"; key: string };

/** Where that value is: kept by reference, inline (its JSON text; null for none), or not there. */
export type KeptValue = { status: "kept"; ref: PayloadRef } | { status: "inline"; json: string | null } | { status: "no_run" } | { status: "no_step" } | { status: "not_completed" };

/** The run object's kept values. */
export abstract class KeptValues extends StartGates {
  /** The load of a kept input in flight, before the execution can be built. */
  private loadingInput: Promise<void> | undefined;

  /**
   * An execution needs the input: one kept in BATON_PAYLOADS and not in memory (after an
   * eviction) is loaded first, then the execution is built; an input that cannot be loaded fails the run.
   */
  protected override ensureExecution(): void {
    const run = this.store.run();
    const ref = run?.inputRef;
    // Only an execution about to be built needs it: not one alive, nor a run ended, paused or driven by a worker.
    if (this.execution || !run || !ref || run.input !== undefined || isTerminal(run.status) || run.status === "paused" || run.bodyQueue) return super.ensureExecution();
    this.loadingInput ??= this.loadValue(ref)
      .then(
        (value) => this.store.keepInput(ref, value),
        (error: unknown) => {
          if (this.store.run()?.inputRef?.key !== ref.key) return;
          this.endRun({ status: "failed", error: { name: "PayloadError", message: `the run's input, kept in BATON_PAYLOADS at "${ref.key}", could not be loaded: ${toErrorData(error).message}` } }, Date.now());
        },
      )
      .finally(() => {
        this.loadingInput = undefined;
        // Erased or ended meanwhile: nothing to build.
        if (this.store.run()?.inputRef?.key === ref.key) super.ensureExecution();
        this.afterEvent();
      });
  }

  /** Why keeping `bytes` more in BATON_PAYLOADS would pass what the run may keep (10 GiB), or null: asked before a large event is written. */
  async payloadRoom(bytes: number, what: string): Promise<string | null> {
    return this.store.run() ? (overRunPayloads(heldPayloadBytes(this.ctx.storage.sql), bytes, what, this.faults.limits?.payloadBytes)?.message ?? null) : null;
  }

  /** A start's request with its kept input loaded (the run object validates and compares it). */
  protected async withInput(request: StartRequest): Promise<StartRequest> {
    return request.inputRef && request.input === undefined ? { ...request, input: await this.loadValue(request.inputRef) } : request;
  }

  /** The input of `run`, loaded when it is kept. */
  protected async inputValue(run: RunRow): Promise<Json | undefined> {
    return run.inputRef && run.input === undefined ? this.loadValue(run.inputRef) : run.input;
  }

  /** A restart's input: a kept one copied under the new run's prefix. */
  protected async restartInput(run: RunRow, newId: string): Promise<{ input: Json | undefined; inputRef?: PayloadRef }> {
    if (!run.inputRef) return { input: run.input };
    return { input: undefined, inputRef: await this.requirePayloads().copy(run.inputRef, newId, "input") };
  }

  /** The steps a restart keeps, their kept results copied under the new run's prefix. */
  protected async adoptSteps(steps: StepRecord[], newId: string): Promise<StepRecord[]> {
    return Promise.all(steps.map(async (step) => (step.resultRef ? { ...step, resultRef: await this.requirePayloads().copy(step.resultRef, newId, "result") } : step)));
  }

  private loadValue(ref: PayloadRef): Promise<Json | undefined> {
    return this.requirePayloads().load(ref);
  }

  private requirePayloads(): NonNullable<typeof this.payloads> {
    if (!this.payloads) throw new Error("the run keeps values in BATON_PAYLOADS, which this Worker does not bind");
    return this.payloads;
  }

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

  /** A child's end with its large output copied under this run's prefix; a copy that fails fails the flow step (as does any, for a body a worker runs). */
  protected async adoptEnd(end: RunOutcome): Promise<RunOutcome> {
    const run = this.store.run();
    if (!run || end.status !== "completed" || !end.outputRef) return end;
    // A worker you run gets every value inline, within 1 MiB.
    if (run.bodyQueue) return { status: "failed", error: { name: "SerializationError", code: "not_serializable", message: `the child run's output is ${end.outputRef.bytes} bytes of JSON, over the 1048576 bytes a value may have in a run whose body a worker you run drives` } };
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
