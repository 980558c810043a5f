"""run_locally: one run in memory on the production replay engine, hosted on a virtual clock.
It does what the run object does — record calls, run tasks the way a worker reaches them, wake
the run when something is due — with memory for SQLite and the clock for the alarm."""
from __future__ import annotations

import inspect
import itertools
from datetime import datetime
from typing import Any, Callable

from ..decorators import SCRIPT_MARK, is_workflow
from ..determinism import real_now_ms
from ..durations import to_seconds
from ..engine.closure import Cancel, run_closure
from ..engine.execution import Execution
from ..engine.task_replay import run_task_by_replay
from ..error_data import to_error_data
from ..errors import InvalidArgumentError, ScriptNotFoundError, StepLimitError, TaskTimeoutError, UnansweredApprovalError
from ..jsonvalue import to_json
from ..options import DEFAULT_TIMEOUT
from .clock import VirtualClock
from .machine import MemoryMachine, iso

_ids = itertools.count(1)
NOT_FOUND_HINT = "; with run_locally, supply it in scripts= / flows="


class _Resolver:
    def __init__(self, scripts: dict[str, Any], flows: dict[str, Any]) -> None:
        self.scripts = scripts
        self.flows = flows

    def script(self, path: str) -> tuple[Callable[..., Any], dict[str, Any] | None] | None:
        fn = self.scripts.get(path)
        if fn is None:
            return None
        if not callable(fn):
            raise InvalidArgumentError(f'scripts["{path}"] must be a @script main or a function (args[, ctx]) -> result')
        return fn, getattr(fn, SCRIPT_MARK, {}).get("options")

    def is_workflow(self, path: str) -> bool:
        return path in self.flows


class LocalRun:
    """One run (or child run) in memory."""

    def __init__(self, body: Callable[..., Any], input: Any, settings: dict[str, Any], clock: VirtualClock, name: str, parent_id: str | None,
                 on_end: Callable[[dict[str, Any]], None] | None = None) -> None:
        self.id = f"local-{next(_ids)}"
        self.body, self.input, self.settings, self.clock, self.name, self.parent_id = body, input, settings, clock, name, parent_id
        self.on_end = on_end
        self.machine = MemoryMachine()
        self.created_at = clock.now
        self.ended_at: float | None = None
        self.ended: dict[str, Any] | None = None
        self.drive: Execution | None = None
        self.replay_due = False
        self.wake: tuple[float, Callable[[], None]] | None = None
        self.children: list[LocalRun] = []
        self.child_by_key: dict[str, LocalRun] = {}
        self.timeouts: dict[tuple[str, int], Callable[[], None]] = {}
        self.resolver = _Resolver(settings["scripts"], settings["flows"])
        self.replay = settings["replay_every_step"]

    def start(self) -> None:
        """Starts the body; events go to the top run at their virtual times."""
        self.rebuild()
        if self.parent_id is None:
            for event in self.settings["events"]:
                after = to_seconds(event.get("after", 0), "run_locally() events[].after")
                self.clock.at(self.created_at + after * 1000, lambda e=event: self._send_event(e["name"], e.get("payload")))

    def _options(self) -> dict[str, Any]:
        return {"resolver": self.resolver, "seed": self.id, "started_at": self.created_at, "block_limit": self.settings["block_limit"]}

    def rebuild(self) -> None:
        """A fresh drive execution replaying the whole log, as a run object does after eviction."""
        if self.drive is not None:
            self.drive.halt()
        if self.ended:
            return
        execution = Execution(self.body, self.input, self.machine.log(), self, not_found_hint=NOT_FOUND_HINT,
                              on_end=lambda end: self._end(end) if self.drive is execution else None, **self._options())
        self.drive = execution
        execution.start()

    # --- ExecutionHost
    def begin(self, call: dict[str, Any]) -> None:
        """Records a call and starts its work (deferred to the clock: the body is mid-call)."""
        self.clock.steps += 1
        if self.clock.steps > self.settings["max_steps"]:
            self.clock.fail(StepLimitError(f"the run recorded more than {self.settings['max_steps']} steps; raise max_steps if that is intended"))
            return
        fresh = call["key"] not in self.machine.rows
        row = self.machine.begin(call, self.clock.now)
        if not fresh:
            return
        kind = call["kind"]
        if kind == "task":
            self.clock.at(self.clock.now, lambda: self._run_task(call["key"], call["attempt"]))
        elif kind == "approval":
            self.clock.at(self.clock.now, lambda: self._ask(call["key"], call["approval"]))
        elif kind == "flow":
            self.clock.at(self.clock.now, lambda: self._start_child(row))
        elif kind == "event":
            found, payload = self.machine.take_event(call["event"]["name"])
            if found:
                self._settled(self.machine.settle(call["key"], row["attempts"], {"ok": True, "value": payload}, self.clock.now))
        self._schedule()

    def run_step(self, key: str, attempt: int, fn: Callable[..., Any], options: dict[str, Any], done: Callable[[dict[str, Any] | None], None]) -> None:
        """Runs an inline step's attempt on a thread; its outcome settles on the clock's thread."""
        cancel = self._attempt_timeout(key, attempt, options.get("timeout", DEFAULT_TIMEOUT))

        def then(outcome: dict[str, Any]) -> None:
            self._attempt_ended(key, attempt)
            if self.ended:
                return
            settled = self.machine.report(key, attempt, outcome, self.clock.now)
            self._schedule()
            if settled is not None and self.replay:
                self._replay_after_settle()
                done(None)
            else:
                done(settled)

        self.clock.spawn(lambda: run_closure(fn, key, attempt, None, cancel), then)

    # --- tasks
    def _attempt_timeout(self, key: str, attempt: int, seconds: float) -> Cancel:
        cancel = Cancel()
        message = f'"{key}" attempt {attempt} ran past its {seconds:g} s timeout'
        self.timeouts[(key, attempt)] = self.clock.at(self.clock.now + seconds * 1000, lambda: cancel.cancel(TaskTimeoutError(message)), True)
        return cancel

    def _attempt_ended(self, key: str, attempt: int) -> None:
        stop = self.timeouts.pop((key, attempt), None)
        if stop:
            stop()

    def _run_task(self, key: str, attempt: int) -> None:
        row = self.machine.rows.get(key)
        if self.ended or row is None or row["status"] != "running" or row["attempts"] != attempt:
            return
        cancel = self._attempt_timeout(key, attempt, (row.get("options") or {}).get("timeout", DEFAULT_TIMEOUT))
        work = self._attempt_work(row, key, attempt, cancel)

        def then(outcome: dict[str, Any]) -> None:
            self._attempt_ended(key, attempt)
            if self.ended:
                return
            self._settled(self.machine.report(key, attempt, outcome, self.clock.now))

        self.clock.spawn(work, then)

    def _attempt_work(self, row: dict[str, Any], key: str, attempt: int, cancel: Cancel) -> Callable[[], dict[str, Any]]:
        """One attempt the way a worker reaches it: a script by path; a task from the live execution, or by replaying the log to it."""
        if row.get("script"):
            path, args = row["script"]["path"], row["script"].get("args")
            found = self.resolver.script(path)
            if found is None:
                error = to_error_data(ScriptNotFoundError(f'no script "{path}" in scripts='))
                return lambda: {"ok": False, "error": error}
            return lambda: run_closure(found[0], key, attempt, None, cancel, (args,))
        kept = None if self.replay or self.drive is None else self.drive.closures.get(key)
        if kept is not None:
            return lambda: run_closure(kept[0], key, attempt, None, cancel)
        log = self.machine.log()
        return lambda: run_task_by_replay(self.body, self.input, log, key, attempt, cancel=cancel, **self._options())

    # --- outcomes and time
    def _settled(self, settled: dict[str, Any] | None) -> None:
        self._schedule()
        if settled is None:
            return
        if self.replay:
            self._replay_after_settle()
        elif self.drive is not None:
            self.drive.deliver(settled)

    def _replay_after_settle(self) -> None:
        if self.replay_due:
            return
        self.replay_due = True

        def replay() -> None:
            self.replay_due = False
            self.rebuild()

        self.clock.at(self.clock.now, replay)

    def _schedule(self) -> None:
        following = None if self.ended else self.machine.next_due()
        if self.wake is not None and self.wake[0] == following:
            return
        if self.wake is not None:
            self.wake[1]()
        self.wake = None if following is None else (following, self.clock.at(following, self._due))

    def _due(self) -> None:
        self.wake = None
        if self.ended:
            return
        settled, effects = self.machine.due(self.clock.now)
        for outcome in settled:
            self._settled(outcome)
        for kind, value in effects:
            if kind == "dispatch":
                self.clock.at(self.clock.now, lambda v=value: self._run_task(*v))
            elif kind == "rerun-step":
                if self.replay or self.drive is None or not self.drive.rerun_step(*value):
                    self.rebuild()
            elif kind == "cancel-child":
                child = self.child_by_key.get(value)
                if child:
                    child.cancel()
        self._schedule()

    # --- approvals, events, flows
    def _ask(self, key: str, request: dict[str, Any]) -> None:
        approve = self.settings["approve"]
        if approve is None:
            self.clock.fail(UnansweredApprovalError(
                f'the workflow waits for approval "{key}" ({request["message"]!r}, to {", ".join(request["to"]) or "nobody"}) '
                "and nothing answers it: pass run_locally(main, input, approve=lambda ask: {\"approved\": True})"))
            return
        answer = approve({"key": key, "message": request["message"], "subject": request["subject"], "to": list(request["to"]), "data": request.get("data")})
        if isinstance(answer, bool):
            answer = {"approved": answer}
        if answer is None or self.ended:
            return
        self._settled(self.machine.decide(key, answer, self.clock.now))

    def _send_event(self, name: str, payload: Any) -> None:
        if not self.ended:
            self._settled(self.machine.send_event(name, to_json(payload, f'the payload of event "{name}"'), self.clock.now))

    def _start_child(self, row: dict[str, Any]) -> None:
        key, path, child_input = row["key"], row["flow"]["path"], row["flow"].get("input")
        target = self.settings["flows"].get(path)
        if is_workflow(target) or inspect.iscoroutinefunction(target):
            child = LocalRun(target, child_input, self.settings, self.clock, path, self.id,
                             lambda end: self._settled(None if self.ended else self.machine.child_ended(key, end, self.clock.now)))
            row["childId"] = child.id
            self.children.append(child)
            self.child_by_key[key] = child
            child.start()
            return

        def work() -> dict[str, Any]:
            try:
                return {"status": "completed", "output": to_json(target(child_input), f'the output of flow "{path}"')}
            except Exception as error:  # noqa: BLE001
                return {"status": "failed", "error": to_error_data(error)}

        self.clock.spawn(work, lambda end: self._settled(None if self.ended else self.machine.child_ended(key, end, self.clock.now)))

    def cancel(self) -> None:
        """Ends the run as cancelled, with its children."""
        if not self.ended:
            if self.drive:
                self.drive.halt()
            self._end({"status": "cancelled"})

    def _end(self, end: dict[str, Any]) -> None:
        if self.ended:
            return
        self.ended = end
        self.ended_at = self.clock.now
        if self.drive:
            self.drive.halt()
        for key in self.machine.end(self.clock.now):
            child = self.child_by_key.get(key)
            if child:
                child.cancel()
        self._schedule()
        if self.on_end:
            self.on_end(end)

    def describe_waiting(self) -> str:
        """What the run waits for, for a stuck run's error."""
        parts = [f'{r["kind"]} "{r["key"]}" ({r["status"]})' for r in self.machine.rows.values() if r["status"] in ("queued", "running", "retrying", "sleeping", "waiting")]
        return ", ".join(parts) or "no open step: the workflow awaits something that is not a Baton primitive"

    def view(self) -> dict[str, Any]:
        """The finished run, shaped like GET /api/runs/:id."""
        end = self.ended or {"status": "cancelled"}
        return {
            "id": self.id, "workflow": self.name, "kind": "workflow", "status": end["status"], "parentId": self.parent_id,
            "input": self.input, "output": end.get("output") if end["status"] == "completed" else None,
            "error": end.get("error") if end["status"] == "failed" else None,
            "createdAt": iso(self.created_at), "updatedAt": iso(self.ended_at if self.ended_at is not None else self.clock.now),
            "steps": [self.machine.view(r) for r in sorted(self.machine.rows.values(), key=lambda r: r["order"])],
            "children": [child.view() for child in self.children],
        }


def run_locally(main: Callable[..., Any], input: Any = None, *, replay_every_step: bool = False, approve: Callable[[dict[str, Any]], Any] | None = None,
                events: list[dict[str, Any]] | None = None, scripts: dict[str, Any] | None = None, flows: dict[str, Any] | None = None,
                start_at: datetime | float | None = None, name: str = "local", max_steps: int = 100_000, stall_ms: float = 2000,
                block_limit: float = 30.0) -> dict[str, Any]:
    """Runs a workflow's main in memory on a virtual clock and returns the finished run (like GET /api/runs/:id)."""
    if not callable(main):
        raise InvalidArgumentError("run_locally() takes a workflow's main function")
    start = real_now_ms() if start_at is None else start_at.timestamp() * 1000 if isinstance(start_at, datetime) else float(start_at)
    clock = VirtualClock(start, stall_ms)
    settings = {"replay_every_step": replay_every_step, "approve": approve, "events": events or [], "scripts": scripts or {},
                "flows": flows or {}, "max_steps": max_steps, "block_limit": block_limit}
    run = LocalRun(main, input, settings, clock, name, None)
    clock.at(clock.now, run.start)
    clock.run_until(lambda: run.ended is not None, run.describe_waiting)
    return run.view()
