"""Running what a poll hands out: an activation (replay the body, answer its commands) or a task
attempt (a script by path, or a body's closure reached by replaying the run to its key)."""
from __future__ import annotations

from typing import Any, Callable

from ..determinism import real_now_ms
from ..engine.closure import Cancel, run_closure
from ..engine.execution import AnyResolver, Execution
from ..engine.task_replay import run_task_by_replay
from ..error_data import to_error_data
from ..errors import ScriptNotFoundError, WorkflowNotFoundError
from .client import WorkerClient
from .loader import Registry


class ActivationHost:
    """Collects what the body does in one activation as protocol commands."""

    def __init__(self) -> None:
        self.commands: list[dict[str, Any]] = []
        self.steps: list[tuple[str, int, Callable[..., Any], dict[str, Any]]] = []

    def begin(self, call: dict[str, Any]) -> None:
        self.commands.append({"kind": "call", "call": call})

    def run_step(self, key: str, attempt: int, fn: Callable[..., Any], options: dict[str, Any], done: Callable[[Any], None]) -> None:
        # Run once the body is at rest; the Worker records the outcome and sends a new activation.
        self.steps.append((key, attempt, fn, options))


def full_log(item: dict[str, Any], client: WorkerClient | None, claim: str) -> list[dict[str, Any]]:
    """The activation's whole log, following logCursor pages."""
    log = list(item.get("log") or [])
    cursor = item.get("logCursor")
    while cursor and client is not None:
        page, cursor = client.log_page(claim, cursor)
        log.extend(page)
    return log


def _replay_options(item: dict[str, Any]) -> dict[str, Any]:
    return {"seed": str(item.get("seed") or item.get("runId") or ""), "started_at": float(item.get("startedAt") or 0), "code_change": item.get("codeChange")}


def _outcome(outcome: dict[str, Any]) -> dict[str, Any]:
    """An outcome as the protocol takes it: ok and value, or ok and error (logs travel beside it)."""
    return {"ok": True, "value": outcome.get("value")} if outcome.get("ok") else {"ok": False, "error": outcome["error"]}


def activation_commands(item: dict[str, Any], registry: Registry, client: WorkerClient | None = None) -> list[dict[str, Any]]:
    """Replays the body against the activation's log and answers, in order, what it does next."""
    served = registry.workflows.get(item.get("workflow", ""))
    if served is None:
        error = WorkflowNotFoundError(f'this worker serves no workflow "{item.get("workflow")}" (it serves {", ".join(sorted(registry.workflows)) or "none"})')
        return [{"kind": "fail", "error": to_error_data(error)}]
    host = ActivationHost()
    log = full_log(item, client, item.get("claim", ""))
    execution = Execution(served.main, item.get("input"), log, host, resolver=AnyResolver(), **_replay_options(item))
    execution.start()
    commands = list(host.commands)
    if execution.ended is None:
        for key, attempt, fn, options in host.steps:
            outcome = run_closure(fn, key, attempt, options.get("timeout"))
            commands.append({"kind": "step_result", "key": key, "attempt": attempt, "outcome": _outcome(outcome)})
    else:
        end = execution.ended
        commands.append({"kind": "complete", "output": end.get("output")} if end["status"] == "completed" else {"kind": "fail", "error": end["error"]})
    return commands


def task_outcome(item: dict[str, Any], registry: Registry, cancel: Cancel, client: WorkerClient | None = None) -> dict[str, Any]:
    """Runs one task attempt and answers its outcome (with what its code printed under "logs")."""
    key, attempt = item["key"], int(item.get("attempt", 1))
    deadline = item.get("deadline")
    timeout = None if not deadline else max(0.001, (float(deadline) - real_now_ms()) / 1000)
    script = item.get("script")
    if script:
        served = registry.scripts.get(script["path"])
        if served is None:
            error = ScriptNotFoundError(f'this worker serves no script "{script["path"]}" (it serves {", ".join(sorted(registry.scripts)) or "none"})')
            return {"ok": False, "error": to_error_data(error)}
        return run_closure(served.main, key, attempt, timeout, cancel, (script.get("args"),))
    activation = item.get("activation") or {}
    served = registry.workflows.get(activation.get("workflow", ""))
    if served is None:
        return {"ok": False, "error": to_error_data(WorkflowNotFoundError(f'this worker serves no workflow "{activation.get("workflow")}"'))}
    log = full_log(activation, client, item.get("claim", ""))
    return run_task_by_replay(served.main, activation.get("input"), log, key, attempt, resolver=AnyResolver(), cancel=cancel, **_replay_options(activation))


def task_answer(outcome: dict[str, Any]) -> dict[str, Any]:
    """The body of POST complete for a task."""
    return {"outcome": _outcome(outcome), "logs": list(outcome.get("logs") or [])}
