// `baton/testing`: run a workflow in memory, on the same replay machine and run state
// machine production uses (sdk/core), with a virtual clock. Sleeps, approval and flow
// timeouts and retry back-off take no real time; task, step and script code runs in
// this process, for real. Web-standard apart from node:async_hooks (built into Deno
// and Node).

import { InvalidArgumentError } from "../errors.ts";
import { isWorkflow, type Workflow } from "../index.ts";
import type { WorkflowBody } from "../core/execution.ts";
import { LocalEngine } from "./local-engine.ts";
import type { LocalRun, LocalRunOptions } from "./types.ts";
import { VirtualClock } from "./virtual-clock.ts";
import { chainEnd, chainView } from "./local-continue.ts";

export type { ApprovalAnswer, ApprovalAsk, LocalCancel, LocalEvent, LocalQuery, LocalQueryAnswer, LocalUpdate, LocalUpdateAnswer, LocalRun, LocalRunOptions, LocalStep } from "./types.ts";

/**
 * Runs `workflow` with `input` in memory and resolves once it ends. Rejects (with a
 * named BatonError) only when the test setup cannot answer the run: an approval with
 * no `options.approve`, or a run left waiting on nothing.
 */
export async function runLocally<I, O>(workflow: Workflow<I, O>, input: I, options: LocalRunOptions = {}): Promise<LocalRun> {
  if (!isWorkflow(workflow)) throw new InvalidArgumentError("runLocally() takes a workflow made by workflow(), as a workflow file exports it by default");
  const start = options.startAt === undefined ? Date.now() : new Date(options.startAt).getTime();
  const clock = new VirtualClock(start, options.stallMs ?? 500);
  const run = new LocalEngine(workflow.run as WorkflowBody, input, options, clock, options.name ?? "local", null);
  run.start();
  // A run that continues as new hands on to its successor: the chain's last run ends runLocally.
  await clock.runUntil(() => chainEnd(run).ended !== undefined, () => chainEnd(run).describeWaiting());
  return chainView(run);
}
