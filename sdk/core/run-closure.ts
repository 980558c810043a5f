// Running a task or step closure: its outcome captured as data, its timeout and
// cancellation wired to its AbortSignal, and primitives refused inside it. Also the
// context engine code runs in, so the body's recorded clock and randomness never leak
// into what the engine stores.

import type { RunContext } from "../context.ts";
import { InvalidArgumentError, isNamed, OutsideRunError, TaskTimeoutError } from "../errors.ts";
import type { Closure } from "../context.ts";
import { contexts } from "./async-context.ts";
import { installLogCapture, LOG_SINK, LogSink } from "./closure-logs.ts";
import { clearEngineTimeout, engineTimeout } from "./determinism.ts";
import { toErrorData } from "./error-data.ts";
import { toValueJson } from "./json.ts";
import type { Outcome } from "./log.ts";

installLogCapture();

/** How long a cancelled closure may take to stop after its signal aborts. */
const CLOSURE_CANCEL_GRACE_MS = 5_000;

/**
 * Runs a task or step closure and captures its outcome; primitives inside it fail
 * clearly. With a timeout (seconds), the attempt fails with TaskTimeoutError at the
 * deadline and the closure's signal is aborted, so its fetches stop too. When
 * `cancel` aborts (the attempt is no longer wanted), so does the closure's signal;
 * the attempt ends when the closure does, or with the abort's reason after a grace
 * period; a `cancel` whose reason is a TaskTimeoutError ends it at once. `traceparent`
 * is the attempt's span, as its host tells it (null: no trace).
 */
export async function runClosure<T>(fn: Closure<T>, key: string, attempt: number, timeout?: number, cancel?: AbortSignal, traceparent: string | null = null): Promise<Outcome> {
  const sink = new LogSink(attempt);
  const outcome = await runCapturing(fn, key, attempt, sink, traceparent, timeout, cancel);
  const logs = sink.lines();
  return logs.length > 0 ? { ...outcome, logs } : outcome;
}

async function runCapturing<T>(fn: Closure<T>, key: string, attempt: number, sink: LogSink, traceparent: string | null, timeout?: number, cancel?: AbortSignal): Promise<Outcome> {
  const controller = new AbortController();
  let timer: unknown;
  let stopListening = (): void => {};
  let graceTimer: unknown;
  const deadline = new Promise<never>((_, reject) => {
    // Reject first: a closure that settles as soon as its signal aborts must not win the race.
    const stop = (error: unknown): void => {
      reject(error);
      controller.abort(error);
    };
    if (timeout !== undefined) {
      timer = engineTimeout(() => stop(new TaskTimeoutError(`"${key}" attempt ${attempt} ran past its ${timeout} s timeout`)), timeout * 1000);
    }
    if (cancel) {
      // The closure hears the abort at once and gets a grace period to stop on its own
      // (its clean-up may do I/O, which ends with the consumer's invocation).
      const onCancel = (): void => {
        // A timeout decided elsewhere (the in-memory runner's virtual clock) ends the attempt at once, as a local one does.
        if (isNamed(cancel.reason, "TaskTimeoutError")) return stop(cancel.reason);
        controller.abort(cancel.reason);
        graceTimer = engineTimeout(() => reject(cancel.reason), CLOSURE_CANCEL_GRACE_MS);
      };
      if (cancel.aborted) onCancel();
      cancel.addEventListener("abort", onCancel, { once: true });
      stopListening = () => cancel.removeEventListener("abort", onCancel);
    }
  });
  try {
    if (controller.signal.aborted) throw controller.signal.reason;
    // The attempt's own context: primitives refuse, and what it prints goes to its sink.
    const context: RunContext & { [LOG_SINK]: LogSink } = Object.assign(Object.create(CLOSURE_CONTEXT) as RunContext, { [LOG_SINK]: sink });
    const value = await Promise.race([contexts.run(context, () => fn({ key, attempt, signal: controller.signal, traceparent })), deadline]);
    return { ok: true, value: toValueJson(value, `the result of "${key}"`) };
  } catch (error) {
    return { ok: false, error: toErrorData(error) };
  } finally {
    if (timer !== undefined) clearEngineTimeout(timer);
    if (graceTimer !== undefined) clearEngineTimeout(graceTimer);
    stopListening();
  }
}

/** A context whose primitives all throw what `refuse` makes of their name. */
export function refusing(refuse: (primitive: string) => Error): RunContext {
  const no = (primitive: string) => (): never => {
    throw refuse(primitive);
  };
  return {
    task: no("task"),
    step: no("step"),
    sleep: no("sleep"),
    sleepUntil: no("sleepUntil"),
    event: no("waitForEvent"),
    approval: no("waitForApproval"),
    parallel: no("parallel"),
    script: no("taskScript"),
    flow: no("taskFlow"),
    patched: no("patched"),
    eventUrlMaker: no("eventUrl"),
    send: no("sendEvent"),
    currentRun: no("currentRun"),
    published: (primitive) => {
      throw refuse(primitive);
    },
    nonCancellable: no("nonCancellable"),
    continueAsNew: no("continueAsNew"),
  };
}

/** Inside a closure, primitives refuse: a closure is one checkpoint, not a workflow. */
const CLOSURE_CONTEXT = refusing(
  (primitive) => new InvalidArgumentError(`${primitive}() cannot be called inside a task or step closure; call it from the workflow body instead`),
);

/** The context of engine code (hosts, the delivery loop): no body, so real clock and randomness. */
const ENGINE_CONTEXT = refusing((primitive) => new OutsideRunError(`${primitive}() was called by Baton's own code, outside any workflow`));

/** Runs engine code called from a workflow body outside the body's context, and whatever async work it starts. */
export function outsideBody<T>(fn: () => T): T {
  return contexts.run(ENGINE_CONTEXT, fn);
}
