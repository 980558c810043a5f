// Helpers for tests of workflows against the real engine inside workerd
// (@cloudflare/vitest-plugin): start a run, skip what it waits for, decide its
// approvals and wait for its end, without real waiting. Import it in a test with the
// test's `env`: `const baton = batonTest(env)`.

import { isTerminal, type Json } from "baton-workflows/engine";
import type { RunDetail } from "baton-workflows/client";
import type { Decision, DecideResult } from "../runs/run-object.ts";
import type { TestRunObject } from "./test-run-object.ts";

/** The binding the helpers need: the run objects' namespace, bound to TestRunObject in the test Worker (`export { TestRunObject as RunObject }`). */
export interface BatonTestEnv {
  RUNS: DurableObjectNamespace<TestRunObject>;
}

/** Options of waiting for a run. */
export interface WaitOptions {
  /** Seconds before giving up with an error showing the run (default 10). */
  timeout?: number;
}

/** The helpers, bound to one environment. */
export interface BatonTestKit {
  /**
   * Starts a run of `workflow` with `input` (as POST /api/runs would); answers its id.
   * `origin` is where its approval links point (default: none, so no links or emails).
   */
  start(workflow: string, input?: unknown, options?: { origin?: string }): Promise<string>;
  /** The run as GET /api/runs/:id shows it. */
  get(id: string): Promise<RunDetail>;
  /** Polls the run until `done` holds; fails with the last state after the timeout. */
  waitFor(id: string, done: (run: RunDetail) => boolean, options?: WaitOptions): Promise<RunDetail>;
  /** Waits until the run ends (completed, failed or cancelled). */
  waitForEnd(id: string, options?: WaitOptions): Promise<RunDetail>;
  /**
   * Fires what the run waits for now instead of later: the earliest sleep, retry
   * wait, approval timeout or child flow timeout (or the one of step `key`). Answers
   * the step keys it made due; empty when the run waits for nothing of the kind.
   */
  skip(id: string, key?: string): Promise<string[]>;
  /** Decides the approval at `key` (default: the first one waiting, once it waits). */
  decide(id: string, decision: Decision, key?: string): Promise<DecideResult>;
}



/** The helpers for the engine behind `env.RUNS`. */
export function batonTest(env: BatonTestEnv): BatonTestKit {
  const stub = (id: string) => env.RUNS.get(env.RUNS.idFromName(id));

  const get = async (id: string): Promise<RunDetail> => {
    const text = await stub(id).describe();
    if (text === null) throw new Error(`no run with id "${id}"`);
    return JSON.parse(text) as RunDetail;
  };

  const waitFor = async (id: string, done: (run: RunDetail) => boolean, options: WaitOptions = {}): Promise<RunDetail> => {
    const deadline = Date.now() + (options.timeout ?? 10) * 1000;
    for (;;) {
      const run = await get(id);
      if (done(run)) return run;
      if (Date.now() > deadline) throw new Error(`run ${id} did not reach the state waited for; last: ${JSON.stringify(run)}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };

  return {
    async start(workflow, input, options = {}) {
      const id = crypto.randomUUID();
      await stub(id).start({ id, workflow, input: input as Json | undefined, idempotencyKey: null, origin: options.origin ?? null });
      return id;
    },
    get,
    waitFor,
    waitForEnd: (id, options) => waitFor(id, (run) => isTerminal(run.status), options),
    skip: (id, key) => stub(id).control().skipWait(key),
    async decide(id, decision, key) {
      const run = key === undefined ? await waitFor(id, (r) => r.approvals.length > 0 || isTerminal(r.status)) : undefined;
      const target = key ?? run?.approvals[0]?.key;
      if (target === undefined) throw new Error(`run ${id} ended without waiting for an approval`);
      return stub(id).decide(target, decision);
    },
  };
}
