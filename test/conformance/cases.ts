// The conformance cases: workflows ported from Temporal, Inngest and Windmill samples,
// each with the waits a host must end, in order, and the one result every host must
// give — runLocally (with replayEveryStep off and on) and the Worker in workerd (warm
// and rebuilt mid-run, consumer mirrors on and off).
import type { Workflow } from "baton-workflows";
import approvalRace from "../workflows/conformance/approval-race.ts";
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
import raceTaskWins from "../workflows/conformance/race-task-wins.ts";
import raceTimerWins from "../workflows/conformance/race-timer-wins.ts";
import raceRealTime from "../workflows/conformance/race-real-time.ts";
import settimeoutBody from "../workflows/conformance/settimeout-body.ts";
import settledAny from "../workflows/conformance/settled-any.ts";
import thenCallbacks from "../workflows/conformance/then-callbacks.ts";
import unawaitedLoop from "../workflows/conformance/unawaited-loop.ts";
import uncaughtCause from "../workflows/conformance/uncaught-cause.ts";

/** Something a host must end for the run to go on: a sleep to wake, or an approval to decide. */
export type Wait = { sleep: string } | { approve: string; approved: boolean };

/** A run as every host must end it: steps as [key, status] sorted by key, errors without stacks. */
export interface Result {
  status: "completed" | "failed" | "cancelled";
  output: unknown;
  error: unknown;
  steps: [string, string][];
}

export interface Case {
  /** The workflow's registered path in the test Worker (test/workflows/conformance/<name>.ts). */
  path: string;
  workflow: Workflow<never, unknown>;
  input?: unknown;
  /**
   * Ended in this order; in workerd each once the run is at rest (nothing but sleeps and
   * approvals open), which is also where the rebuilt variant aborts every object. Every
   * case has one, so every case is also replayed from a rebuilt object.
   */
  waits: Wait[];
  /** Approvals the run opens that nobody answers (they time out, or are cancelled with the run). */
  unanswered?: string[];
  expected: Result;
}

const done = (...keys: string[]): [string, string][] => keys.map((key) => [key, "completed"]);
const failed = (...keys: string[]): [string, string][] => keys.map((key) => [key, "failed"]);
const cancelled = (...keys: string[]): [string, string][] => keys.map((key) => [key, "cancelled"]);

const stuck = (call: string) => ({
  name: "StuckRunError",
  code: "stuck",
  message: `The workflow body called ${call}, which is not a Baton primitive: its result cannot be recorded, so the run could not be replayed past it. Move it into a task() or step(); to wait, use sleep().`,
});

const dslInput = {
  variables: { arg1: "value1", arg2: "value2", arg3: "value3" },
  root: {
    sequence: {
      elements: [
        { activity: { name: "activity1", arguments: ["arg1"], result: "result1" } },
        {
          parallel: {
            branches: [
              { sequence: { elements: [{ activity: { name: "activity2", arguments: ["result1"], result: "result2" } }, { activity: { name: "activity3", arguments: ["arg2", "result2"], result: "result3" } }] } },
              { sequence: { elements: [{ activity: { name: "activity4", arguments: ["result1"], result: "result4" } }, { activity: { name: "activity5", arguments: ["arg3", "result4"], result: "result5" } }] } },
            ],
          },
        },
        { activity: { name: "activity3", arguments: ["result3", "result5"], result: "result6" } },
      ],
    },
  },
};
const r1 = "[result from activity1: value1]";
const r2 = `[result from activity2: ${r1}]`;
const r3 = `[result from activity3: value2 ${r2}]`;
const r4 = `[result from activity4: ${r1}]`;
const r5 = `[result from activity5: value3 ${r4}]`;
const r6 = `[result from activity3: ${r3} ${r5}]`;

const sorted = (steps: [string, string][]): [string, string][] => [...steps].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

export const CASES: Case[] = [
  {
    path: "conformance/race-timer-wins",
    workflow: raceTimerWins as Workflow<never, unknown>,
    input: { orderId: "o-1" },
    waits: [{ sleep: "timer#0" }, { sleep: "processingTime#0" }],
    expected: { status: "completed", output: { notified: true, processing: false }, error: null, steps: done("processOrder#0", "processingTime#0", "sendNotificationEmail#0", "timer#0") },
  },
  {
    path: "conformance/race-task-wins",
    workflow: raceTaskWins as Workflow<never, unknown>,
    waits: [{ sleep: "pause#0" }],
    expected: { status: "completed", output: { result: 42, recorded: "quote 42" }, error: null, steps: sorted([...done("fetchQuote#0", "pause#0", "record#0"), ...cancelled("timeout#0")]) },
  },
  {
    path: "conformance/race-real-time",
    workflow: raceRealTime as Workflow<never, unknown>,
    input: { taskMs: 1500 },
    waits: [{ sleep: "pause#0" }],
    expected: { status: "completed", output: { notified: true, result: "processed" }, error: null, steps: done("notify#0", "pause#0", "process#0", "timer#0") },
  },
  {
    path: "conformance/race-real-time",
    workflow: raceRealTime as Workflow<never, unknown>,
    input: { taskMs: 500 },
    waits: [{ sleep: "pause#0" }],
    expected: { status: "completed", output: { notified: false, result: "processed" }, error: null, steps: done("pause#0", "process#0", "timer#0") },
  },
  {
    path: "conformance/dsl-interpreter",
    workflow: dslInterpreter as Workflow<never, unknown>,
    input: dslInput,
    waits: [{ sleep: "cooldown#0" }],
    expected: {
      status: "completed",
      output: { arg1: "value1", arg2: "value2", arg3: "value3", result1: r1, result2: r2, result3: r3, result4: r4, result5: r5, result6: r6, summary: "arg1,arg2,arg3,result1,result2,result3,result4,result5,result6" },
      error: null,
      steps: done("activity1#0", "activity2#0", "activity3#0", "activity3#1", "activity4#0", "activity5#0", "cooldown#0", "summarize#0"),
    },
  },
  {
    path: "conformance/then-callbacks",
    workflow: thenCallbacks as Workflow<never, unknown>,
    waits: [{ sleep: "gap#0" }, { sleep: "slow#0" }],
    expected: { status: "completed", output: ["quick:q", "caught:card declined", "finally", "slept"], error: null, steps: sorted([...failed("failing#0"), ...done("gap#0", "quick#0", "slow#0")]) },
  },
  {
    path: "conformance/fire-and-forget",
    workflow: fireAndForget as Workflow<never, unknown>,
    waits: [{ sleep: "interval#0" }, { sleep: "interval#1" }, { sleep: "deadline#0" }, { sleep: "interval#2" }],
    expected: { status: "completed", output: { polls: 3, timedOut: true, status: "pending" }, error: null, steps: done("deadline#0", "interval#0", "interval#1", "interval#2", "poll#0", "poll#1", "poll#2") },
  },
  {
    path: "conformance/error-cause",
    workflow: errorCause as Workflow<never, unknown>,
    waits: [{ sleep: "pause#0" }],
    expected: {
      status: "completed",
      output: {
        cause: "This is the cause",
        declined: { name: "CardError", message: "Your card was declined.", code: "card_declined", declineCode: "insufficient_funds", details: { last4: "4242" } },
        depth: 6,
      },
      error: null,
      steps: sorted([...failed("charge#0", "deep#0", "risky#0"), ...done("pause#0")]),
    },
  },
  {
    path: "conformance/error-classes",
    workflow: errorClasses as Workflow<never, unknown>,
    waits: [{ sleep: "pause#0" }],
    expected: {
      status: "completed",
      output: { fatal: [true, true, "fatal"], timeout: true, string: [true, "plain string", "plain string"], object: [true, '{"reason":"nope"}', { reason: "nope" }] },
      error: null,
      steps: sorted([...failed("fatal#0", "hangs#0", "throws-object#0", "throws-string#0"), ...done("pause#0")]),
    },
  },
  {
    path: "conformance/uncaught-cause",
    workflow: uncaughtCause as Workflow<never, unknown>,
    waits: [{ sleep: "pause#0" }],
    expected: {
      status: "failed",
      output: null,
      error: { name: "Error", message: "Oh no!", code: "charge_failed", fields: { attempt: 1 }, cause: { name: "RangeError", message: "This is the cause" } },
      steps: sorted([...failed("charge#0"), ...done("first#0", "pause#0")]),
    },
  },
  {
    path: "conformance/body-clock",
    workflow: bodyClock as Workflow<never, unknown>,
    waits: [{ sleep: "wait#0" }],
    expected: { status: "completed", output: { stamped: true, echoed: true, forward: true }, error: null, steps: done("echo#0", "stamp#0", "wait#0") },
  },
  {
    path: "conformance/body-random",
    workflow: bodyRandom as Workflow<never, unknown>,
    waits: [{ sleep: "pause#0" }],
    expected: { status: "completed", output: { reserved: true, charged: true, uuid: true, distinct: true }, error: null, steps: done("charge#0", "pause#0", "reserve#0") },
  },
  {
    path: "conformance/settimeout-body",
    workflow: settimeoutBody as Workflow<never, unknown>,
    waits: [{ sleep: "pause#0" }],
    expected: { status: "failed", output: null, error: stuck("setTimeout()"), steps: done("first#0", "pause#0") },
  },
  {
    path: "conformance/fetch-body",
    workflow: fetchBody as Workflow<never, unknown>,
    waits: [{ sleep: "pause#0" }],
    expected: { status: "failed", output: null, error: stuck("fetch()"), steps: done("first#0", "pause#0") },
  },
  {
    path: "conformance/awaits-nothing",
    workflow: awaitsNothing as Workflow<never, unknown>,
    waits: [{ sleep: "pause#0" }],
    expected: {
      status: "failed",
      output: null,
      error: {
        name: "StuckRunError",
        code: "stuck",
        message:
          'The workflow body is waiting for something that is not a Baton primitive (after step "pause#0"): a timer, fetch or other I/O, or a promise nothing settles. ' +
          "Baton cannot record it, so the run can neither go on nor be replayed. Move that work into a task() or step(), and wait with sleep() or waitForApproval().",
      },
      steps: done("first#0", "pause#0"),
    },
  },
  {
    path: "conformance/nested-all",
    workflow: nestedAll as Workflow<never, unknown>,
    waits: [{ sleep: "a-nap#0" }, { sleep: "b-nap#0" }, { sleep: "c-nap#0" }],
    expected: {
      status: "completed",
      output: ["a0", "a1", "a2", "a done", "b0", "b1", "b done", "c0", "c done"],
      error: null,
      steps: done("a#0", "a#1", "a#2", "a-done#0", "a-nap#0", "b#0", "b#1", "b-done#0", "b-nap#0", "c#0", "c-done#0", "c-nap#0"),
    },
  },
  {
    path: "conformance/settled-any",
    workflow: settledAny as Workflow<never, unknown>,
    waits: [{ sleep: "nap#0" }, { sleep: "later#0" }],
    expected: { status: "completed", output: { settled: [1, "bad input", "napped"], any: "later won" }, error: null, steps: sorted([...failed("bad#0", "fails#0"), ...done("later#0", "nap#0", "ok#0")]) },
  },
  {
    path: "conformance/unawaited-loop",
    workflow: unawaitedLoop as Workflow<never, unknown>,
    input: { n: 3 },
    waits: [{ sleep: "between#0" }],
    expected: { status: "completed", output: 30, error: null, steps: done("between#0", "job0#0", "job1#0", "job2#0") },
  },
  {
    path: "conformance/approval-race",
    workflow: approvalRace as Workflow<never, unknown>,
    waits: [{ sleep: "escalate#0" }, { approve: "director#0", approved: true }],
    unanswered: ["manager#0"],
    expected: { status: "completed", output: { first: "escalated", director: "approved" }, error: null, steps: sorted([...done("director#0", "escalate#0"), ...cancelled("manager#0")]) },
  },
  {
    path: "conformance/parallel-items",
    workflow: parallelItems as Workflow<never, unknown>,
    input: { items: ["a", "b", "c"] },
    waits: [{ sleep: "parallel#0[0]/rest#0" }, { sleep: "parallel#0[1]/rest#0" }, { sleep: "parallel#0[2]/rest#0" }],
    expected: {
      status: "completed",
      output: ["0:A", "1:B", "2:C"],
      error: null,
      steps: done("parallel#0[0]/label#0", "parallel#0[0]/rest#0", "parallel#0[0]/upper#0", "parallel#0[1]/label#0", "parallel#0[1]/rest#0", "parallel#0[1]/upper#0", "parallel#0[2]/label#0", "parallel#0[2]/rest#0", "parallel#0[2]/upper#0"),
    },
  },
];

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
