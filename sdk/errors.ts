// Errors an author can meet or throw. Each has a stable `name`; code compares names,
// never classes, because class identity does not survive Durable Object RPC or queues.

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
  constructor(message: string) {
    super("TaskTimeoutError", "task_timeout", message);
  }
}

/** The run was cancelled, or (caught in a parent) the child run it waited on was. */
export class CancelledError extends BatonError {
  constructor(message: string) {
    super("CancelledError", "cancelled", message);
  }
  /** True for a CancelledError, including one rebuilt from data. */
  static is(error: unknown): boolean {
    return isNamed(error, "CancelledError");
  }
}

/** A primitive was called where no workflow is running. */
export class OutsideRunError extends BatonError {
  constructor(message: string) {
    super("OutsideRunError", "outside_run", message);
  }
}

/** The code asked for a different step than the run's log recorded at that point. */
export class NonDeterminismError extends BatonError {
  constructor(message: string) {
    super("NonDeterminismError", "non_determinism", message);
  }
  /** True for a NonDeterminismError, including one rebuilt from data. */
  static is(error: unknown): boolean {
    return isNamed(error, "NonDeterminismError");
  }
}

/** A task or step returned a value that cannot be stored as JSON. */
export class SerializationError extends BatonError {
  constructor(message: string) {
    super("SerializationError", "not_serializable", message);
  }
}

/** A primitive was called with arguments it cannot accept. */
export class InvalidArgumentError extends BatonError {
  constructor(message: string) {
    super("InvalidArgumentError", "invalid_argument", message);
  }
}

/** True when `error` carries the name `name`: how errors are told apart after crossing RPC or a queue. */
export function isNamed(error: unknown, name: string): boolean {
  return typeof error === "object" && error !== null && (error as { name?: unknown }).name === name;
}
