"""The author API's primitives (sdk/index.ts, sdk/compose.ts). Each works in both body styles:
a sync body gets the value (the call blocks its branch), an async body an awaitable future."""
from __future__ import annotations

import datetime as _dt
import re
from typing import Any, Callable

from .durations import Duration, only_known_keys, to_seconds
from .engine.closure import IN_CLOSURE, run_nested
from .engine.context import current_context, in_body
from .errors import InvalidArgumentError
from .options import resolve_task_options, step_options
from .requests import approval_request, event_request

_PATCH_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")
_PATH = re.compile(r"^[A-Za-z0-9_-][A-Za-z0-9_./-]{0,199}$")


def _check_name(primitive: str, name: Any) -> None:
    if not isinstance(name, str) or not 0 < len(name) <= 200:
        raise InvalidArgumentError(f"{primitive}() name must be a non-empty string of at most 200 characters")


def _named(primitive: str, a: Any, b: Any) -> tuple[str | None, Callable[..., Any]]:
    if callable(a) and not isinstance(a, str):
        return None, a
    _check_name(primitive, a)
    if not callable(b):
        raise InvalidArgumentError(f'{primitive}("{a}", fn) takes a function as its second argument')
    return a, b


def run_task(a: Any, b: Any = None, /, **options: Any) -> Any:
    """Runs ``fn`` as its own queued attempt; its result is checkpointed. ``run_task("name", fn, **opts)`` names it."""
    name, fn = _named("task", a, b)
    resolved = resolve_task_options(options, "task")
    # Nested in a running task (task(lambda: transform(task(lambda: fetch(url))))): part of that attempt.
    if IN_CLOSURE.get():
        return run_nested(fn)
    context = current_context("task")
    return context.wait(context.execution.task(context.branch, name, fn, resolved))


def step(a: Any, b: Any = None, /, **options: Any) -> Any:
    """Runs ``fn`` inline in the activation; its result is checkpointed. Options: retries and timeout."""
    name, fn = _named("step", a, b)
    resolved = step_options(options)
    if IN_CLOSURE.get():
        return run_nested(fn)
    context = current_context("step")
    return context.wait(context.execution.step(context.branch, name, fn, resolved))


def sleep(a: Any, b: Any = None, /) -> Any:
    """Suspends the run for a duration (seconds, or e.g. "5 minutes"); ``sleep("name", duration)`` names it."""
    name, duration = (None, a) if b is None else (a, b)
    if name is not None:
        _check_name("sleep", name)
    seconds = to_seconds(duration, "sleep()")
    context = current_context("sleep")
    return context.wait(context.execution.sleep(context.branch, name, seconds))


def _epoch_ms(time: Any) -> int | None:
    if isinstance(time, _dt.datetime):
        moment = time if time.tzinfo is not None else time.replace(tzinfo=_dt.timezone.utc)
        return int(round(moment.timestamp() * 1000))
    if isinstance(time, str) and re.match(r"^\d{4}-\d{2}-\d{2}", time):
        try:
            return _epoch_ms(_dt.datetime.fromisoformat(time.replace("Z", "+00:00")))
        except ValueError:
            return None
    return None


def sleep_until(a: Any, b: Any = None, /) -> Any:
    """Suspends the run until a datetime or ISO 8601 time; a time already past returns at once."""
    name, time = (None, a) if b is None else (a, b)
    if name is not None:
        _check_name("sleepUntil", name)
    at = _epoch_ms(time)
    if at is None:
        raise InvalidArgumentError(f'sleepUntil() takes a datetime or an ISO 8601 time, e.g. "2026-12-01T09:00:00Z", got {time!r}')
    context = current_context("sleepUntil")
    # The body's recorded clock decides, so a replay decides alike.
    if at <= context.execution.now_ms():
        return context.done(None)
    return context.wait(context.execution.sleep_until(context.branch, name, at))


def wait_for_event(name: str, *, timeout: Duration | None = None) -> Any:
    """Suspends the run until the event ``name`` is sent to it; returns its JSON payload (EventTimeoutError past the timeout)."""
    request = event_request(name, {"timeout": timeout})
    context = current_context("waitForEvent")
    return context.wait(context.execution.event(context.branch, request))


def wait_for_approval(name: str | None = None, **options: Any) -> Any:
    """Suspends the run until a person approves or rejects, or the timeout passes; returns {approved, decision, by?, comment?, decidedAt}."""
    if name is not None:
        _check_name("waitForApproval", name)
    only_known_keys(options, ["to", "subject", "message", "timeout", "data"], "waitForApproval()")
    request = approval_request(**options)
    context = current_context("waitForApproval")
    return context.wait(context.execution.approval(context.branch, name, request))


def parallel(items: Any, fn: Callable[..., Any], concurrency: int | None = None) -> Any:
    """Runs ``fn(item)`` (or ``fn(item, index)``) for every item, at most ``concurrency`` at once; results in item order."""
    if not isinstance(items, (list, tuple)):
        raise InvalidArgumentError("parallel() takes a list of items first")
    if not callable(fn):
        raise InvalidArgumentError("parallel() takes a function as its second argument")
    if concurrency is not None and (not isinstance(concurrency, int) or isinstance(concurrency, bool) or concurrency < 1):
        raise InvalidArgumentError(f"parallel() concurrency must be an integer ≥ 1, got {concurrency!r}")
    context = current_context("parallel")
    return context.wait(context.execution.parallel(context.branch, list(items), fn, concurrency))


def _check_path(primitive: str, path: Any) -> None:
    if not isinstance(path, str) or not _PATH.match(path) or any(p in ("", ".", "..") for p in path.split("/")):
        raise InvalidArgumentError(f'{primitive}() takes the path of a registered workflow or script without its extension, e.g. "reports/build"; got {path!r}')
    for ext in (".ts", ".py"):
        if path.endswith(ext):
            raise InvalidArgumentError(f'{primitive}() takes the path without "{ext}": "{path[: -len(ext)]}"')


def task_script(path: str, args: Any = None, **options: Any) -> Any:
    """Runs the script registered at ``path`` (TypeScript or Python) as a task with ``args``; options override the script's."""
    _check_path("taskScript", path)
    resolve_task_options(options, "taskScript")
    context = current_context("taskScript")
    return context.wait(context.execution.script(context.branch, path, args, options or None))


def task_flow(path: str, input: Any = None, timeout: Duration | None = None) -> Any:
    """Starts a child run of the workflow at ``path`` and waits for its end: its output, or its error."""
    _check_path("taskFlow", path)
    seconds = None if timeout is None else to_seconds(timeout, "taskFlow() timeout", 0, True)
    context = current_context("taskFlow")
    return context.wait(context.execution.flow(context.branch, path, input, seconds))


def patched(patch_id: str) -> bool:
    """True for runs that reach this point under the new code, False for runs that passed it under the old code."""
    if not isinstance(patch_id, str) or not _PATCH_ID.match(patch_id):
        raise InvalidArgumentError(f"patched() takes an id of 1 to 100 letters, digits or _ . : -, got {patch_id!r}")
    context = current_context("patched")
    return context.execution.patched(context.branch, patch_id)


__all__ = ["run_task", "step", "sleep", "sleep_until", "wait_for_event", "wait_for_approval", "parallel", "task_script", "task_flow", "patched", "in_body"]
