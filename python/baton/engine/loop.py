"""The deterministic driver of body code: an asyncio event loop that never waits (async bodies),
and fibers that hand off by semaphores (sync bodies). Exactly one piece of body code runs at a
time and only when the delivery loop lets it, so every replay interleaves alike."""
from __future__ import annotations

import asyncio
import collections
import contextvars
import sys
import threading
import time
from asyncio import events
from typing import Any, Callable

from ..determinism import BodyHalted

# loop methods that reach the outside world: called from a body they fail the run.
_IO_METHODS = [
    "run_in_executor", "getaddrinfo", "getnameinfo", "create_connection", "create_server", "create_unix_connection",
    "create_unix_server", "create_datagram_endpoint", "connect_accepted_socket", "connect_read_pipe",
    "connect_write_pipe", "subprocess_exec", "subprocess_shell", "add_reader", "add_writer", "sock_recv",
    "sock_recv_into", "sock_sendall", "sock_connect", "sock_accept", "sock_sendfile", "sendfile", "start_tls",
    "add_signal_handler", "shutdown_asyncgens", "shutdown_default_executor",
]


class BodyLoop(asyncio.AbstractEventLoop):
    """An event loop for async bodies: call_soon queues, timers and I/O fail the run (``forbid``)."""

    def __init__(self, forbid: Callable[[str], None]) -> None:
        self._ready: collections.deque[asyncio.Handle] = collections.deque()
        self._forbid = forbid

    # --- what asyncio's futures and tasks need
    def call_soon(self, callback: Callable[..., Any], *args: Any, context: contextvars.Context | None = None) -> asyncio.Handle:  # type: ignore[override]
        handle = asyncio.Handle(callback, args, self, context)
        self._ready.append(handle)
        return handle

    call_soon_threadsafe = call_soon  # type: ignore[assignment]

    def call_later(self, delay: float, callback: Callable[..., Any], *args: Any, context: contextvars.Context | None = None) -> asyncio.TimerHandle:  # type: ignore[override]
        # asyncio.sleep(d > 0) schedules futures._set_result_unless_cancelled: name it as the author wrote it.
        what = "asyncio.sleep()" if getattr(callback, "__name__", "") == "_set_result_unless_cancelled" else "a timer (loop.call_later())"
        self._forbid(what)
        return asyncio.TimerHandle(self.time() + delay, callback, args, self, context)

    def call_at(self, when: float, callback: Callable[..., Any], *args: Any, context: contextvars.Context | None = None) -> asyncio.TimerHandle:  # type: ignore[override]
        return self.call_later(when - self.time(), callback, *args, context=context)

    def time(self) -> float:
        return time.monotonic()

    def create_future(self) -> asyncio.Future[Any]:
        return asyncio.Future(loop=self)

    def create_task(self, coro: Any, *, name: str | None = None, context: contextvars.Context | None = None) -> asyncio.Task[Any]:  # type: ignore[override]
        return asyncio.Task(coro, loop=self, name=name, context=context)

    def get_debug(self) -> bool:
        return False

    def is_closed(self) -> bool:
        return False

    def is_running(self) -> bool:
        return True

    def call_exception_handler(self, context: dict[str, Any]) -> None:
        # Futures of a halted body are dropped unretrieved on purpose: nothing to report.
        return None

    def default_exception_handler(self, context: dict[str, Any]) -> None:
        return None

    def get_task_factory(self) -> None:
        return None

    def _timer_handle_cancelled(self, handle: asyncio.TimerHandle) -> None:
        return None

    # --- the driver
    def run_ready(self) -> None:
        """Runs every queued callback (and those they queue) until the body is at rest."""
        previous = events._get_running_loop()
        events._set_running_loop(self)
        try:
            while self._ready:
                handle = self._ready.popleft()
                if not handle._cancelled:
                    handle._run()
        finally:
            events._set_running_loop(previous)


def _forbidding(name: str) -> Callable[..., Any]:
    def method(self: BodyLoop, *args: Any, **kwargs: Any) -> Any:
        self._forbid(f"loop.{name}()")
        raise BodyHalted()

    return method


for _name in _IO_METHODS:
    setattr(BodyLoop, _name, _forbidding(_name))


FIBER: contextvars.ContextVar["Fiber | None"] = contextvars.ContextVar("baton.fiber", default=None)


class Fiber:
    """A sync body branch on a thread of its own, run only while the loop thread waits for it.

    Design: sync bodies block inside primitives, so each branch (the body, each parallel item)
    needs its own stack; a thread gives one. Control passes by two semaphores: ``resume`` lets
    the fiber run and blocks the caller until the fiber parks on a future or ends, so exactly
    one piece of body code runs at a time, and parked fibers wake from future callbacks in the
    loop's deterministic order. A fiber that neither parks nor ends within ``block_limit``
    seconds is blocked on something Baton cannot see: ``on_blocked`` fails the run.
    """

    def __init__(self, fn: Callable[[], Any], context: contextvars.Context, on_done: Callable[[bool, Any], None],
                 on_blocked: Callable[[str], None], block_limit: float) -> None:
        self._fn = fn
        self._context = context
        self._on_done = on_done
        self._on_blocked = on_blocked
        self._block_limit = block_limit
        self._go = threading.Semaphore(0)
        self._back = threading.Semaphore(0)
        self._thread = threading.Thread(target=self._main, name="baton-body", daemon=True)
        self.finished = False
        self.killed = False
        self.abandoned = False

    def start(self) -> None:
        """Starts the fiber and waits until it parks or ends."""
        self._thread.start()
        self._wait()

    def _main(self) -> None:
        self._go.acquire()
        ok, value = True, None
        try:
            value = self._context.run(self._run)
        except BaseException as error:  # noqa: BLE001 - the body's failure is data
            ok, value = False, error
        self.finished = True
        if not self.killed and not self.abandoned:
            self._on_done(ok, value)
        self._back.release()

    def _run(self) -> Any:
        FIBER.set(self)
        if self.killed:
            raise BodyHalted()
        return self._fn()

    def _wait(self) -> None:
        self._go.release()
        if self._back.acquire(timeout=self._block_limit):
            return
        self.abandoned = True
        self._on_blocked(_where(self._thread))

    def park(self, future: asyncio.Future[Any]) -> Any:
        """Called on the fiber's thread: blocks it until ``future`` is done, then returns its result."""
        if self.killed or self.abandoned:
            raise BodyHalted()
        if not future.done():
            future.add_done_callback(lambda _: self.resume())
            self._back.release()
            self._go.acquire()
            if self.killed or self.abandoned:
                raise BodyHalted()
        return future.result()

    def resume(self) -> None:
        """Called by the loop: lets the fiber run until it parks again or ends."""
        if self.finished or self.abandoned:
            return
        self._wait()

    def kill(self) -> None:
        """Unwinds a parked fiber of a halted execution (its finally blocks run), briefly waited for."""
        if self.finished or self.abandoned or not self._thread.is_alive():
            return
        self.killed = True
        self._go.release()
        self._back.acquire(timeout=1.0)


def _where(thread: threading.Thread) -> str:
    """Where a blocked thread stands, for the stuck error: the innermost frame."""
    frame = sys._current_frames().get(thread.ident or -1)
    if frame is None:
        return "something that is not a Baton primitive"
    code = frame.f_code
    return f"{code.co_name}() at {code.co_filename}:{frame.f_lineno}"
