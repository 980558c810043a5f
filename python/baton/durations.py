"""Durations as authors write them: seconds, or strings such as "5 minutes" (mirrors sdk/duration.ts)."""
from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping
from typing import Any, Union

from .errors import InvalidArgumentError

Duration = Union[int, float, str]

SECONDS: dict[str, float] = {
    "millisecond": 0.001,
    "second": 1,
    "minute": 60,
    "hour": 3600,
    "day": 86400,
    "week": 604800,
    # As Cloudflare Workflows counts them.
    "month": 2592000,
    "year": 31536000,
}

# Same grammar as sdk/duration.ts: a number, then a unit word, singular or plural, any case.
_PATTERN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*(millisecond|second|minute|hour|day|week|month|year)s?\s*$", re.IGNORECASE)


def _shown(value: Any) -> str:
    try:
        return json.dumps(value)
    except (TypeError, ValueError):
        return repr(value)


def to_seconds(value: Any, what: str, minimum: float = 0, strict: bool = False) -> float:
    """Seconds ``value`` stands for; raises InvalidArgumentError naming ``what`` otherwise."""
    seconds: float | None = None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    elif isinstance(value, str):
        match = _PATTERN.match(value)
        if match:
            seconds = float(match.group(1)) * SECONDS[match.group(2).lower()]
    bound = f"> {_num(minimum)}" if strict else f"≥ {_num(minimum)}"
    if seconds is None or not math.isfinite(seconds) or (seconds <= minimum if strict else seconds < minimum):
        raise InvalidArgumentError(
            f'{what} must be a number of seconds {bound} or a duration such as "30 seconds", "5 minutes", "1 hour" or "2 days", got {_shown(value)}'
        )
    return _num(seconds)


def _num(value: float) -> Any:
    # Whole numbers stay ints so the JSON sent matches what TypeScript would send (1, not 1.0).
    return int(value) if float(value).is_integer() else value


def only_known_keys(options: Mapping[str, Any], known: Iterable[str], what: str) -> None:
    """Raises InvalidArgumentError when ``options`` has a key outside ``known``, naming it and what is taken."""
    known = list(known)
    for key in options:
        if key not in known:
            listed = f"{', '.join(known[:-1])} and {known[-1]}" if len(known) > 1 else (known[0] if known else "nothing")
            raise InvalidArgumentError(f'{what} has no option "{key}"; it takes {listed}')
