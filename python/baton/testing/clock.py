"""The virtual clock run_locally runs on (sdk/testing/virtual-clock.ts): while task or step code
runs it follows the wall clock, so a race between real work and a timer ends as deployed; when
nothing runs it jumps to the next timer. Code that makes no progress for ``stall_ms`` is taken
as hung, and the clock jumps to an attempt timeout due first."""
from __future__ import annotations

import queue
import threading
from dataclasses import dataclass
from typing import Any, Callable

from ..determinism import real_now_ms
from ..errors import StuckRunError


@dataclass
class _Timer:
    at: float
    order: int
    fire: Callable[[], None]
    timeout: bool


class VirtualClock:
    """Virtual time and the host's one thread of control: everything but closures runs in run_until."""

    def __init__(self, now: float, stall_ms: float) -> None:
        self.now = float(now)
        self.stall_ms = stall_ms
        self.timers: list[_Timer] = []
        self.order = 0
        self.in_flight = 0
        self.completions: queue.Queue[Callable[[], None]] = queue.Queue()
        self.failure: BaseException | None = None
        self.steps = 0
        self._since: tuple[float, float] | None = None

    def at(self, at: float, fire: Callable[[], None], timeout: bool = False) -> Callable[[], None]:
        """Calls ``fire`` at virtual time ``at``; answers a function that cancels it."""
        timer = _Timer(max(at, self.now), self.order, fire, timeout)
        self.order += 1
        self.timers.append(timer)
        return lambda: self.timers.remove(timer) if timer in self.timers else None

    def spawn(self, work: Callable[[], Any], then: Callable[[Any], None]) -> None:
        """Runs ``work`` on a thread; ``then(result)`` runs on the clock's thread once it is done."""
        self.in_flight += 1

        def main() -> None:
            try:
                result = work()
            except BaseException as error:  # noqa: BLE001 - a host bug: stop the run loop with it
                self.completions.put(lambda: self.fail(error))
                return
            self.completions.put(lambda: then(result))

        threading.Thread(target=main, name="baton-local-work", daemon=True).start()

    def fail(self, error: BaseException) -> None:
        """Stops the run loop with ``error`` (a test setup problem, not a workflow failure)."""
        if self.failure is None:
            self.failure = error

    def _process(self, item: Callable[[], None]) -> None:
        self.in_flight -= 1
        item()

    def _fire_first(self) -> None:
        self.timers.sort(key=lambda t: (t.at, t.order))
        first = self.timers[0]
        self.now = max(self.now, first.at)
        due = [t for t in self.timers if t.at == first.at]
        for timer in due:
            self.timers.remove(timer)
        # Real time counts on from here toward the next timer.
        if self._since is not None:
            self._since = (real_now_ms(), self.now)
        for timer in due:
            timer.fire()

    def run_until(self, done: Callable[[], bool], waiting: Callable[[], str]) -> None:
        """Moves time on, firing timers and taking in finished work, until ``done()``."""
        while True:
            while True:
                try:
                    self._process(self.completions.get_nowait())
                except queue.Empty:
                    break
            if self.failure is not None:
                raise self.failure
            if done():
                return
            if self.in_flight == 0:
                self._since = None
                if not self.timers:
                    raise StuckRunError(f"the run waits for something nothing will bring: {waiting()}")
                self._fire_first()
                continue
            if self._since is None:
                self._since = (real_now_ms(), self.now)
            wall, virtual = self._since
            following = min((t.at for t in self.timers), default=float("inf"))
            reached = virtual + (real_now_ms() - wall)
            if following <= reached:
                self._fire_first()
                continue
            wait = min(following - reached, self.stall_ms)
            try:
                self._process(self.completions.get(timeout=wait / 1000))
                continue
            except queue.Empty:
                pass
            if virtual + (real_now_ms() - wall) >= following:
                continue
            if wait >= self.stall_ms:
                # Hung code is jumped past only to an attempt timeout; other timers keep the wall clock's pace.
                first = min(self.timers, key=lambda t: (t.at, t.order), default=None)
                if first is not None and any(t.timeout and t.at == first.at for t in self.timers):
                    self._fire_first()
