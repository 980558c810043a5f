// Runs that talk to runs in the real engine: a child started with taskFlow(..., { start:
// true }) reads its parent from currentRun() and tells it "done" with sendEvent; a send
// to a run that does not exist or has ended fails with EventNotDeliveredError, which the
// body catches; a send whose delivery failed and whose run object was evicted before
// the retry is delivered once, and a repeat under the same key delivers nothing.
import { evictDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { fingerprintOf } from "../../src/runs/run-ids.ts";
import { api, getRun, runStub, startRun, waitForRun, type RunBody } from "./helpers.ts";

/** Waits for a child run: it exists once its parent's start signal got through. */
async function waitForChild(id: string, done: (run: RunBody) => boolean): Promise<RunBody> {
  for (let i = 0; i < 200 && (await api(`/api/runs/${id}`)).status === 404; i++) await new Promise((resolve) => setTimeout(resolve, 20));
  return waitForRun(id, done);
}

const childOf = async (id: string): Promise<string> => {
  const run = await waitForRun(id, (r) => r.steps.some((step) => step.kind === "flow" && step.childId));
  return run.steps.find((step) => step.kind === "flow")?.childId ?? "";
};

describe("runs that talk to runs", () => {
  it("a started child notifies its parent with sendEvent, and the parent completes with the payload", async () => {
    const id = await startRun("messenger", { value: 21 });
    const run = await waitForRun(id);
    expect(run.status).toBe("completed");
    const flow = run.steps.find((step) => step.kind === "flow");
    const childId = flow?.childId ?? "";
    expect(childId).not.toBe("");
    // The flow step answered the child's id at once; the parent waited for the event, not the child.
    expect(flow).toMatchObject({ key: "notifier#0", status: "completed" });
    expect(run.output).toEqual({ runId: childId, done: { value: 42, child: childId, parentOfChild: id }, me: { id, workflow: "messenger", parentId: null } });
    const child = await waitForChild(childId, (r) => r.status === "completed");
    expect(child.parentId).toBe(id);
    // The parent waited before the child started (its start signal goes out after the wait is recorded): the send settled that wait.
    // The task closure saw what the body saw: the consumer's replay got the run's facts with its task context.
    expect(child.output).toEqual({ sent: { deliveredTo: "done#0" }, workflow: "notifier", seen: { id: childId, workflow: "notifier", parentId: id, startedAt: child.createdAt }, startedAt: child.createdAt });
    expect(child.steps.map((step) => [step.key, step.kind, step.status])).toEqual([["who#0", "task", "completed"], ["send#0", "send", "completed"]]);
  });

  it("a send to a run that does not exist, or has ended, rejects with EventNotDeliveredError, which the body catches", async () => {
    const missing = await waitForRun(await startRun("messenger", { to: "no-such-run-for-messages" }));
    expect(missing.output).toEqual({ caught: "EventNotDeliveredError", isClass: true, runId: "no-such-run-for-messages", reason: "run_not_found" });
    expect(missing.steps.find((step) => step.kind === "send")).toMatchObject({ status: "failed", error: { name: "EventNotDeliveredError" } });
    const ended = await waitForRun(await startRun("messenger", { value: 1 }));
    const late = await waitForRun(await startRun("messenger", { to: ended.id }));
    expect(late.output).toEqual({ caught: "EventNotDeliveredError", isClass: true, runId: ended.id, reason: "run_not_active" });
  });

  it("a run may send an event to itself: kept in its own inbox for its next wait", async () => {
    const run = await waitForRun(await startRun("messenger", { to: "self" }));
    expect(run).toMatchObject({ status: "completed", output: { sent: { deliveredTo: null }, kept: { from: "me" } } });
  });

  it("a send recorded, not delivered and its run object evicted is delivered once on the retry; a repeat of its key delivers nothing", async () => {
    const id = await startRun("messenger", { value: 5, waitForGo: true });
    const childId = await childOf(id);
    await waitForChild(childId, (r) => r.status === "waiting");
    // The child's first try to deliver to its parent fails (its test control injects it).
    const control = await runStub(childId).control();
    await control.failSignalsTo(id, 1);
    // Let go of the control surface, or the eviction would wait for it.
    control[Symbol.dispose]();
    expect((await api(`/api/runs/${childId}/events/go`, { method: "POST", json: {} })).status).toBe(202);
    // Recorded, and not delivered: the send step stays open and the parent still waits.
    await waitForRun(childId, (r) => r.steps.some((step) => step.kind === "send" && step.status === "running"));
    expect((await getRun(id)).status).toBe("waiting");
    // The child's object loses its memory; the retry (its back-off passed now) comes from storage.
    await evictDurableObject(runStub(childId));
    await runStub(childId).control().signalsDueNow();
    const run = await waitForRun(id);
    expect(run).toMatchObject({ status: "completed", output: { runId: childId, done: { value: 10, child: childId, parentOfChild: id } } });
    const child = await waitForRun(childId);
    expect(child.output).toMatchObject({ sent: { deliveredTo: "done#0" }, workflow: "notifier" });
    // The same send again (as a signal re-sent after a crash would be): answered from the first, delivered to nothing.
    const payload = { value: 10, child: childId, parentOfChild: id };
    const again = await runStub(id).sendEvent("done", payload, { key: `${childId}/send#0`, fingerprint: await fingerprintOf({ name: "done", payload }) });
    expect(again).toMatchObject({ status: "accepted", deliveredTo: "done#0", repeated: true });
  });

  it("currentRun().attempt is 1 for a new run and one more for each restart, in the body and its tasks", async () => {
    const first = await startRun("whoami", {});
    expect((await waitForRun(first)).output).toEqual({ id: first, attempt: 1, restartOf: null, inTask: { id: first, attempt: 1, restartOf: null } });
    let previous = first;
    for (const attempt of [2, 3]) {
      const response = await api(`/api/runs/${previous}/restart`, { method: "POST", json: { fromStep: "who#0" } });
      expect(response.status).toBe(201);
      const id = ((await response.json()) as { id: string }).id;
      expect((await waitForRun(id)).output).toEqual({ id, attempt, restartOf: previous, inTask: { id, attempt, restartOf: previous } });
      previous = id;
    }
  });
});
