"""Decorators: @workflow marks a workflow's main, @script a script's main, and task() is both the
primitive and a decorator whose function, called in a body, runs as a task named after it."""
from __future__ import annotations

import functools
from typing import Any, Callable

from .engine.closure import IN_CLOSURE
from .engine.context import in_body
from .errors import InvalidArgumentError
from .options import resolve_task_options
from .primitives import run_task

WORKFLOW_MARK = "__baton_workflow__"
SCRIPT_MARK = "__baton_script__"


class TaskFunction:
    """A function decorated with @task: in a workflow body a call runs as a task; elsewhere it is a plain call."""

    def __init__(self, fn: Callable[..., Any], name: str | None, options: dict[str, Any]) -> None:
        resolve_task_options(options, "task")  # a bad option fails at import, not in a run
        self.fn = fn
        self.name = name or getattr(fn, "__name__", "task")
        self.options = options
        functools.update_wrapper(self, fn)  # type: ignore[arg-type]

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not in_body():
            return self.fn(*args, **kwargs)
        return run_task(self.name, lambda: self.fn(*args, **kwargs), **self.options)


def task(*args: Any, name: str | None = None, **options: Any) -> Any:
    """``task(fn, **opts)`` / ``task("name", fn, **opts)`` in a body runs a task; ``@task`` / ``@task(**opts)`` decorates."""
    if args and isinstance(args[0], str) and len(args) >= 2:
        return run_task(args[0], args[1], **options)
    if args and isinstance(args[0], str):
        return lambda fn: TaskFunction(fn, args[0], options)
    if not args:
        return lambda fn: TaskFunction(fn, name, options)
    fn = args[0]
    if len(args) > 1 or not callable(fn):
        raise InvalidArgumentError("task() takes a function, or a name and a function: task(fn) or task(\"name\", fn)")
    # In a body, or nested in a running closure (which runs it as part of itself): a call, not a decoration.
    if in_body() or IN_CLOSURE.get():
        return run_task(name, fn, **options) if name is not None else run_task(fn, **options)
    return TaskFunction(fn, name, options)


def workflow(fn: Callable[..., Any] | None = None, *, name: str | None = None) -> Any:
    """Marks a module's ``main(input)`` as a workflow (``@workflow`` or ``@workflow(name=...)``)."""
    def mark(target: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(target):
            raise InvalidArgumentError("@workflow decorates a function: def main(input): ...")
        setattr(target, WORKFLOW_MARK, {"name": name})
        return target

    return mark(fn) if fn is not None else mark


def script(fn: Callable[..., Any] | None = None, **options: Any) -> Any:
    """Marks a module's ``main(args)`` as a script run by path with task_script() (``@script`` or ``@script(**task_options)``)."""
    def mark(target: Callable[..., Any]) -> Callable[..., Any]:
        if not callable(target):
            raise InvalidArgumentError("@script decorates a function: def main(args): ...")
        resolve_task_options(options, "script")
        setattr(target, SCRIPT_MARK, {"options": options})
        return target

    return mark(fn) if fn is not None else mark


def is_workflow(fn: Any) -> bool:
    """True for a function marked @workflow."""
    return callable(fn) and hasattr(fn, WORKFLOW_MARK)


def is_script(fn: Any) -> bool:
    """True for a function marked @script."""
    return callable(fn) and hasattr(fn, SCRIPT_MARK)
