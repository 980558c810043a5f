"""The replay machine (sdk/core/execution.ts): runs a workflow body against its log. Every outcome
reaches the body through one delivery loop, in delivery order, one at a time with the body at
rest in between; calls the log has not seen go to the host and stay pending."""
from __future__ import annotations

import asyncio
import contextvars
import inspect
import random
from typing import Any, Callable, Iterable

from ..determinism import BODY, BodyHalted
from ..error_data import from_error_data, to_error_data
from ..errors import ScriptNotFoundError, WorkflowNotFoundError
from ..jsonvalue import to_json
from ..keys import ROOT_BRANCH, item_branch, step_key
from ..log import Located, LogEntry, RecordedLog, is_settled, outcome_of
from ..options import resolve_task_options
from .closure import takes_context
from .context import BRANCH, BranchContext
# Re-exported: hosts import them from here.
from .hosts import AnyResolver, ExecutionHost, IdleHost, Resolver
from .loop import BodyLoop, Fiber
from .parallel import run_parallel
from .replay_errors import blocked, diverged_at, forbidden, not_asked_for, stuck, task_not_reached


def _outside(fn: Callable[..., Any], *args: Any) -> Any:
    # Engine work a body call reaches runs without the body's context: real clock, real randomness.
    return contextvars.Context().run(fn, *args)


class Execution:
    """One run of a workflow body against its log, in drive or task mode."""

    def __init__(self, body: Callable[..., Any], input: Any, log: Iterable[LogEntry], host: ExecutionHost | None = None, *,
                 mode: str = "drive", target: tuple[str, int] | None = None, resolver: Resolver | None = None,
                 code_change: str | None = None, seed: str = "", started_at: float = 0, not_found_hint: str = "",
                 block_limit: float = 30.0, on_end: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.body = body
        self.input = input
        self.host: ExecutionHost = host or IdleHost()
        self.mode = mode
        self.target_key, self.target_attempt = target or ("", 0)
        self.resolver: Resolver = resolver or AnyResolver()
        self.code_change = code_change
        self.not_found_hint = not_found_hint
        self.block_limit = block_limit
        self.on_end = on_end
        self.sync = not inspect.iscoroutinefunction(body)
        self.loop = BodyLoop(self._forbid)
        self.log = RecordedLog()
        self.waiting: dict[str, asyncio.Future[Any]] = {}
        self.inbox: dict[int, dict[str, Any]] = {}
        self.delivered = 0
        self.now = float(started_at)
        self.last_key: str | None = None
        self.random = random.Random(seed)
        self.halted = False
        self.ended: dict[str, Any] | None = None
        self.closures: dict[str, tuple[Callable[..., Any], dict[str, Any]]] = {}
        self.steps: dict[str, tuple[Located, Callable[..., Any], dict[str, Any]]] = {}
        self.target: tuple[Callable[..., Any], dict[str, Any]] | None = None
        self.fibers: list[Fiber] = []
        self._pumping = False
        self._remember(log)

    # --- the body environment (determinism.BodyEnvironment)
    def now_ms(self) -> float:
        """The body's clock: the run's start, then the recorded time of the outcome last delivered."""
        return self.now

    def forbid(self, call: str) -> None:
        """The body called a timer or I/O itself: the run fails."""
        self.fail(forbidden(call))

    _forbid = forbid

    # --- driving
    def start(self) -> None:
        """Calls the workflow function; recorded outcomes are then delivered in order until the body rests."""
        context = self._branch_context(contextvars.Context(), ROOT_BRANCH)
        if self.sync:
            self.launch_fiber(context, lambda: self.body(self.input), self._root_done)
        else:
            try:
                coroutine = context.run(self.body, self.input)
                task = self.loop.create_task(coroutine, context=context)
                task.add_done_callback(self._root_task_done)
            except Exception as error:  # noqa: BLE001
                self.fail(error)
        self.pump()

    def _branch_context(self, base: contextvars.Context, branch: str) -> contextvars.Context:
        context = base.copy()
        context.run(BRANCH.set, BranchContext(self, branch))
        context.run(BODY.set, self)  # type: ignore[arg-type]
        return context

    def launch_fiber(self, context: contextvars.Context, fn: Callable[[], Any], on_done: Callable[[bool, Any], None]) -> None:
        """Starts a sync branch on a fiber at the loop's next turn."""
        fiber = Fiber(fn, context, on_done, lambda where: self.fail(blocked(where)), self.block_limit)
        self.fibers.append(fiber)
        self.loop.call_soon(fiber.start)

    def _root_done(self, ok: bool, value: Any) -> None:
        if ok:
            self._complete(value)
        elif not isinstance(value, BodyHalted):
            self.fail(value)

    def _root_task_done(self, task: asyncio.Future[Any]) -> None:
        if task.cancelled():
            self.fail(asyncio.CancelledError("the workflow body's task was cancelled"))
            return
        error = task.exception()
        if error is None:
            self._complete(task.result())
        elif not isinstance(error, BodyHalted):
            self.fail(error)

    def _complete(self, output: Any) -> None:
        try:
            self.end({"status": "completed", "output": to_json(output, "the workflow's return value")})
        except Exception as error:  # noqa: BLE001
            self.fail(error)

    def deliver(self, settled: dict[str, Any]) -> bool:
        """Drive mode: an outcome the host just stored reaches the body in its place in the order."""
        if self.halted or settled["delivery"] <= self.delivered or settled["delivery"] in self.inbox:
            return False
        self.inbox[settled["delivery"]] = settled
        self.pump()
        return True

    def pump(self) -> None:
        """The delivery loop: body to rest, then the next outcome in order, until none can be handed over."""
        if self._pumping:
            return
        self._pumping = True
        try:
            while True:
                self.loop.run_ready()
                if self.halted:
                    break
                following = self.inbox.get(self.delivered + 1)
                if following is None:
                    self._quiet()
                    break
                clock = self.now
                self.now = float(following.get("at", self.now))
                if not self._hand(following):
                    self.now = clock
                    self._unasked(following)
                    break
                del self.inbox[following["delivery"]]
                self.delivered = following["delivery"]
                self.last_key = following["key"]
        finally:
            self._pumping = False
        if self.halted:
            self._reap()

    def _reap(self) -> None:
        fibers, self.fibers = self.fibers, []
        for fiber in fibers:
            fiber.kill()

    def _hand(self, settled: dict[str, Any]) -> bool:
        future = self.waiting.pop(settled["key"], None)
        if future is None:
            return False
        self.closures.pop(settled["key"], None)
        _settle(future, settled["outcome"], settled["key"])
        return True

    def _quiet(self) -> None:
        if not self.waiting:
            self.fail(stuck(self.last_key))
        elif self.mode == "task":
            self.fail(task_not_reached(self.target_key, list(self.waiting), self.code_change))

    def _unasked(self, following: dict[str, Any]) -> None:
        if not self.waiting:
            self.fail(stuck(self.last_key))
        else:
            self.fail(not_asked_for(following["key"], following["delivery"], list(self.waiting), self.code_change))

    def halt(self) -> None:
        """Stops the execution: pending calls stay pending and nothing new starts."""
        self.halted = True
        self.waiting.clear()
        self.inbox.clear()
        self.closures.clear()
        self.steps.clear()
        if not self._pumping:
            self._reap()

    def fail(self, error: BaseException) -> None:
        """Ends the run as failed with ``error``."""
        self.end({"status": "failed", "error": to_error_data(error)})

    def end(self, end: dict[str, Any]) -> None:
        """Ends the execution once; the first end wins."""
        if self.halted:
            return
        self.ended = end
        self.halt()
        if self.on_end is not None:
            _outside(self.on_end, end)

    def _remember(self, entries: Iterable[LogEntry]) -> None:
        for entry in entries:
            self.log.remember(entry)
            if entry.get("kind") != "patch" and is_settled(entry) and entry.get("delivery"):
                self.inbox[int(entry["delivery"])] = {"key": entry["key"], "delivery": int(entry["delivery"]), "at": entry.get("at", self.now), "outcome": outcome_of(entry)}

    # --- answers
    def _never(self) -> asyncio.Future[Any]:
        return self.loop.create_future()

    def _wait(self, key: str) -> asyncio.Future[Any]:
        future = self.loop.create_future()
        self.waiting[key] = future
        return future

    def _answer(self, call: Located) -> asyncio.Future[Any]:
        recorded = call.recorded
        if recorded is not None and is_settled(recorded) and not recorded.get("delivery"):
            # Settled before the delivery order was kept: answered when asked.
            if recorded.get("at") is not None:
                self.now = max(self.now, float(recorded["at"]))
            future = self.loop.create_future()
            _settle(future, outcome_of(recorded), call.key)
            return future
        return self._wait(call.key)

    def _locate(self, branch: str, kind: str, name: str | None) -> Located | None:
        if self.halted:
            return None
        call, conflict = self.log.locate(branch, kind, name)
        if conflict is not None:
            self.fail(diverged_at(conflict, {"kind": kind, "name": call.name, "key": call.key}, self.code_change))
            return None
        return call

    def _begin(self, call: dict[str, Any]) -> None:
        _outside(self.host.begin, call)

    # --- the primitives
    def task(self, branch: str, name: str | None, fn: Callable[..., Any], options: dict[str, Any]) -> asyncio.Future[Any]:
        """A queued task."""
        call = self._locate(branch, "task", name)
        return self._never() if call is None else self._queued(call, fn, options)

    def script(self, branch: str, path: str, args: Any, call_options: dict[str, Any] | None) -> asyncio.Future[Any]:
        """A registered script run as a task; a recorded call is answered whatever is deployed now."""
        call = self._locate(branch, "task", path)
        if call is None:
            return self._never()
        if call.recorded is not None and (is_settled(call.recorded) or not (self.mode == "task" and self.target_key == call.key)):
            return self._answer(call) if is_settled(call.recorded) else self._wait(call.key)
        found = self.resolver.script(path)
        if found is None:
            future = self.loop.create_future()
            future.set_exception(ScriptNotFoundError(f'task_script("{path}"): no script is registered at {path}{self.not_found_hint}'))
            return future
        fn, own = found
        options = resolve_task_options({**(own or {}), **(call_options or {})}, "task_script")
        if "cacheTtl" in options and (call_options or {}).get("cache_key") is None and (own or {}).get("cache_key") is None:
            options["cacheKey"] = args
        script = {"path": path, "args": to_json(args, f'the args of script "{path}"')}
        return self._queued(call, lambda context: fn(args, context) if takes_context(fn, 1) else fn(args), options, script)

    def _queued(self, call: Located, fn: Callable[..., Any], options: dict[str, Any], script: dict[str, Any] | None = None) -> asyncio.Future[Any]:
        if is_settled(call.recorded):
            return self._answer(call)
        if self.mode == "task":
            if call.key == self.target_key:
                # The target was asked for: keep its closure and stop replaying (nothing later matters).
                self.target = (fn, options)
                self.halt()
                return self._never()
            return self._wait(call.key)
        if script is None:
            self.closures[call.key] = (fn, options)
        if call.recorded is None:
            if "cacheKey" in options:
                to_json(options["cacheKey"], f'the cacheKey of "{call.key}"')
            begun = {**call.head(), "attempt": 1, "options": options}
            if script is not None:
                begun["script"] = script
            self._begin(begun)
        return self._wait(call.key)

    def flow(self, branch: str, path: str, input: Any, timeout: float | None) -> asyncio.Future[Any]:
        """A child run of the workflow at ``path``."""
        call = self._locate(branch, "flow", path)
        if call is None:
            return self._never()
        if call.recorded is None and not self.resolver.is_workflow(path):
            future = self.loop.create_future()
            future.set_exception(WorkflowNotFoundError(f'task_flow("{path}"): no workflow is registered at {path}{self.not_found_hint}'))
            return future
        flow: dict[str, Any] = {"path": path, "input": to_json(input, f'the input of flow "{path}"')}
        if timeout is not None:
            flow["timeout"] = timeout
        return self._suspend(call, {"flow": flow})

    def patched(self, branch: str, patch_id: str) -> bool:
        """Whether this run takes the new code path of change ``patch_id`` (see DESIGN.md)."""
        taken, marker = self.log.patched(branch, patch_id)
        if marker is not None and self.mode == "drive" and not self.halted:
            self._begin(marker)
        return taken

    def step(self, branch: str, name: str | None, fn: Callable[..., Any], options: dict[str, Any]) -> asyncio.Future[Any]:
        """An inline step: run by the host in drive mode, answered from the log otherwise."""
        call = self._locate(branch, "step", name)
        if call is None:
            return self._never()
        if is_settled(call.recorded):
            return self._answer(call)
        if self.mode != "drive":
            return self._wait(call.key)
        result = self._wait(call.key)
        self.steps[call.key] = (call, fn, options)
        if call.recorded is not None and call.recorded.get("status") == "retrying":
            return result
        self.rerun_step(call.key, int((call.recorded or {}).get("attempts", 0)) + 1)
        return result

    def rerun_step(self, key: str, attempt: int) -> bool:
        """Runs attempt ``attempt`` of an inline step this execution reached; False if it has not."""
        kept = self.steps.get(key)
        if self.halted or kept is None:
            return False
        call, fn, options = kept

        def done(settled: dict[str, Any] | None) -> None:
            if settled is not None and not self.halted:
                self.steps.pop(key, None)
                self.deliver(settled)

        self._begin({**call.head(), "attempt": attempt, "options": options})
        _outside(self.host.run_step, key, attempt, fn, options, done)
        return True

    def sleep(self, branch: str, name: str | None, seconds: float) -> asyncio.Future[Any]:
        """A sleep for ``seconds``."""
        call = self._locate(branch, "sleep", name)
        return self._never() if call is None else self._suspend(call, {"seconds": seconds})

    def sleep_until(self, branch: str, name: str | None, at: int) -> asyncio.Future[Any]:
        """A sleep until ``at`` (ms since the epoch)."""
        call = self._locate(branch, "sleep", name)
        return self._never() if call is None else self._suspend(call, {"until": at})

    def event(self, branch: str, request: dict[str, Any]) -> asyncio.Future[Any]:
        """A wait for the event ``request["name"]``."""
        call = self._locate(branch, "event", request["name"])
        return self._never() if call is None else self._suspend(call, {"event": request})

    def approval(self, branch: str, name: str | None, request: dict[str, Any]) -> asyncio.Future[Any]:
        """A wait for a person's decision."""
        call = self._locate(branch, "approval", name)
        if call is None:
            return self._never()
        request = dict(request)
        if "data" in request:
            request["data"] = to_json(request["data"], f'the data of approval "{call.key}"')
        return self._suspend(call, {"approval": request})

    def _suspend(self, call: Located, details: dict[str, Any]) -> asyncio.Future[Any]:
        if is_settled(call.recorded):
            return self._answer(call)
        if self.mode == "drive" and call.recorded is None:
            self._begin({**call.head(), "attempt": 1, **details})
        return self._wait(call.key)

    def parallel(self, branch: str, items: list[Any], fn: Callable[..., Any], concurrency: int | None) -> asyncio.Future[Any]:
        """Every item in a branch of its own, at most ``concurrency`` at once, results in item order."""
        if self.halted:
            return self._never()
        prefix = step_key(branch, "parallel", self.log.next_occurrence(branch, "parallel"))
        caller = contextvars.copy_context()
        return run_parallel(self, items, fn, concurrency, lambda index: self._branch_context(caller, item_branch(prefix, index)))


def _settle(future: asyncio.Future[Any], outcome: dict[str, Any], key: str) -> None:
    if future.done():
        return
    if outcome.get("ok"):
        future.set_result(outcome.get("value"))
    else:
        future.set_exception(from_error_data(outcome.get("error") or {}, key))
__all__ = ["Execution", "ExecutionHost", "Resolver", "IdleHost", "AnyResolver"]
