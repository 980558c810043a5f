"""Errors an author can meet or throw, mirroring sdk/errors.ts: each has a stable name and code."""
from __future__ import annotations

from typing import Any


class BatonError(Exception):
    """Base of Baton's own errors (and of errors rebuilt from data): a stable ``name`` and ``code``."""

    code: str = "error"

    def __init__(self, message: str = "", *, name: str | None = None, code: str | None = None, fields: dict[str, Any] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.name = name or type(self).__name__
        if code is not None:
            self.code = code
        # Fields are the error's own JSON attributes: they cross with its data.
        for key, value in (fields or {}).items():
            if key not in _RESERVED:
                setattr(self, key, value)

    @property
    def fields(self) -> dict[str, Any]:
        """The error's own JSON-able attributes, as its ErrorData carries them."""
        from .error_data import own_fields

        return own_fields(self) or {}

    def __str__(self) -> str:
        return self.message


_RESERVED = {"name", "message", "code", "cause", "stack", "fields", "args"}


class FatalError(BatonError):
    """Thrown by a task to fail it at once: no retry can fix this error."""

    code = "fatal"


class TaskTimeoutError(BatonError):
    """A task attempt ran past its timeout."""

    code = "task_timeout"


class CancelledError(BatonError):
    """The run was cancelled, or (caught in a parent) the child run it waited on was."""

    code = "cancelled"


class OutsideRunError(BatonError):
    """A primitive was called where no workflow is running."""

    code = "outside_run"


class NonDeterminismError(BatonError):
    """The code asked for a different step than the run's log recorded at that point."""

    code = "non_determinism"

    def __init__(self, message: str = "", *, diverged_at: str | None = None, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        if diverged_at is not None:
            # An own field, kept with the error's data as fields.divergedAt.
            self.divergedAt = diverged_at


class SerializationError(BatonError):
    """A task or step returned a value that cannot be stored as JSON."""

    code = "not_serializable"


class InvalidArgumentError(BatonError):
    """A primitive was called with arguments it cannot accept."""

    code = "invalid_argument"


class StuckRunError(BatonError):
    """The body waits for something that is not a Baton primitive; the run fails."""

    code = "stuck"


class ScriptNotFoundError(BatonError):
    """task_script() named a path where no script is registered."""

    code = "script_not_found"


class WorkflowNotFoundError(BatonError):
    """task_flow() named a path where no workflow is registered."""

    code = "workflow_not_found"


class WorkerTagError(BatonError):
    """A task's worker tag has no queue in this deployment."""

    code = "unknown_tag"


class TaskDeliveryError(BatonError):
    """No consumer could process a task's message."""

    code = "task_delivery"


class VersionMismatchError(BatonError):
    """No consumer running the run's code version took a task."""

    code = "version_mismatch"


class StepLimitError(BatonError):
    """The run recorded more steps than one run may hold."""

    code = "step_limit"


class UnansweredApprovalError(BatonError):
    """run_locally: the workflow waits for an approval and ``approve`` is missing."""

    code = "unanswered_approval"


class EventTimeoutError(BatonError):
    """wait_for_event(): the timeout passed before the event came."""

    code = "event_timeout"


class ApprovalTimeoutError(BatonError):
    """Raised by callers that treat an approval's "timeout" decision as a failure."""

    code = "approval_timeout"


class InvalidInputError(BatonError):
    """A run's input does not fit its workflow's input schema."""

    code = "invalid_input"


class InvalidOutputError(BatonError):
    """A workflow's result does not fit its output schema."""

    code = "invalid_output"


ERROR_CLASSES: dict[str, type[BatonError]] = {
    cls.__name__: cls
    for cls in (
        FatalError, TaskTimeoutError, CancelledError, OutsideRunError, NonDeterminismError, SerializationError,
        InvalidArgumentError, StuckRunError, ScriptNotFoundError, WorkflowNotFoundError, WorkerTagError,
        TaskDeliveryError, VersionMismatchError, StepLimitError, UnansweredApprovalError, EventTimeoutError,
        ApprovalTimeoutError, InvalidInputError, InvalidOutputError,
    )
}


def is_named(error: object, name: str) -> bool:
    """True when ``error`` carries the name ``name`` (how errors are told apart after crossing)."""
    return getattr(error, "name", type(error).__name__) == name
