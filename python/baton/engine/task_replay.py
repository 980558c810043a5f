"""Task mode (sdk/core/task-replay.ts): replay a body from its log until it asks for one task,
then run that task's closure; a replay that ends or rests without asking reports the failure."""
from __future__ import annotations

from typing import Any, Callable, Iterable

from ..errors import NonDeterminismError, StuckRunError
from ..error_data import to_error_data
from ..log import LogEntry
from .closure import Cancel, run_closure
from .execution import Execution, Resolver
from .replay_errors import task_not_reached


def run_task_by_replay(body: Callable[..., Any], input: Any, log: Iterable[LogEntry], key: str, attempt: int, *,
                       resolver: Resolver | None = None, code_change: str | None = None, seed: str = "",
                       started_at: float = 0, cancel: Cancel | None = None, block_limit: float = 30.0) -> dict[str, Any]:
    """Replays ``body`` over ``log`` to the task at ``key`` and returns the outcome of running its closure."""
    execution = Execution(body, input, list(log), mode="task", target=(key, attempt), resolver=resolver,
                          code_change=code_change, seed=seed, started_at=started_at, block_limit=block_limit)
    execution.start()
    if execution.target is None:
        end = execution.ended
        if end is not None and end.get("status") == "failed" and end["error"].get("name") in (NonDeterminismError.__name__, StuckRunError.__name__):
            return {"ok": False, "error": end["error"]}
        return {"ok": False, "error": to_error_data(task_not_reached(key, [], code_change))}
    fn, options = execution.target
    return run_closure(fn, key, attempt, options.get("timeout"), cancel)
