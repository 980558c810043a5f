"""Baton for Python: durable workflows whose bodies replay from a checkpoint log held by the run."""
from __future__ import annotations

from .determinism import install_determinism

install_determinism()

from .decorators import is_script, is_workflow, script, task, workflow  # noqa: E402
from .durations import to_seconds  # noqa: E402
from .engine.closure import TaskContext  # noqa: E402
from .errors import (  # noqa: E402
    ApprovalTimeoutError, BatonError, CancelledError, EventTimeoutError, FatalError, InvalidArgumentError,
    InvalidInputError, InvalidOutputError, NonDeterminismError, OutsideRunError, ScriptNotFoundError,
    SerializationError, StepLimitError, StuckRunError, TaskDeliveryError, TaskTimeoutError,
    UnansweredApprovalError, VersionMismatchError, WorkerTagError, WorkflowNotFoundError, is_named,
)
from .primitives import parallel, patched, sleep, sleep_until, step, task_flow, task_script, wait_for_approval, wait_for_event  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "task", "step", "sleep", "sleep_until", "wait_for_approval", "wait_for_event", "parallel", "task_script",
    "task_flow", "patched", "workflow", "script", "is_workflow", "is_script", "TaskContext", "to_seconds",
    "BatonError", "FatalError", "NonDeterminismError", "StuckRunError", "CancelledError", "TaskTimeoutError",
    "InvalidArgumentError", "ApprovalTimeoutError", "EventTimeoutError", "ScriptNotFoundError", "OutsideRunError",
    "SerializationError", "StepLimitError", "TaskDeliveryError", "UnansweredApprovalError", "VersionMismatchError",
    "WorkerTagError", "WorkflowNotFoundError", "InvalidInputError", "InvalidOutputError", "is_named", "__version__",
]
