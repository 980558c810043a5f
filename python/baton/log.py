"""The recorded log as replay reads it (sdk/core/recorded-log.ts): entries by key and position, patch markers, counters."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from .keys import patch_key, step_key

LogEntry = dict[str, Any]
Outcome = dict[str, Any]
UNKNOWN_ERROR = {"name": "Error", "message": "the step failed without a recorded error"}


@dataclass
class Located:
    """A call of the body, placed: its key and position, and what the log recorded there."""

    key: str
    branch: str
    seq: int
    kind: str
    name: str
    recorded: LogEntry | None

    def head(self) -> dict[str, Any]:
        """The call as the host records it, less its attempt."""
        return {"key": self.key, "branch": self.branch, "seq": self.seq, "kind": self.kind, "name": self.name}


def is_settled(entry: LogEntry | None) -> bool:
    """True when the entry holds an outcome."""
    return entry is not None and entry.get("status") in ("completed", "failed")


def outcome_of(entry: LogEntry) -> Outcome:
    """A settled entry's outcome."""
    if entry.get("status") == "failed":
        return {"ok": False, "error": entry.get("error") or UNKNOWN_ERROR}
    return {"ok": True, "value": entry.get("result")}


class RecordedLog:
    """The recorded log, indexed for replay, and the positions of the calls the body made so far."""

    def __init__(self) -> None:
        self.by_key: dict[str, LogEntry] = {}
        self.by_position: dict[tuple[str, int], LogEntry] = {}
        self.patches: dict[str, int] = {}
        self.last_seq: dict[str, int] = {}
        self.sequence: dict[str, int] = {}
        self.occurrences: dict[tuple[str, str], int] = {}

    def remember(self, entry: LogEntry) -> None:
        """Takes in a new or changed entry."""
        if entry.get("kind") == "patch":
            self.patches[entry["key"]] = int(entry.get("seq", 0))
            return
        self.by_key[entry["key"]] = entry
        self.by_position[(entry.get("branch", ""), int(entry.get("seq", 0)))] = entry
        branch = entry.get("branch", "")
        self.last_seq[branch] = max(self.last_seq.get(branch, -1), int(entry.get("seq", 0)))

    def locate(self, branch: str, kind: str, name: str | None) -> tuple[Located, LogEntry | None]:
        """Places the body's next call of ``kind`` in ``branch``; the second value is a conflicting entry, if any."""
        label = name if name is not None else kind
        key = step_key(branch, label, self.next_occurrence(branch, label))
        seq = self.sequence.get(branch, 0)
        self.sequence[branch] = seq + 1
        recorded = self.by_position.get((branch, seq))
        if recorded is not None:
            conflict = recorded if recorded["key"] != key or recorded["kind"] != kind else None
        else:
            conflict = self.by_key.get(key)
        return Located(key, branch, seq, kind, label, recorded), conflict

    def next_occurrence(self, branch: str, label: str) -> int:
        """How many calls labelled ``label`` the branch made before this one."""
        n = self.occurrences.get((branch, label), 0)
        self.occurrences[(branch, label)] = n + 1
        return n

    def patched(self, branch: str, patch_id: str) -> tuple[bool, dict[str, Any] | None]:
        """Whether the run takes change ``patch_id`` here, and the marker to record when placed here first."""
        key = patch_key(branch, patch_id)
        here = self.sequence.get(branch, 0)
        marker = self.patches.get(key)
        if marker is not None:
            return marker <= here, None
        if self.last_seq.get(branch, -1) >= here:
            return False, None
        self.patches[key] = here
        return True, {"key": key, "branch": branch, "seq": here, "kind": "patch", "name": patch_id, "attempt": 1}
