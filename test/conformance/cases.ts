// The conformance cases: workflows ported from Temporal, Inngest and Windmill samples,
// each with the waits a host must end, in order, and the one result every host must
// give — runLocally (with replayEveryStep off and on), the Worker in workerd (warm and
// rebuilt mid-run, consumer mirrors on and off) and, for each case with a Python port,
// Python's run_locally (python/tests/test_conformance.py). The cases are data, one
// file each in cases/ naming the workflow in each language; this module pairs each
// with its TypeScript workflow.
import type { Workflow } from "baton-workflows";
import approvalRace from "../workflows/conformance/approval-race.ts";
import cancelCleanup from "../workflows/conformance/cancel-cleanup.ts";
import cancelHeartbeating from "../workflows/conformance/cancel-heartbeating.ts";
import cancelNonCancellable from "../workflows/conformance/cancel-non-cancellable.ts";
import cancelTimer from "../workflows/conformance/cancel-timer.ts";
import raceCancelsLoser from "../workflows/conformance/race-cancels-loser.ts";
import awaitsNothing from "../workflows/conformance/awaits-nothing.ts";
import bodyClock from "../workflows/conformance/body-clock.ts";
import bodyRandom from "../workflows/conformance/body-random.ts";
import dslInterpreter from "../workflows/conformance/dsl-interpreter.ts";
import errorCause from "../workflows/conformance/error-cause.ts";
import errorClasses from "../workflows/conformance/error-classes.ts";
import fetchBody from "../workflows/conformance/fetch-body.ts";
import fireAndForget from "../workflows/conformance/fire-and-forget.ts";
import nestedAll from "../workflows/conformance/nested-all.ts";
import parallelItems from "../workflows/conformance/parallel-items.ts";
import raceRealTime from "../workflows/conformance/race-real-time.ts";
import raceTaskWins from "../workflows/conformance/race-task-wins.ts";
import raceTimerWins from "../workflows/conformance/race-timer-wins.ts";
import settimeoutBody from "../workflows/conformance/settimeout-body.ts";
import settledAny from "../workflows/conformance/settled-any.ts";
import thenCallbacks from "../workflows/conformance/then-callbacks.ts";
import unawaitedLoop from "../workflows/conformance/unawaited-loop.ts";
import uncaughtCause from "../workflows/conformance/uncaught-cause.ts";
import approvalRaceCase from "./cases/approval-race.json";
import cancelCleanupCase from "./cases/cancel-cleanup.json";
import cancelHeartbeatingCase from "./cases/cancel-heartbeating.json";
import cancelNonCancellableCase from "./cases/cancel-non-cancellable.json";
import cancelTimerCase from "./cases/cancel-timer.json";
import raceCancelsLoserCase from "./cases/race-cancels-loser.json";
import awaitsNothingCase from "./cases/awaits-nothing.json";
import bodyClockCase from "./cases/body-clock.json";
import bodyRandomCase from "./cases/body-random.json";
import dslInterpreterCase from "./cases/dsl-interpreter.json";
import errorCauseCase from "./cases/error-cause.json";
import errorClassesCase from "./cases/error-classes.json";
import fetchBodyCase from "./cases/fetch-body.json";
import fireAndForgetCase from "./cases/fire-and-forget.json";
import nestedAllCase from "./cases/nested-all.json";
import parallelItemsCase from "./cases/parallel-items.json";
import raceRealTimeFastCase from "./cases/race-real-time-fast.json";
import raceRealTimeSlowCase from "./cases/race-real-time-slow.json";
import raceTaskWinsCase from "./cases/race-task-wins.json";
import raceTimerWinsCase from "./cases/race-timer-wins.json";
import settimeoutBodyCase from "./cases/settimeout-body.json";
import settledAnyCase from "./cases/settled-any.json";
import thenCallbacksCase from "./cases/then-callbacks.json";
import unawaitedLoopCase from "./cases/unawaited-loop.json";
import uncaughtCauseCase from "./cases/uncaught-cause.json";

/**
 * Something a host must do for the run to go on: wake a sleep, decide an approval, or
 * cancel the run (as POST /api/runs/:id/cancel) once the step `cancel` names has begun.
 */
export type Wait = { sleep: string } | { approve: string; approved: boolean } | { cancel: string };

/** A run as every host must end it: steps as [key, status] sorted by key, errors without stacks. */
export interface Result {
  status: "completed" | "failed" | "cancelled";
  output: unknown;
  error: unknown;
  steps: [string, string][];
}

/** One case as its file in cases/ has it. */
export interface CaseData {
  description: string;
  /** The TypeScript workflow's registered path (test/workflows/<path>.ts). */
  typescript: string;
  /** The Python port's path (python/tests/<path>.py), or null for a case only JavaScript can express (or not yet ported: cancellation). */
  python: string | null;
  input?: unknown;
  /**
   * Ended in this order; in workerd each once the run is at rest (nothing but sleeps and
   * approvals open; for a cancel, once its step has begun), which is also where the
   * rebuilt variant aborts every object. runLocally wakes sleeps on its own clock and
   * sends each cancel once its step has begun.
   */
  waits: Wait[];
  /** Approvals the run opens that nobody answers (they time out, or are cancelled with the run). */
  unanswered?: string[];
  expected: Result;
  /** Where the Python port must end otherwise (e.g. a stuck body names asyncio.sleep, not setTimeout). */
  expectedPython?: Result;
}

/** A case paired with its TypeScript workflow. */
export interface Case extends CaseData {
  /** The workflow's registered path in the test Worker. */
  path: string;
  workflow: Workflow<never, unknown>;
}

const WORKFLOWS: Record<string, Workflow<never, unknown>> = {
  "conformance/approval-race": approvalRace,
  "conformance/cancel-cleanup": cancelCleanup,
  "conformance/cancel-heartbeating": cancelHeartbeating,
  "conformance/cancel-non-cancellable": cancelNonCancellable,
  "conformance/cancel-timer": cancelTimer,
  "conformance/race-cancels-loser": raceCancelsLoser,
  "conformance/awaits-nothing": awaitsNothing,
  "conformance/body-clock": bodyClock,
  "conformance/body-random": bodyRandom,
  "conformance/dsl-interpreter": dslInterpreter,
  "conformance/error-cause": errorCause,
  "conformance/error-classes": errorClasses,
  "conformance/fetch-body": fetchBody,
  "conformance/fire-and-forget": fireAndForget,
  "conformance/nested-all": nestedAll,
  "conformance/parallel-items": parallelItems,
  "conformance/race-real-time": raceRealTime,
  "conformance/race-task-wins": raceTaskWins,
  "conformance/race-timer-wins": raceTimerWins,
  "conformance/settimeout-body": settimeoutBody,
  "conformance/settled-any": settledAny,
  "conformance/then-callbacks": thenCallbacks,
  "conformance/unawaited-loop": unawaitedLoop,
  "conformance/uncaught-cause": uncaughtCause,
};

const DATA: CaseData[] = [approvalRaceCase as CaseData, cancelCleanupCase as CaseData, cancelHeartbeatingCase as CaseData, cancelNonCancellableCase as CaseData, cancelTimerCase as CaseData, raceCancelsLoserCase as CaseData, awaitsNothingCase as CaseData, bodyClockCase as CaseData, bodyRandomCase as CaseData, dslInterpreterCase as CaseData, errorCauseCase as CaseData, errorClassesCase as CaseData, fetchBodyCase as CaseData, fireAndForgetCase as CaseData, nestedAllCase as CaseData, parallelItemsCase as CaseData, raceRealTimeFastCase as CaseData, raceRealTimeSlowCase as CaseData, raceTaskWinsCase as CaseData, raceTimerWinsCase as CaseData, settimeoutBodyCase as CaseData, settledAnyCase as CaseData, thenCallbacksCase as CaseData, unawaitedLoopCase as CaseData, uncaughtCauseCase as CaseData];

const sorted = (steps: [string, string][]): [string, string][] => [...steps].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

/** Every case, with its workflow. */
export const CASES: Case[] = DATA.map((data) => {
  const workflow = WORKFLOWS[data.typescript];
  if (!workflow) throw new Error(`conformance case "${data.description}" names ${data.typescript}, which test/conformance/cases.ts does not import`);
  return { ...data, path: data.typescript, workflow };
});

/** What a host's run comes to, in the form the cases compare. */
export function result(run: { status: string; output: unknown; error: unknown; steps: { key: string; status: string }[] }): Result {
  return {
    status: run.status as Result["status"],
    output: run.output ?? null,
    error: run.error ? withoutStacks(run.error) : null,
    steps: sorted(run.steps.map((step) => [step.key, step.status])),
  };
}

function withoutStacks(error: unknown): unknown {
  if (typeof error !== "object" || error === null) return error;
  const { stack: _stack, cause, ...rest } = error as { stack?: unknown; cause?: unknown };
  return cause === undefined ? rest : { ...rest, cause: withoutStacks(cause) };
}
