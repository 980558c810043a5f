"""The shapes of wait_for_approval() and wait_for_event() (sdk/approval.ts, sdk/events.ts)."""
from __future__ import annotations

import json
import re
from typing import Any

from .durations import only_known_keys, to_seconds
from .errors import InvalidArgumentError

DEFAULT_APPROVAL_TIMEOUT_SECONDS = 24 * 60 * 60
DEFAULT_EVENT_TIMEOUT_SECONDS = 24 * 60 * 60
EVENT_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,199}$")
_EMAIL = re.compile(r'^[^\s@<>(),;:"]+@[^\s@<>(),;:"]+\.[^\s@<>(),;:"]+$')
_UNSET: Any = object()


def approval_request(to: Any = _UNSET, subject: Any = _UNSET, message: Any = _UNSET, timeout: Any = _UNSET, data: Any = _UNSET) -> dict[str, Any]:
    """Checks wait_for_approval()'s options and applies the defaults."""
    to = [] if to is _UNSET or to is None else to
    message = "" if message is _UNSET or message is None else message
    if not isinstance(to, (list, tuple)) or any(not isinstance(a, str) or not _EMAIL.match(a) for a in to):
        raise InvalidArgumentError(f"waitForApproval() `to` must be a list of email addresses, got {json.dumps(to, default=repr)}")
    if not isinstance(message, str):
        raise InvalidArgumentError("waitForApproval() `message` must be a string")
    if subject is not _UNSET and subject is not None and not isinstance(subject, str):
        raise InvalidArgumentError("waitForApproval() `subject` must be a string")
    given = DEFAULT_APPROVAL_TIMEOUT_SECONDS if timeout is _UNSET or timeout is None else timeout
    seconds = to_seconds(given, "waitForApproval() `timeout`", 0, True)
    if subject is _UNSET or subject is None:
        subject = f"Approval needed: {message[:80]}" if message else "Approval needed"
    request: dict[str, Any] = {"to": list(to), "subject": subject, "message": message, "timeout": seconds}
    if data is not _UNSET and data is not None:
        request["data"] = data
    return request


def event_request(name: Any, options: dict[str, Any]) -> dict[str, Any]:
    """Checks wait_for_event()'s arguments and applies the default timeout."""
    if not isinstance(name, str) or not EVENT_NAME.match(name):
        raise InvalidArgumentError(
            'waitForEvent() takes an event name of 1 to 200 letters, digits, "_", ".", ":" or "-" (starting with a letter or digit), '
            f"got {json.dumps(name, default=repr)}"
        )
    only_known_keys(options, ["timeout"], "waitForEvent()")
    timeout = options.get("timeout")
    return {"name": name, "timeout": to_seconds(DEFAULT_EVENT_TIMEOUT_SECONDS if timeout is None else timeout, "waitForEvent() `timeout`", 0, True)}
