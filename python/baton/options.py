"""Options of task() and step(): checked strictly, resolved to the TS ResolvedTaskOptions JSON shape (sdk/options.ts)."""
from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from .durations import only_known_keys, to_seconds
from .errors import InvalidArgumentError

DEFAULT_RETRIES: dict[str, Any] = {"limit": 5, "delay": 1, "backoff": "exponential"}
DEFAULT_TIMEOUT = 600
DEFAULT_HEARTBEAT_TIMEOUT_SECONDS = 30

# Python spellings of the TS option names; the resolved JSON uses the TS ones.
TASK_OPTIONS = ["retries", "timeout", "heartbeat_timeout", "cache_ttl", "cache_key", "concurrency", "priority", "tag", "queue"]
RETRY_OPTIONS = ["limit", "delay", "backoff", "max_delay"]
CONCURRENCY_OPTIONS = ["key", "limit", "window"]
BACKOFFS = ("constant", "linear", "exponential")
_TAG = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")
_QUEUE = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")
# camelCase accepted in dicts (e.g. options copied from TypeScript), mapped to the Python names.
_ALIASES = {"heartbeatTimeout": "heartbeat_timeout", "cacheTtl": "cache_ttl", "cacheKey": "cache_key", "maxDelay": "max_delay"}


def default_task_options() -> dict[str, Any]:
    """The defaults: 5 retries, 1 s, exponential, 600 s timeout."""
    return {"retries": dict(DEFAULT_RETRIES), "timeout": DEFAULT_TIMEOUT}


def _unalias(options: Mapping[str, Any]) -> dict[str, Any]:
    return {_ALIASES.get(k, k): v for k, v in options.items()}


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def resolve_task_options(options: Mapping[str, Any] | None, primitive: str) -> dict[str, Any]:
    """Checks task()/step() options and applies the defaults; unknown names raise InvalidArgumentError."""
    if options is None:
        return default_task_options()
    if not isinstance(options, Mapping):
        raise InvalidArgumentError(f"{primitive}() options must be a dict")
    options = _unalias({k: v for k, v in options.items() if v is not None})
    only_known_keys(options, TASK_OPTIONS, f"{primitive}()")
    if "cache_key" in options and "cache_ttl" not in options:
        raise InvalidArgumentError(f"{primitive}() cache_key needs cache_ttl: how many seconds a result may be reused")
    given = options.get("retries", {})
    if not isinstance(given, Mapping):
        raise InvalidArgumentError(f'{primitive}() retries must be a dict, e.g. {{"limit": 3, "delay": "10 seconds"}}')
    given = _unalias(given)
    only_known_keys(given, RETRY_OPTIONS, f"{primitive}() retries")
    limit = given.get("limit", DEFAULT_RETRIES["limit"])
    if not _is_int(limit) or limit < 0 or limit > 100:
        raise InvalidArgumentError(f"{primitive}() retries.limit must be an integer from 0 to 100, got {limit!r}")
    backoff = given.get("backoff", DEFAULT_RETRIES["backoff"])
    if backoff not in BACKOFFS:
        raise InvalidArgumentError(f'{primitive}() retries.backoff must be "constant", "linear" or "exponential", got {backoff!r}')
    retries: dict[str, Any] = {
        "limit": limit,
        "delay": to_seconds(given.get("delay", DEFAULT_RETRIES["delay"]), f"{primitive}() retries.delay"),
        "backoff": backoff,
    }
    if "max_delay" in given:
        retries["maxDelay"] = to_seconds(given["max_delay"], f"{primitive}() retries.maxDelay")
    resolved: dict[str, Any] = {"retries": retries, "timeout": to_seconds(options.get("timeout", DEFAULT_TIMEOUT), f"{primitive}() timeout", 0, True)}
    if "heartbeat_timeout" in options:
        resolved["heartbeatTimeout"] = to_seconds(options["heartbeat_timeout"], f"{primitive}() heartbeatTimeout", 1)
    if "tag" in options:
        tag = options["tag"]
        if not isinstance(tag, str) or not _TAG.match(tag):
            raise InvalidArgumentError(f"{primitive}() tag must be 1 to 40 lowercase letters, digits or dashes, got {tag!r}")
        resolved["tag"] = tag
    if "queue" in options:
        # Another queue's workers run this task (e.g. "gpu"): they must serve the same workflow.
        queue = options["queue"]
        if not isinstance(queue, str) or not _QUEUE.match(queue):
            raise InvalidArgumentError(f"{primitive}() queue must be 1 to 63 lowercase letters, digits or dashes, got {queue!r}")
        if "tag" in options:
            raise InvalidArgumentError(f"{primitive}() takes a tag (a Worker's queue) or a queue (workers you run), not both")
        resolved["queue"] = queue
    if "priority" in options:
        if not _is_int(options["priority"]):
            raise InvalidArgumentError(f"{primitive}() priority must be an integer, got {options['priority']!r}")
        resolved["priority"] = options["priority"]
    if "concurrency" in options:
        resolved["concurrency"] = _concurrency(options["concurrency"], primitive)
    if "cache_ttl" in options:
        resolved["cacheTtl"] = to_seconds(options["cache_ttl"], f"{primitive}() cacheTtl", 0, True)
        resolved["cacheKey"] = options.get("cache_key")
    return resolved


def _concurrency(given: Any, primitive: str) -> dict[str, Any]:
    if not isinstance(given, Mapping):
        raise InvalidArgumentError(f'{primitive}() concurrency must be a dict, e.g. {{"key": "api", "limit": 5}}')
    only_known_keys(given, CONCURRENCY_OPTIONS, f"{primitive}() concurrency")
    key, limit = given.get("key"), given.get("limit")
    if not isinstance(key, str) or not 0 < len(key) <= 200:
        raise InvalidArgumentError(f"{primitive}() concurrency.key must be a non-empty string of at most 200 characters")
    if not _is_int(limit) or limit < 1:
        raise InvalidArgumentError(f"{primitive}() concurrency.limit must be an integer ≥ 1, got {limit!r}")
    out: dict[str, Any] = {"key": key, "limit": limit}
    if given.get("window") is not None:
        out["window"] = to_seconds(given["window"], f"{primitive}() concurrency.window", 0, True)
    return out


def step_options(options: Mapping[str, Any] | None) -> dict[str, Any]:
    """step() takes only retries and timeout; anything else is a task() option."""
    for key in options or {}:
        if key not in ("retries", "timeout"):
            raise InvalidArgumentError(f'step() takes only retries and timeout; "{key}" is a task() option')
    return resolve_task_options(options, "step")


def heartbeat_timeout_ms(options: Mapping[str, Any]) -> float:
    """The heartbeat timeout of an attempt with these options, in ms."""
    return float(options.get("heartbeatTimeout", DEFAULT_HEARTBEAT_TIMEOUT_SECONDS)) * 1000


def backoff_ms(shape: str, base_ms: float, n: int, max_ms: float | None = None) -> float:
    """Milliseconds before the n-th retry (sdk/core/backoff.ts)."""
    raw = base_ms if shape == "constant" else base_ms * n if shape == "linear" else base_ms * 2 ** (n - 1)
    return raw if max_ms is None else min(raw, max_ms)


NOT_RETRYABLE = {"FatalError", "SerializationError", "NonDeterminismError", "StuckRunError", "InvalidArgumentError", "InvalidInputError", "InvalidOutputError"}


def retry_delay_ms(policy: Mapping[str, Any], next_attempt: int) -> float | None:
    """Milliseconds to wait before attempt ``next_attempt``, or None when no more attempts (sdk/core/retry-policy.ts)."""
    retry = next_attempt - 1
    if retry < 1 or retry > policy["limit"]:
        return None
    max_delay = policy.get("maxDelay")
    return backoff_ms(policy["backoff"], policy["delay"] * 1000, retry, None if max_delay is None else max_delay * 1000)
