// The conformance cases in memory: runLocally must end each run exactly as production
// does (test/worker/conformance.test.ts runs the same cases in workerd).
import { describe, expect, it } from "vitest";
import { runLocally, type ApprovalAnswer } from "baton-workflows/testing";
import { CASES, result } from "../conformance/cases.ts";

describe.each([false, true])("runLocally conformance (replayEveryStep %s)", (replayEveryStep) => {
  it.each(CASES.map((c) => [c.path, c] as const))("%s", async (_path, c) => {
    const answers = new Map<string, ApprovalAnswer>(c.waits.flatMap((wait) => ("approve" in wait ? [[wait.approve, { approved: wait.approved }]] : [])));
    for (const key of c.unanswered ?? []) answers.set(key, null);
    const cancels = c.waits.flatMap((wait) => ("cancel" in wait ? [{ atStep: wait.cancel }] : []));
    const run = await runLocally(c.workflow, c.input as never, { replayEveryStep, cancels, approve: ({ key }) => answers.get(key) });
    expect(result(run)).toEqual(c.expected);
  });
});
