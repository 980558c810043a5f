"""The context primitives find while body code runs (sdk/core/branch-context.ts): which execution,
which branch, and how the body waits (blocking for sync bodies, futures for async ones)."""
from __future__ import annotations

import asyncio
import contextvars
from typing import TYPE_CHECKING, Any

from ..determinism import BodyHalted
from ..errors import InvalidArgumentError, OutsideRunError
from .closure import IN_CLOSURE
from .loop import FIBER

if TYPE_CHECKING:
    from .execution import Execution


class BranchContext:
    """A branch of a running workflow: the body itself, or one parallel item."""

    def __init__(self, execution: "Execution", branch: str) -> None:
        self.execution = execution
        self.branch = branch

    @property
    def sync(self) -> bool:
        """True for a sync-style body: primitives block and return values."""
        return self.execution.sync

    def wait(self, future: asyncio.Future[Any]) -> Any:
        """What a primitive returns: the future (async style), or its result once delivered (sync style)."""
        if not self.sync:
            return future
        if self.execution.halted:
            raise BodyHalted()
        fiber = FIBER.get()
        if fiber is None:
            raise InvalidArgumentError("a sync workflow body called a primitive from a thread Baton did not start; call it from the body itself")
        return fiber.park(future)

    def done(self, value: Any) -> Any:
        """A primitive's answer known at once (e.g. sleep_until a time already past)."""
        if self.sync:
            return value
        future = self.execution.loop.create_future()
        future.set_result(value)
        return future


BRANCH: contextvars.ContextVar[BranchContext | None] = contextvars.ContextVar("baton.branch", default=None)


def current_context(primitive: str) -> BranchContext:
    """The branch this primitive call belongs to, or a clear error."""
    if IN_CLOSURE.get():
        raise InvalidArgumentError(f"{primitive}() cannot be called inside a task or step closure; call it from the workflow body instead")
    context = BRANCH.get()
    if context is None:
        raise OutsideRunError(
            f"{primitive}() was called outside a running workflow. Call it from the workflow's main function, "
            "not at module load, from a task or step closure, or after the run ended."
        )
    return context


def in_body() -> bool:
    """True while workflow body code runs (decorated tasks become task calls)."""
    return BRANCH.get() is not None and not IN_CLOSURE.get()
