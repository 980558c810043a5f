"""What an execution asks of its host and where it looks up paths: the ports between the replay
engine and its two hosts (run_locally's memory, the worker's activation)."""
from __future__ import annotations

from typing import Any, Callable, Protocol


class ExecutionHost(Protocol):
    """What an execution needs from whoever stores the log."""

    def begin(self, call: dict[str, Any]) -> None:
        """Records a new call (a NewCall) and starts its work."""

    def run_step(self, key: str, attempt: int, fn: Callable[..., Any], options: dict[str, Any], done: Callable[[dict[str, Any] | None], None]) -> None:
        """Runs an inline step's attempt; ``done`` gets the Settled outcome to deliver (or None)."""


class Resolver(Protocol):
    """Where task_script and task_flow look paths up."""

    def script(self, path: str) -> tuple[Callable[..., Any], dict[str, Any] | None] | None:
        """The script at ``path``: its function and own task options."""

    def is_workflow(self, path: str) -> bool:
        """True when a workflow is registered at ``path``."""


class IdleHost:
    """A host for executions that only read the log (task mode)."""

    def begin(self, call: dict[str, Any]) -> None:
        return None

    def run_step(self, key: str, attempt: int, fn: Callable[..., Any], options: dict[str, Any], done: Callable[[dict[str, Any] | None], None]) -> None:
        return None


class AnyResolver:
    """A resolver that trusts every path (the Worker checks them): scripts carry no options of their own."""

    def script(self, path: str) -> tuple[Callable[..., Any], dict[str, Any] | None] | None:
        return (lambda args: None), None

    def is_workflow(self, path: str) -> bool:
        return True
