// Errors an author can meet or throw. Each has a stable `name` and `code`. An error
// that crosses a step or task boundary is rebuilt from data in the workflow body: as
// its own class when it is one of these (so instanceof works), else as an Error
// carrying the original name; `isNamed` and the static `is` checks work on both.

/** Base of Baton's own errors: a stable `name` and machine-readable `code`. */
export class BatonError extends Error {
  /** A stable identifier of the failure, e.g. `non_determinism`. */
  readonly code: string;
  constructor(name: string, code: string, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = name;
    this.code = code;
  }
}

/** Thrown by a task to fail it at once: no retry can fix this error. */
export class FatalError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("FatalError", "fatal", message, options);
  }
}

/** A task attempt ran past its timeout. */
export class TaskTimeoutError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("TaskTimeoutError", "task_timeout", message, options);
  }
}

/** The run was cancelled, or (caught in a parent) the child run it waited on was. */
export class CancelledError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("CancelledError", "cancelled", message, options);
  }
  /** True for a CancelledError, including one rebuilt from data. */
  static is(error: unknown): boolean {
    return isNamed(error, "CancelledError");
  }
}

/** A primitive was called where no workflow is running. */
export class OutsideRunError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("OutsideRunError", "outside_run", message, options);
  }
}

/** The code asked for a different step than the run's log recorded at that point. */
export class NonDeterminismError extends BatonError {
  /** The key of the step where replay diverged: restart from it to run the rest on the current code. */
  declare divergedAt?: string;
  constructor(message: string, options?: { cause?: unknown; divergedAt?: string }) {
    super("NonDeterminismError", "non_determinism", message, options);
    // An own field, so it is kept with the error's data (fields.divergedAt) and read by the console and CLI.
    if (options?.divergedAt !== undefined) this.divergedAt = options.divergedAt;
  }
  /** True for a NonDeterminismError, including one rebuilt from data. */
  static is(error: unknown): boolean {
    return isNamed(error, "NonDeterminismError");
  }
}

/** A task or step returned a value that cannot be stored as JSON. */
export class SerializationError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("SerializationError", "not_serializable", message, options);
  }
}

/** A primitive was called with arguments it cannot accept. */
export class InvalidArgumentError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("InvalidArgumentError", "invalid_argument", message, options);
  }
}

/**
 * The workflow body waits for something that is not a Baton primitive (a timer,
 * fetch or other I/O in the body, a promise nothing settles): it cannot be recorded,
 * so the run cannot go on or be replayed. The run fails; the body cannot catch it.
 */
export class StuckRunError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("StuckRunError", "stuck", message, options);
  }
  /** True for a StuckRunError, including one rebuilt from data. */
  static is(error: unknown): boolean {
    return isNamed(error, "StuckRunError");
  }
}

/** taskScript() named a path where no script is registered. */
export class ScriptNotFoundError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("ScriptNotFoundError", "script_not_found", message, options);
  }
}

/** taskFlow() (or a run) named a path where no workflow is registered. */
export class WorkflowNotFoundError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("WorkflowNotFoundError", "workflow_not_found", message, options);
  }
}

/** A task's worker tag has no queue binding in this deployment. */
export class WorkerTagError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("WorkerTagError", "unknown_tag", message, options);
  }
}

/** No consumer could process a task's message after the queue's retries. */
export class TaskDeliveryError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("TaskDeliveryError", "task_delivery", message, options);
  }
}

/** No consumer running the run's code version took a task within the bounded wait. */
export class VersionMismatchError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("VersionMismatchError", "version_mismatch", message, options);
  }
}

/** The run recorded more than one run may hold (MAX_RUN_STEPS steps, or in runLocally options.maxSteps; in the Worker also its bytes of results). */
export class StepLimitError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("StepLimitError", "step_limit", message, options);
  }
}

/** runLocally: the workflow waits for an approval and options.approve is missing. */
export class UnansweredApprovalError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("UnansweredApprovalError", "unanswered_approval", message, options);
  }
}

/** waitForEvent(): the timeout passed before the event came. Catch it to go on without the event. */
export class EventTimeoutError extends BatonError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("EventTimeoutError", "event_timeout", message, options);
  }
}

/** One failing part of a value a schema refused. */
export interface FailingPath {
  path: string;
  message: string;
}

/** A run's input does not fit its workflow's input schema; `issues` lists each failing path. Not retried. */
export class InvalidInputError extends BatonError {
  readonly issues: FailingPath[];
  constructor(message: string, issues: FailingPath[] = [], options?: { cause?: unknown }) {
    super("InvalidInputError", "invalid_input", message, options);
    this.issues = issues;
  }
}

/** A workflow's result does not fit its output schema; `issues` lists each failing path. The run fails. */
export class InvalidOutputError extends BatonError {
  readonly issues: FailingPath[];
  constructor(message: string, issues: FailingPath[] = [], options?: { cause?: unknown }) {
    super("InvalidOutputError", "invalid_output", message, options);
    this.issues = issues;
  }
}

/** Why sendEvent() could not deliver: the target run does not exist, has ended, or its inbox is full. */
export type NotDeliveredReason = "run_not_found" | "run_not_active" | "inbox_full" | "idempotency_conflict";

/** sendEvent() could not deliver its event: `runId` names the target, `reason` says why. */
export class EventNotDeliveredError extends BatonError {
  /** The run the event was sent to. */
  declare runId?: string;
  /** Why it was not delivered. */
  declare reason?: NotDeliveredReason;
  constructor(message: string, options?: { cause?: unknown; runId?: string; reason?: NotDeliveredReason }) {
    super("EventNotDeliveredError", "event_not_delivered", message, options);
    // Own fields, so they are kept with the error's data and restored in the body.
    if (options?.runId !== undefined) this.runId = options.runId;
    if (options?.reason !== undefined) this.reason = options.reason;
  }
}

/** Baton's error classes by name, so an error rebuilt from data is an instance of its class. */
export const ERROR_CLASSES: Readonly<Record<string, new (message: string) => BatonError>> = {
  FatalError,
  TaskTimeoutError,
  CancelledError,
  OutsideRunError,
  NonDeterminismError,
  SerializationError,
  InvalidArgumentError,
  StuckRunError,
  ScriptNotFoundError,
  WorkflowNotFoundError,
  WorkerTagError,
  TaskDeliveryError,
  VersionMismatchError,
  StepLimitError,
  UnansweredApprovalError,
  EventTimeoutError,
  EventNotDeliveredError,
  InvalidInputError,
  InvalidOutputError,
};

/** True when `error` carries the name `name`: how errors are told apart after crossing RPC or a queue. */
export function isNamed(error: unknown, name: string): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === name;
}
