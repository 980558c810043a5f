"""The worker process: registers (again every leaseSeconds / 2 as presence), long-polls its queue
for as many items as it has free slots, runs each on a thread pool with heartbeats, answers it,
and reconnects with back-off when the Worker cannot be reached."""
from __future__ import annotations

import concurrent.futures
import socket
import sys
import threading
import uuid
from typing import Any, Callable, TextIO

from ..engine.closure import Cancel
from ..error_data import to_error_data
from ..errors import CancelledError
from ..determinism import REAL_SLEEP
from .client import PROTOCOL, SDK, Refused, Unreachable, WorkerClient
from .items import activation_commands, task_answer, task_outcome
from .loader import Registry


class FatalSetup(Exception):
    """A refusal no retry fixes (wrong token, protocol, unset secret): the process exits with status 2."""


def explain(error: Refused, url: str) -> str:
    """The one clear line a fatal refusal prints."""
    if error.status == 401:
        return (f"the Worker refused the worker token (401 unauthorized) at {url}: "
                "set BATON_WORKER_TOKEN to the Worker's BATON_WORKER_TOKEN secret (or pass --token)")
    if error.code == "protocol_mismatch":
        return f"the Worker at {url} does not speak this worker's protocol version {PROTOCOL} ({SDK}): {error.message}"
    if error.status == 503 and error.code == "worker_token_unset":
        return (f"the Worker at {url} has no BATON_WORKER_TOKEN secret: set one with `wrangler secret put BATON_WORKER_TOKEN` "
                "(npm run dev uses baton-dev-worker-token) and pass the same value here")
    return f"the Worker at {url} refused: {error.status} {error.code}: {error.message}"


def is_fatal(error: Refused) -> bool:
    """True for refusals that end the process."""
    return error.status == 401 or error.code in ("protocol_mismatch", "worker_token_unset")


class Worker:
    """One worker process serving ``registry`` on ``queue``."""

    def __init__(self, client: WorkerClient, registry: Registry, queue: str = "python", concurrency: int = 4,
                 out: TextIO | None = None, sleep: Callable[[float], None] = REAL_SLEEP) -> None:
        self.client = client
        self.registry = registry
        self.queue = queue
        self.concurrency = concurrency
        self.out = out or sys.stderr
        self.sleep = sleep
        self.id = str(uuid.uuid4())
        self.lease_seconds = 30.0
        self.poll_seconds = 25.0
        self.stopping = threading.Event()
        self.busy = 0
        self.slots = threading.Condition()
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="baton-item")
        self.backoff = 1.0

    def say(self, line: str) -> None:
        """One line to stderr (never the token)."""
        print(f"baton-worker: {line}", file=self.out, flush=True)

    # --- presence
    def register(self) -> None:
        """Registers the worker and what it serves; takes the timings the Worker answers."""
        worker = {"id": self.id, "language": "python", "sdk": SDK, "queue": self.queue, "host": socket.gethostname()[:200]}
        workflows = [{"name": s.name, "version": s.version} for s in self.registry.workflows.values()]
        scripts = [{"name": s.name, "version": s.version} for s in self.registry.scripts.values()]
        answer = self.client.register(worker, workflows, scripts)
        self.lease_seconds = float(answer.get("leaseSeconds", 30))
        self.poll_seconds = float(answer.get("pollSeconds", 25))

    def _presence(self) -> None:
        while not self.stopping.wait(self.lease_seconds / 2):
            try:
                self.register()
            except (Unreachable, Refused):
                pass  # the poll loop reports and backs off

    def _reconnect(self, error: Unreachable) -> None:
        self.say(f"cannot reach {self.client.url}: {error}; retrying in {self.backoff:g} s")
        self.stopping.wait(self.backoff) if self.sleep is REAL_SLEEP else self.sleep(self.backoff)
        self.backoff = min(self.backoff * 2, 30.0)

    # --- the loop
    def run(self, max_polls: int | None = None) -> int:
        """Serves until stopped; answers the exit status (0, or 2 for a fatal refusal)."""
        while not self.stopping.is_set():
            try:
                self.register()
                break
            except Unreachable as error:
                self._reconnect(error)
            except Refused as error:
                self.say(explain(error, self.client.url))
                return 2
        if self.stopping.is_set():
            return self._drain()
        self.backoff = 1.0
        self.say(f"serving {len(self.registry.workflows)} workflow(s) and {len(self.registry.scripts)} script(s) on queue {self.queue!r} "
                 f"as worker {self.id} ({self.concurrency} slot(s))")
        threading.Thread(target=self._presence, name="baton-presence", daemon=True).start()
        polls = 0
        while not self.stopping.is_set() and (max_polls is None or polls < max_polls):
            with self.slots:
                while self.busy >= self.concurrency and not self.stopping.is_set():
                    self.slots.wait(0.5)
                free = self.concurrency - self.busy
            if self.stopping.is_set():
                break
            try:
                items = self.client.poll(self.queue, self.id, max(1, min(free, 32)), self.poll_seconds)
                polls += 1
                self.backoff = 1.0
            except Unreachable as error:
                self._reconnect(error)
                continue
            except Refused as error:
                if is_fatal(error):
                    self.say(explain(error, self.client.url))
                    self.stopping.set()
                    self._drain()
                    return 2
                self.say(f"poll refused: {error}; retrying in {self.backoff:g} s")
                self.stopping.wait(self.backoff)
                self.backoff = min(self.backoff * 2, 30.0)
                continue
            for item in items:
                with self.slots:
                    self.busy += 1
                self.pool.submit(self._handle, item)
        return self._drain()

    def stop(self) -> None:
        """Stops polling; claimed work finishes."""
        self.stopping.set()

    def _drain(self) -> int:
        self.pool.shutdown(wait=True)
        return 0

    # --- one item
    def _handle(self, item: dict[str, Any]) -> None:
        try:
            self._run_item(item)
        except Exception as error:  # noqa: BLE001 - one item's trouble must not stop the worker
            self.say(f"{item.get('kind')} run={item.get('runId')}: {type(error).__name__}: {error}")
        finally:
            with self.slots:
                self.busy -= 1
                self.slots.notify_all()

    def _run_item(self, item: dict[str, Any]) -> None:
        claim = item["claim"]
        cancel = Cancel()
        unwanted = threading.Event()
        done = threading.Event()

        def beat() -> None:
            while not done.wait(max(self.lease_seconds / 3, 0.05)):
                try:
                    if not self.client.heartbeat(claim):
                        unwanted.set()
                        cancel.cancel(CancelledError(f"the claim on {item.get('key') or 'the activation'} was given up (not wanted any more)"))
                        return
                except (Unreachable, Refused):
                    continue

        threading.Thread(target=beat, name="baton-heartbeat", daemon=True).start()
        try:
            if item.get("kind") == "activation":
                self.say(f"activation run={item.get('runId')} workflow={item.get('workflow')} log={len(item.get('log') or [])}")
                body = {"commands": activation_commands(item, self.registry, self.client)}
            else:
                what = f"script={item['script']['path']}" if item.get("script") else f"workflow={(item.get('activation') or {}).get('workflow')}"
                self.say(f"task run={item.get('runId')} key={item.get('key')} attempt={item.get('attempt')} {what}")
                try:
                    outcome = task_outcome(item, self.registry, cancel, self.client)
                except Exception as error:  # noqa: BLE001
                    outcome = {"ok": False, "error": to_error_data(error)}
                body = task_answer(outcome)
        finally:
            done.set()
        if unwanted.is_set():
            return
        self.client.complete(claim, body)
