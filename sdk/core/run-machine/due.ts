// What time brings a run: the one pass over its due wakes and deadlines that wakes
// sleeps, times out approvals, event waits and flows, fails silent task attempts (or
// sends untaken ones again), starts retries and re-asks for concurrency slots. The run
// object runs it on its alarm, runLocally when its virtual clock moves.

import type { ApprovalResult } from "../../approval.ts";
import { EventTimeoutError, TaskDeliveryError, TaskTimeoutError } from "../../errors.ts";
import { DEFAULT_TASK_OPTIONS, heartbeatTimeoutMs } from "../../options.ts";
import { toErrorData, type ErrorData } from "../error-data.ts";
import type { Settled } from "../log.ts";
import { releaseSlot, type RunEffect } from "./effects.ts";
import { failAttempt, settleStep } from "./settle.ts";
import type { StepStorage } from "./storage.ts";
import { MAX_RESEND_WAIT_MS, MAX_RESENDS, taskDeadlineMs } from "./timing.ts";

/** What time brought: outcomes to deliver, work to start. */
export interface DueWork {
  settled: Settled[];
  effects: RunEffect[];
}

/** What the time `now` brings to the run whose steps are `steps`, in the order RunMachine.due documents. */
export function dueWork(steps: StepStorage, now: number): DueWork {
  const settled: Settled[] = [];
  const effects: RunEffect[] = [];
  const keep = (outcome: Settled | null): void => {
    if (outcome) settled.push(outcome);
  };
  for (const step of steps.dueWakes(["sleeping"], now)) keep(settleStep(steps, step.key, step.attempts, { ok: true, value: undefined }, now));
  for (const step of steps.dueWakes(["waiting"], now)) {
    if (step.kind === "event") {
      const error = toErrorData(new EventTimeoutError(`no event "${step.event?.name ?? step.name}" came within the wait's timeout (${step.key})`));
      keep(settleStep(steps, step.key, step.attempts, { ok: false, error }, now));
    } else keep(settleStep(steps, step.key, step.attempts, { ok: true, value: { ...timedOut(now) } }, now));
  }
  for (const step of steps.dueDeadlines(["running"], now)) {
    if (step.kind === "flow" && step.flow) {
      const error = toErrorData(new TaskTimeoutError(`child flow "${step.key}" (${step.flow.workflow}) ran past its timeout; it was cancelled`));
      const outcome = settleStep(steps, step.key, step.attempts, { ok: false, error }, now);
      if (outcome) effects.push({ kind: "cancel-child", childId: step.flow.childId });
      keep(outcome);
    } else if (step.kind === "step") {
      // Alive in this execution, it runs on; cut off by an eviction, the rebuilt execution runs it again.
      // Bookkeeping, not a log change: consumers replaying the run never need it.
      steps.lease(step.key, step.attempts, { deadline: now + heartbeatTimeoutMs(step.options ?? DEFAULT_TASK_OPTIONS) });
    } else if (step.kind === "task") {
      const options = step.options ?? DEFAULT_TASK_OPTIONS;
      const window = heartbeatTimeoutMs(options);
      let error: ErrorData | null = null;
      if (step.claim && now >= step.claim.at + taskDeadlineMs(options)) {
        error = toErrorData(new TaskTimeoutError(`"${step.key}" attempt ${step.attempts} did not report within its ${options.timeout} s timeout`));
      } else if (step.claim) {
        // Its consumer went silent (it crashed, or was evicted): the attempt failed, and is retried per its policy.
        error = toErrorData(new TaskTimeoutError(`"${step.key}" attempt ${step.attempts}: its consumer sent no heartbeat for ${window / 1000} s (it crashed or was evicted)`));
      } else if (step.resends >= MAX_RESENDS) {
        error = toErrorData(new TaskDeliveryError(`"${step.key}" attempt ${step.attempts} was sent ${step.resends + 1} times and no consumer took it`));
      }
      if (error) {
        effects.push(...releaseSlot(step));
        keep(failAttempt(steps, step.key, step.attempts, error, now));
      } else {
        // Never taken: its message was lost, or waits behind others. Sent again; the first consumer to claim it runs it.
        // The first re-send waits one heartbeat timeout more (a message lost in a crash costs no more), each later one twice the last.
        const wait = Math.min(window * 2 ** step.resends, MAX_RESEND_WAIT_MS);
        steps.lease(step.key, step.attempts, { deadline: now + wait, resends: step.resends + 1 });
        effects.push({ kind: "dispatch", key: step.key, attempt: step.attempts, options });
      }
    }
  }
  for (const step of steps.dueWakes(["retrying"], now)) {
    const attempt = step.attempts + 1;
    if (step.kind === "step") {
      // The execution's next attempt records itself (begin) when it runs.
      steps.update(step.key, { statuses: ["retrying"] }, { status: "running", wakeAt: null, deadline: now + heartbeatTimeoutMs(step.options ?? DEFAULT_TASK_OPTIONS) });
      effects.push({ kind: "rerun-step", key: step.key, attempt });
      continue;
    }
    const options = step.options ?? DEFAULT_TASK_OPTIONS;
    steps.update(step.key, { statuses: ["retrying"] }, { status: "running", attempts: attempt, wakeAt: null, deadline: now + heartbeatTimeoutMs(options), attemptStartedAt: now, claim: null, resends: 0 });
    effects.push({ kind: "dispatch", key: step.key, attempt, options });
  }
  // A queued attempt whose limiter never called back asks again (its lease may have been lost).
  for (const step of steps.dueDeadlines(["queued"], now)) effects.push({ kind: "dispatch", key: step.key, attempt: step.attempts, options: step.options ?? DEFAULT_TASK_OPTIONS });
  return { settled, effects };
}

/** An approval's result when nobody decided before its timeout. */
function timedOut(now: number): ApprovalResult {
  return { approved: false, decision: "timeout", decidedAt: new Date(now).toISOString() };
}
