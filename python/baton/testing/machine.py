"""A run's steps in memory and the rules that move them (sdk/core/run-machine, the parts
run_locally needs): the status a call starts in, settling once with the next delivery place,
retries per policy, what time brings, approvals, events, a child's end, the run's end."""
from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from ..error_data import to_error_data
from ..errors import CancelledError, EventTimeoutError, TaskTimeoutError
from ..options import NOT_RETRYABLE, default_task_options, retry_delay_ms

OPEN = ("queued", "running", "retrying", "sleeping", "waiting")
SETTLEABLE = ("running", "sleeping", "waiting")


def iso(ms: float) -> str:
    """ms since the epoch as the API's ISO string."""
    return datetime.fromtimestamp(ms / 1000, timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.") + f"{int(ms) % 1000:03d}Z"


def initial_status(kind: str) -> str:
    """The status a call of each kind starts in."""
    return {"sleep": "sleeping", "approval": "waiting", "event": "waiting", "patch": "completed"}.get(kind, "running")


class MemoryMachine:
    """One run's steps, with the delivery counter and the event inbox."""

    def __init__(self) -> None:
        self.rows: dict[str, dict[str, Any]] = {}
        self.deliveries = 0
        self.changes = 0
        self.inbox: list[tuple[str, Any]] = []

    def _touch(self, row: dict[str, Any]) -> None:
        self.changes += 1
        row["change"] = self.changes

    def begin(self, call: dict[str, Any], now: float) -> dict[str, Any]:
        """Records a new call (or an inline step's next attempt); answers the row."""
        row = self.rows.get(call["key"])
        if row is not None:
            if row["status"] in OPEN:
                row.update(status="running", attempts=call["attempt"], attemptStartedAt=now, wakeAt=None)
                self._touch(row)
            return row
        kind = call["kind"]
        row = {
            "key": call["key"], "branch": call["branch"], "seq": call["seq"], "kind": kind, "name": call["name"],
            "status": initial_status(kind), "attempts": call["attempt"], "result": True if kind == "patch" else None,
            "error": None, "startedAt": now, "endedAt": now if kind == "patch" else None, "attemptStartedAt": now,
            "wakeAt": None, "deadline": None, "delivery": None, "options": call.get("options"), "history": [],
            "order": len(self.rows),
        }
        if kind == "task" and call.get("script"):
            row["script"] = call["script"]
        if kind == "sleep":
            row["wakeAt"] = call["until"] if call.get("until") is not None else now + round(call.get("seconds", 0) * 1000)
        if kind == "approval":
            row["approval"] = call["approval"]
            row["wakeAt"] = now + round(call["approval"]["timeout"] * 1000)
        if kind == "event":
            row["event"] = call["event"]["name"]
            row["wakeAt"] = now + round(call["event"]["timeout"] * 1000)
        if kind == "flow":
            row["flow"] = dict(call["flow"])
            if call["flow"].get("timeout") is not None:
                row["deadline"] = now + call["flow"]["timeout"] * 1000
        self.rows[row["key"]] = row
        self._touch(row)
        return row

    def settle(self, key: str, attempt: int, outcome: dict[str, Any], now: float) -> dict[str, Any] | None:
        """Stores the outcome of the current attempt of an open step with the next delivery place; None when stale."""
        row = self.rows.get(key)
        if row is None or row["status"] not in SETTLEABLE or row["attempts"] != attempt:
            return None
        self.deliveries += 1
        row.update(status="completed" if outcome["ok"] else "failed", result=outcome.get("value") if outcome["ok"] else None,
                   error=None if outcome["ok"] else outcome["error"], endedAt=now, deadline=None, delivery=self.deliveries)
        if row["kind"] in ("task", "step"):
            self._attempt(row, attempt, now, None if outcome["ok"] else outcome["error"], outcome.get("logs"))
        self._touch(row)
        return {"key": key, "delivery": self.deliveries, "at": now, "outcome": {k: v for k, v in outcome.items() if k != "logs"}}

    def _attempt(self, row: dict[str, Any], attempt: int, now: float, error: Any, logs: Any) -> None:
        row["history"] = [h for h in row["history"] if h["attempt"] != attempt]
        row["history"].append({"attempt": attempt, "startedAt": row["attemptStartedAt"], "endedAt": now, "error": error, "logs": logs or []})

    def report(self, key: str, attempt: int, outcome: dict[str, Any], now: float) -> dict[str, Any] | None:
        """A task or step attempt ended: settles it, or parks it for its retry (None)."""
        row = self.rows.get(key)
        if row is None or row["status"] != "running" or row["attempts"] != attempt:
            return None
        if outcome["ok"]:
            return self.settle(key, attempt, outcome, now)
        error = outcome["error"]
        policy = (row.get("options") or default_task_options())["retries"]
        delay = None if error.get("name") in NOT_RETRYABLE else retry_delay_ms(policy, attempt + 1)
        if delay is None:
            return self.settle(key, attempt, outcome, now)
        row.update(status="retrying", wakeAt=now + delay, error=error)
        self._attempt(row, attempt, now, error, outcome.get("logs"))
        self._touch(row)
        return None

    def next_due(self) -> float | None:
        """The earliest time the run must be looked at again."""
        times = [r["wakeAt"] for r in self.rows.values() if r["status"] in ("sleeping", "waiting", "retrying") and r["wakeAt"] is not None]
        times += [r["deadline"] for r in self.rows.values() if r["status"] == "running" and r["kind"] == "flow" and r["deadline"] is not None]
        return min(times) if times else None

    def _due(self, statuses: tuple[str, ...], field: str, now: float) -> list[dict[str, Any]]:
        rows = [r for r in self.rows.values() if r["status"] in statuses and r[field] is not None and r[field] <= now]
        return sorted(rows, key=lambda r: (r[field], r["order"]))

    def due(self, now: float) -> tuple[list[dict[str, Any]], list[tuple[str, Any]]]:
        """What time brings: (outcomes to deliver, effects) in the run machine's order."""
        settled: list[dict[str, Any]] = []
        effects: list[tuple[str, Any]] = []

        def keep(outcome: dict[str, Any] | None) -> None:
            if outcome is not None:
                settled.append(outcome)

        for row in self._due(("sleeping",), "wakeAt", now):
            keep(self.settle(row["key"], row["attempts"], {"ok": True, "value": None}, now))
        for row in self._due(("waiting",), "wakeAt", now):
            if row["kind"] == "event":
                error = to_error_data(EventTimeoutError(f'no event "{row["event"]}" came within the wait\'s timeout ({row["key"]})'))
                keep(self.settle(row["key"], row["attempts"], {"ok": False, "error": error}, now))
            else:
                value = {"approved": False, "decision": "timeout", "decidedAt": iso(now)}
                keep(self.settle(row["key"], row["attempts"], {"ok": True, "value": value}, now))
        for row in self._due(("running",), "deadline", now):
            if row["kind"] == "flow":
                error = to_error_data(TaskTimeoutError(f'child flow "{row["key"]}" ({row["flow"]["path"]}) ran past its timeout; it was cancelled'))
                outcome = self.settle(row["key"], row["attempts"], {"ok": False, "error": error}, now)
                if outcome:
                    effects.append(("cancel-child", row["key"]))
                keep(outcome)
        for row in self._due(("retrying",), "wakeAt", now):
            attempt = row["attempts"] + 1
            if row["kind"] == "step":
                row.update(status="running", wakeAt=None)
                effects.append(("rerun-step", (row["key"], attempt)))
            else:
                row.update(status="running", attempts=attempt, wakeAt=None, attemptStartedAt=now)
                effects.append(("dispatch", (row["key"], attempt)))
            self._touch(row)
        return settled, effects

    def decide(self, key: str, answer: dict[str, Any], now: float) -> dict[str, Any] | None:
        """A person's decision on the approval at ``key``: settles it once."""
        row = self.rows.get(key)
        if row is None or row["kind"] != "approval" or row["status"] != "waiting":
            return None
        approved = bool(answer.get("approved"))
        result: dict[str, Any] = {"approved": approved, "decision": "approved" if approved else "rejected", "decidedAt": iso(now)}
        for field in ("by", "comment"):
            if answer.get(field) is not None:
                result[field] = answer[field]
        return self.settle(key, row["attempts"], {"ok": True, "value": result}, now)

    def send_event(self, name: str, payload: Any, now: float) -> dict[str, Any] | None:
        """Settles the oldest wait for ``name`` with ``payload``, or keeps the event for the first wait that comes."""
        waiting = sorted((r for r in self.rows.values() if r["kind"] == "event" and r["status"] == "waiting" and r["event"] == name), key=lambda r: r["order"])
        if waiting:
            return self.settle(waiting[0]["key"], waiting[0]["attempts"], {"ok": True, "value": payload}, now)
        self.inbox.append((name, payload))
        return None

    def take_event(self, name: str) -> tuple[bool, Any]:
        """The oldest kept event of ``name``, taken."""
        for i, (kept, payload) in enumerate(self.inbox):
            if kept == name:
                del self.inbox[i]
                return True, payload
        return False, None

    def child_ended(self, key: str, end: dict[str, Any], now: float) -> dict[str, Any] | None:
        """The child run of the flow at ``key`` ended: settles the step once."""
        row = self.rows.get(key)
        if row is None or row["kind"] != "flow" or row["status"] != "running":
            return None
        if end["status"] == "completed":
            outcome = {"ok": True, "value": end.get("output")}
        elif end["status"] == "failed":
            outcome = {"ok": False, "error": end["error"]}
        else:
            outcome = {"ok": False, "error": to_error_data(CancelledError(f'child run of "{row["flow"]["path"]}" was cancelled'))}
        return self.settle(key, row["attempts"], outcome, now)

    def end(self, now: float) -> list[str]:
        """The run ended: every open step is cancelled; answers the keys of running flows (children to cancel)."""
        flows = []
        for row in self.rows.values():
            if row["status"] in OPEN:
                if row["kind"] == "flow" and row["status"] == "running":
                    flows.append(row["key"])
                row.update(status="cancelled", endedAt=now, deadline=None)
                self._touch(row)
        return flows

    def log(self) -> list[dict[str, Any]]:
        """Every entry as the replay machine reads it."""
        fields = ("key", "branch", "seq", "kind", "name", "status", "attempts", "result", "error", "delivery")
        return [{**{f: r[f] for f in fields}, "at": r["endedAt"]} for r in sorted(self.rows.values(), key=lambda r: r["change"])]

    def view(self, row: dict[str, Any]) -> dict[str, Any]:
        """A step as GET /api/runs/:id shows it, with its output and logs."""
        view: dict[str, Any] = {
            "key": row["key"], "kind": row["kind"], "name": row["name"], "status": row["status"], "attempts": row["attempts"],
            "startedAt": iso(row["startedAt"]), "endedAt": None if row["endedAt"] is None else iso(row["endedAt"]), "error": row["error"],
        }
        if row["wakeAt"] is not None:
            view["wakeAt"] = iso(row["wakeAt"])
        if row.get("childId"):
            view["childId"] = row["childId"]
        if row.get("event"):
            view["event"] = row["event"]
        if row.get("script"):
            view["script"] = row["script"]["path"]
        if row["kind"] in ("task", "step") and (row["attempts"] > 1 or row["status"] in ("failed", "retrying")):
            view["history"] = [{"attempt": h["attempt"], "startedAt": iso(h["startedAt"]), "ranAt": None, "endedAt": iso(h["endedAt"]), "error": h["error"]} for h in row["history"]]
        view["output"] = row["result"]
        view["result"] = row["result"]
        view["logs"] = [line for h in row["history"] for line in h["logs"]]
        return view
