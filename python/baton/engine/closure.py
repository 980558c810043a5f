"""Running a task or step closure (sdk/core/run-closure.ts): its outcome as data, its timeout and
cancellation, what it printed, and primitives refused inside it."""
from __future__ import annotations

import asyncio
import contextvars
import inspect
import io
import logging
import sys
import threading
from dataclasses import dataclass, field
from typing import Any, Callable

from ..determinism import real_now_ms
from ..error_data import to_error_data
from ..errors import CancelledError, TaskTimeoutError
from ..jsonvalue import to_json

CANCEL_GRACE_S = 5.0
IN_CLOSURE: contextvars.ContextVar[bool] = contextvars.ContextVar("baton.in_closure", default=False)
# The running closure's context, for a task() or step() nested in it (run as part of it).
_CONTEXT: contextvars.ContextVar["TaskContext | None"] = contextvars.ContextVar("baton.closure_context", default=None)


def run_nested(fn: Callable[..., Any]) -> Any:
    """Runs a task() or step() called inside a running closure at once, as part of the enclosing attempt."""
    context = _CONTEXT.get()
    if context is None:
        return fn()
    result = call_closure(fn, context)
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return result
    # In an async closure the call is awaited: hand back a future already done.
    done = loop.create_future()
    done.set_result(result)
    return done
_SINK: contextvars.ContextVar["LogSink | None"] = contextvars.ContextVar("baton.log_sink", default=None)


class Cancel:
    """A cancellation a host may raise for an attempt: an event and the error it ends with."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.reason: BaseException | None = None

    def cancel(self, reason: BaseException) -> None:
        """Cancels the attempt with ``reason``."""
        if not self.event.is_set():
            self.reason = reason
            self.event.set()


@dataclass
class TaskContext:
    """What a task or step closure receives: its key, attempt, deadline and cancellation."""

    key: str
    attempt: int
    deadline: float | None = None
    cancel_event: threading.Event = field(default_factory=threading.Event)

    @property
    def cancelled(self) -> bool:
        """True once the attempt timed out or is no longer wanted: stop soon."""
        return self.cancel_event.is_set()

    def raise_if_cancelled(self) -> None:
        """Raises CancelledError when the attempt was cancelled."""
        if self.cancel_event.is_set():
            raise CancelledError(f'"{self.key}" attempt {self.attempt} was cancelled')

    def wait(self, seconds: float | None = None) -> bool:
        """Sleeps up to ``seconds`` (forever when None), waking early on cancellation; True when cancelled."""
        return self.cancel_event.wait(seconds)


class LogSink:
    """What one attempt printed, as log lines {level, message, at}."""

    def __init__(self) -> None:
        self.lines: list[dict[str, Any]] = []
        self._partial: dict[str, str] = {}

    def write(self, text: str, level: str) -> None:
        buffered = self._partial.get(level, "") + text
        *whole, rest = buffered.split("\n")
        self._partial[level] = rest
        for line in whole:
            self.add(level, line)

    def add(self, level: str, message: str) -> None:
        if len(self.lines) < 1000:
            self.lines.append({"level": level, "message": message[:16384], "at": int(real_now_ms())})

    def flush(self) -> None:
        for level, rest in self._partial.items():
            if rest:
                self.add(level, rest)
        self._partial.clear()


class _Tee(io.TextIOBase):
    """sys.stdout/stderr: also copies what a closure prints into its attempt's sink."""

    def __init__(self, real: Any, level: str) -> None:
        self._real = real
        self._level = level

    def write(self, text: str) -> int:
        sink = _SINK.get()
        if sink is not None:
            sink.write(text, self._level)
        return self._real.write(text)

    def flush(self) -> None:
        self._real.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


class _SinkHandler(logging.Handler):
    LEVELS = {"DEBUG": "debug", "INFO": "info", "WARNING": "warn", "ERROR": "error", "CRITICAL": "error"}

    def emit(self, record: logging.LogRecord) -> None:
        sink = _SINK.get()
        if sink is not None:
            sink.add(self.LEVELS.get(record.levelname, "log"), self.format(record))


_captured = False


def install_log_capture() -> None:
    """Tees stdout/stderr and logging into the running closure's sink, once per process."""
    global _captured
    if _captured:
        return
    _captured = True
    sys.stdout = _Tee(sys.stdout, "log")  # type: ignore[assignment]
    sys.stderr = _Tee(sys.stderr, "error")  # type: ignore[assignment]
    logging.getLogger().addHandler(_SinkHandler())


def takes_context(fn: Callable[..., Any], positional: int = 0) -> bool:
    """True when ``fn`` takes one more positional parameter than ``positional`` (the TaskContext)."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        return False
    if any(p.kind == p.VAR_POSITIONAL for p in params):
        return True
    plain = [p for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) and p.default is p.empty]
    return len(plain) > positional


def call_closure(fn: Callable[..., Any], context: TaskContext, *args: Any) -> Any:
    """Calls ``fn(*args[, context])`` and, for a coroutine, runs it to its end on a loop of its own."""
    value = fn(*args, context) if takes_context(fn, len(args)) else fn(*args)
    if inspect.isawaitable(value):
        async def wait() -> Any:
            return await value
        value = asyncio.run(wait())
    return value


def run_closure(fn: Callable[..., Any], key: str, attempt: int, timeout: float | None = None,
                cancel: Cancel | None = None, args: tuple[Any, ...] = ()) -> dict[str, Any]:
    """Runs a closure on a thread of its own and captures its outcome (with what it printed) as data."""
    install_log_capture()
    deadline = None if timeout is None else real_now_ms() + timeout * 1000
    context = TaskContext(key, attempt, deadline)
    sink = LogSink()
    box: dict[str, Any] = {}
    done = threading.Event()

    def main() -> None:
        IN_CLOSURE.set(True)
        _SINK.set(sink)
        _CONTEXT.set(context)
        try:
            box["outcome"] = {"ok": True, "value": to_json(call_closure(fn, context, *args), f'the result of "{key}"')}
        except BaseException as error:  # noqa: BLE001 - a closure's failure is its outcome
            box["outcome"] = {"ok": False, "error": to_error_data(error)}
        finally:
            done.set()

    # A fresh thread starts with an empty context: closures see the real clock and randomness.
    threading.Thread(target=main, name=f"baton-closure {key}", daemon=True).start()
    outcome = _await(done, box, key, attempt, timeout, cancel, context)
    sink.flush()
    if sink.lines:
        outcome = {**outcome, "logs": list(sink.lines)}
    return outcome


def _await(done: threading.Event, box: dict[str, Any], key: str, attempt: int, timeout: float | None,
           cancel: Cancel | None, context: TaskContext) -> dict[str, Any]:
    start = real_now_ms()
    while not done.is_set():
        left = None if timeout is None else timeout - (real_now_ms() - start) / 1000
        if left is not None and left <= 0:
            context.cancel_event.set()
            return {"ok": False, "error": to_error_data(TaskTimeoutError(f'"{key}" attempt {attempt} ran past its {timeout:g} s timeout'))}
        if cancel is not None and cancel.event.is_set():
            context.cancel_event.set()
            reason = cancel.reason or CancelledError(f'"{key}" attempt {attempt} was cancelled')
            # A timeout decided by the host ends the attempt at once; other cancels get a grace period.
            if not isinstance(reason, TaskTimeoutError):
                done.wait(CANCEL_GRACE_S)
            if done.is_set() and not isinstance(reason, TaskTimeoutError):
                break
            return {"ok": False, "error": to_error_data(reason)}
        done.wait(0.02 if cancel is not None else left)
    return box["outcome"]
