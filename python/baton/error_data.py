"""Errors crossing as data (sdk/core/error-data.ts): name, message, code, cause chain, own JSON fields, stack."""
from __future__ import annotations

import builtins
import json
import traceback
from typing import Any

from .errors import ERROR_CLASSES, BatonError
from .jsonvalue import json_or_none

ErrorData = dict[str, Any]

MAX_CAUSE_DEPTH = 8
MAX_STACK = 8000
MAX_FIELDS = 64 * 1024
_OWN = {"name", "message", "code", "cause", "stack", "args"}


def error_name(error: BaseException) -> str:
    """The name an error crosses under: a BatonError's own name, else its class name."""
    if isinstance(error, BatonError):
        return error.name
    return type(error).__name__


def error_message(error: BaseException) -> str:
    """The message an error crosses with."""
    if isinstance(error, BatonError):
        return error.message
    if isinstance(error, KeyError) and len(error.args) == 1:
        return str(error.args[0])
    return str(error)


def own_fields(error: BaseException) -> dict[str, Any] | None:
    """The error's own public JSON attributes (what the TS side calls its enumerable fields)."""
    fields: dict[str, Any] = {}
    size = 0
    code = getattr(error, "code", None)
    for key, value in vars(error).items():
        if key.startswith("_") or key in _OWN:
            continue
        ok, data = json_or_none(value)
        if not ok:
            continue
        size += len(key) + len(json.dumps(data))
        if size > MAX_FIELDS:
            break
        fields[key] = data
    if code is not None and not isinstance(code, str):
        ok, data = json_or_none(code)
        if ok:
            fields["code"] = data
    return fields or None


def to_error_data(error: BaseException, depth: int = 0) -> ErrorData:
    """Captures an exception as data."""
    data: ErrorData = {"name": error_name(error) or "Error", "message": error_message(error)}
    code = getattr(error, "code", None)
    if isinstance(code, str):
        data["code"] = code
    cause = error.__cause__
    if cause is not None:
        if depth + 1 < MAX_CAUSE_DEPTH:
            data["cause"] = to_error_data(cause, depth + 1)
        else:
            data["cause"] = {"name": "Error", "message": f"(causes deeper than {MAX_CAUSE_DEPTH} levels were not kept)"}
    fields = own_fields(error)
    if fields:
        data["fields"] = fields
    stack = getattr(error, "_baton_stack", None)
    if stack is None and error.__traceback__ is not None:
        stack = "".join(traceback.format_exception(type(error), error, error.__traceback__, chain=False))
    if isinstance(stack, str) and "\n" in stack.strip():
        data["stack"] = stack if len(stack) <= MAX_STACK else stack[:MAX_STACK] + "\n    …"
    return data


_GENERIC: dict[str, type[BatonError]] = {}


def _generic_class(name: str) -> type[BatonError]:
    # A class named after the error, so type(err).__name__ reads as the thrower's class.
    if not name.isidentifier():
        return BatonError
    cls = _GENERIC.get(name)
    if cls is None:
        cls = type(name, (BatonError,), {"__module__": "baton.errors", "code": None})
        _GENERIC[name] = cls
    return cls


def from_error_data(data: ErrorData, step_key: str | None = None) -> BaseException:
    """Rebuilds a raisable error: Baton's class of that name, a builtin exception of that name, or a generic BatonError subclass."""
    error = _rebuild(data)
    if step_key is not None:
        error._baton_step_key = step_key  # type: ignore[attr-defined]
    return error


def _rebuild(data: ErrorData) -> BaseException:
    name = str(data.get("name") or "Error")
    message = str(data.get("message", ""))
    fields: dict[str, Any] = dict(data.get("fields") or {})
    code = data.get("code")
    error: BaseException
    known = ERROR_CLASSES.get(name)
    builtin = getattr(builtins, name, None)
    if known is not None:
        error = known(message)
    elif isinstance(builtin, type) and issubclass(builtin, Exception) and not issubclass(builtin, Warning):
        try:
            error = builtin(message)
        except Exception:
            error = _generic_class(name)(message, name=name)
    else:
        error = _generic_class(name)(message, name=name)
    if isinstance(error, BatonError):
        error.name = name
    if code is not None:
        try:
            error.code = code  # type: ignore[attr-defined]
        except AttributeError:
            pass
    for key, value in fields.items():
        if key not in _OWN:
            try:
                setattr(error, key, value)
            except AttributeError:
                pass
    if data.get("cause"):
        error.__cause__ = _rebuild(data["cause"])
    error._baton_stack = data.get("stack") or f"{name}: {message}"  # type: ignore[attr-defined]
    return error


def without_stacks(data: ErrorData) -> ErrorData:
    """Error data without stacks at every level: what comparisons look at."""
    rest = {k: v for k, v in data.items() if k not in ("stack", "cause")}
    if data.get("cause"):
        rest["cause"] = without_stacks(data["cause"])
    return rest


def error_data_of(value: Any, depth: int = 0) -> ErrorData:
    """``value`` checked to be error data; raises TypeError saying what is wrong."""
    if not isinstance(value, dict):
        raise TypeError("error data must be an object")
    if not isinstance(value.get("name"), str) or not isinstance(value.get("message"), str):
        raise TypeError("error data needs a string name and message")
    data: ErrorData = {"name": value["name"], "message": value["message"]}
    for key in ("code", "stack"):
        if value.get(key) is not None:
            data[key] = str(value[key])
    if isinstance(value.get("fields"), dict):
        data["fields"] = value["fields"]
    if value.get("cause") is not None and depth < MAX_CAUSE_DEPTH:
        data["cause"] = error_data_of(value["cause"], depth + 1)
    return data
