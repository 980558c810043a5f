// The errors that end a run because its body cannot be replayed: what went wrong,
// where, and the likely cause. A code change is suggested only when the run started
// on other code than is running now; otherwise the message points at what in the body
// differs between replays.

import { NonDeterminismError, StuckRunError } from "../errors.ts";
import type { LogEntry, StepKind } from "./log.ts";
import { ROOT_BRANCH } from "./step-key.ts";

/** The sentence naming both versions when a run started on other code than is running now; undefined when they agree or one is unknown. */
export function codeChangeNote(workflow: string, started: string | null | undefined, running: string | null | undefined): string | undefined {
  if (!started || !running || started === running) return undefined;
  return `this run started on version ${started} of "${workflow}"; the code running now is version ${running}.`;
}

/** The likely cause of a divergence, given the code-change note (set only when versions differ). */
function cause(codeChange: string | undefined): string {
  return codeChange
    ? ` The workflow's code changed under this run in flight: ${codeChange} Branch on patched() so that runs started on the old code keep to the old path.`
    : " A workflow body must make the same calls in the same order on every replay; something it depends on differs from the first run: " +
        "state kept outside the body (module variables, globals, the environment), I/O or timers in the body, or code it imports that changed. " +
        "Move such work into a step() or task().";
}

/** The n-th call of a branch is not the one the log recorded there. */
export function divergedAt(recorded: LogEntry, asked: { kind: StepKind; name: string; key: string }, codeChange: string | undefined): NonDeterminismError {
  const where = recorded.branch === ROOT_BRANCH ? "the workflow body" : `branch "${recorded.branch}"`;
  return new NonDeterminismError(
    `Replay diverged at step key "${recorded.key}": the log recorded ${recorded.kind} "${recorded.name}" ` +
      `as call ${recorded.seq + 1} of ${where}, but the code asked for ${asked.kind} "${asked.name}" (key "${asked.key}").${cause(codeChange)}`,
    { divergedAt: recorded.key },
  );
}

/** The next recorded outcome is for a call the replayed body has not made. */
export function notAskedFor(entry: { key: string; delivery: number }, waitingFor: string[], codeChange: string | undefined): NonDeterminismError {
  return new NonDeterminismError(
    `Replay diverged at step key "${entry.key}": outcome ${entry.delivery} of the run reached the workflow body there, ` +
      `but on replay the body did not ask for "${entry.key}"; it waits for ${list(waitingFor)} instead.${cause(codeChange)}`,
    { divergedAt: entry.key },
  );
}

/** Task mode: every recorded outcome was delivered and the body never asked for the task. */
export function taskNotReached(key: string, waitingFor: string[], codeChange: string | undefined): NonDeterminismError {
  return new NonDeterminismError(
    `Replay did not reach task "${key}": after every recorded outcome the workflow body waits for ${list(waitingFor)} and never asks for it.${cause(codeChange)}`,
    { divergedAt: key },
  );
}

/** The body awaits nothing Baton can settle. */
export function stuck(after: string | undefined): StuckRunError {
  return new StuckRunError(
    `The workflow body is waiting for something that is not a Baton primitive${after ? ` (after step "${after}")` : ""}: ` +
      "a timer, fetch or other I/O, or a promise nothing settles. Baton cannot record it, so the run can neither go on nor be replayed. " +
      "Move that work into a task() or step(), and wait with sleep() or waitForApproval().",
  );
}

/** The body called a timer or fetch itself. */
export function forbidden(call: string): StuckRunError {
  return new StuckRunError(
    `The workflow body called ${call}, which is not a Baton primitive: its result cannot be recorded, so the run could not be replayed past it. ` +
      "Move it into a task() or step(); to wait, use sleep().",
  );
}

function list(keys: string[]): string {
  if (keys.length === 0) return "nothing Baton knows of";
  const shown = keys.slice(0, 5).map((key) => `"${key}"`).join(", ");
  return keys.length > 5 ? `${shown} and ${keys.length - 5} more` : shown;
}
