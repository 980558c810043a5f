// Published state and queries in the run object. The body's state (setState) lives in
// its execution's memory; the object stores it with each flush, when the body is at
// rest, and only when it changed, so a replay setting it again shows nothing and a
// reader sees it as of the last completed event. A query (defineQuery) is answered
// from the live execution once it is at rest, rebuilt by replay if the object was
// evicted, as its wake does; an ended or paused run's body is replayed from its log in
// a copy that starts nothing. A layer of the run object between its readers and its
// RPC surface.

import { Execution, IDLE_HOST, isReplayFailure, isTerminal, macrotask, publishedOf, type Json, type RunOutcome } from "baton-workflows/engine";
import { registry } from "../registry.ts";
import { withRemote } from "../remote/remote-catalog.ts";
import { Observable } from "./observing.ts";
import { runFacts } from "./run-messages.ts";

/** What a query came to: its result as JSON text, or why there is none. */
export type QueryResult =
  | { status: "answered"; result: string }
  | { status: "run_not_found" }
  | { status: "query_unavailable"; message: string }
  | { status: "query_not_found"; names: string[] }
  | { status: "query_failed"; message: string };

/** The run object's published state and queries. */
export abstract class Queryable extends Observable {
  /** Answers the query `name` with `arg` from the body's current state, recording nothing. */
  async query(name: string, arg: Json | undefined): Promise<QueryResult> {
    const run = this.store.run();
    if (!run) return { status: "run_not_found" };
    if (run.bodyQueue) {
      return { status: "query_unavailable", message: `run ${run.id}'s body runs on workers you run (${run.language ?? "another language"}), not in the Worker; queries answer TypeScript bodies only` };
    }
    const execution = isTerminal(run.status) || run.status === "paused" ? await this.replayed() : await this.live();
    if (typeof execution === "string") return { status: "query_unavailable", message: `run ${run.id} cannot answer queries now: ${execution}` };
    const answer = publishedOf(execution).answer(name, arg);
    switch (answer.status) {
      case "answered":
        return { status: "answered", result: JSON.stringify(answer.result) };
      case "query_not_found":
        return answer;
      case "query_failed":
        return { status: "query_failed", message: answer.message };
    }
  }

  /** The live execution at rest, rebuilt by replay if the object was evicted; or why there is none. */
  private async live(): Promise<Execution | string> {
    this.ensureExecution();
    const execution = this.execution;
    if (!execution) return "its workflow's file does not build, or the workflow is not deployed";
    await execution.idle();
    // The body may have ended meanwhile: what it defined is still there to answer from.
    return execution;
  }

  /** An ended or paused run's body, replayed from its log by a copy that starts and records nothing; or why it cannot be. */
  private async replayed(): Promise<Execution | string> {
    const run = this.requireRun();
    const body = registry.body(run.workflow);
    if (!body) return `workflow "${run.workflow}" is not deployed any more`;
    const execution = new Execution(body, run.input, this.store.steps.log(), IDLE_HOST, { kind: "mirror" }, { resolver: withRemote(registry, this.remote), seed: run.id, startedAt: run.createdAt, run: runFacts(run) });
    let end: RunOutcome | undefined;
    void execution.ended.then((ended) => (end = ended));
    execution.start();
    await execution.idle();
    await macrotask();
    execution.halt();
    // Code that no longer replays the log answers nothing rather than a wrong state.
    if (end?.status === "failed" && isReplayFailure(end.error) && !(run.error && isReplayFailure(run.error))) return `its log no longer replays on the deployed code (${end.error.name}: ${end.error.message})`;
    return execution;
  }

  /** Stores the body's state with every flush (the body is at rest then). */
  protected override async flush(): Promise<void> {
    this.keepState(this.execution);
    return super.flush();
  }

  /** Stores the body's last state before its run ends. */
  protected override finish(execution: Execution | undefined, end: RunOutcome): void {
    if (execution !== undefined && execution === this.execution) this.keepState(execution);
    super.finish(execution, end);
  }

  private keepState(execution: Execution | undefined): void {
    const text = execution && publishedOf(execution).json;
    if (text !== undefined && this.store.run()) this.store.setState(text);
  }
}
