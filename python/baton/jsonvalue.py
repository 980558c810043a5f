"""What may cross a checkpoint: plain JSON, checked before anything is stored (sdk/core/json.ts)."""
from __future__ import annotations

import json
from typing import Any

from .errors import SerializationError

MAX_JSON_BYTES = 1024 * 1024
MAX_JSON_DEPTH = 512


def to_json(value: Any, what: str) -> Any:
    """Returns ``value`` if it is plain JSON, else raises SerializationError naming the offending path."""
    if value is None:
        return None
    _check(value, what, set(), 0)
    size = len(json.dumps(value, ensure_ascii=False).encode())
    if size > MAX_JSON_BYTES:
        raise SerializationError(f"{what} is {size} bytes of JSON, over the {MAX_JSON_BYTES}-byte limit; store large data elsewhere and return a reference")
    return value


def _check(value: Any, path: str, seen: set[int], depth: int) -> None:
    if value is None or isinstance(value, (str, bool)):
        return
    if isinstance(value, (int, float)):
        if isinstance(value, float) and (value != value or value in (float("inf"), float("-inf"))):
            raise _fail(path, f"{value} is not a JSON number")
        return
    if not isinstance(value, (list, tuple, dict)):
        raise _fail(path, f"a {type(value).__name__} is not plain data; return dicts, lists, strings, numbers, booleans or None (e.g. an ISO string for a datetime)")
    if id(value) in seen:
        raise _fail(path, "it refers to itself (a cycle)")
    if depth + 1 > MAX_JSON_DEPTH:
        raise SerializationError(f"{path} nests lists and dicts more than {MAX_JSON_DEPTH} deep (the limit)")
    seen.add(id(value))
    if isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise _fail(f"{path}[{key!r}]", "dict keys must be strings")
            _check(item, f"{path}.{key}", seen, depth + 1)
    else:
        for i, item in enumerate(value):
            _check(item, f"{path}[{i}]", seen, depth + 1)
    seen.discard(id(value))


def _fail(path: str, reason: str) -> SerializationError:
    return SerializationError(f"{path} is not JSON-serializable: {reason}")


def json_or_none(value: Any) -> tuple[bool, Any]:
    """(True, the value as JSON round-tripped) when it is JSON, else (False, None)."""
    try:
        return True, json.loads(json.dumps(value))
    except (TypeError, ValueError, RecursionError):
        return False, None


def canonical_json(value: Any) -> str:
    """JSON text with keys sorted at every level, so equal values compare equal."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
