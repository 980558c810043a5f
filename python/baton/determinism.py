"""The body environment (sdk/core/determinism.ts): while workflow body code runs, the clock,
randomness and uuid4 answer from the run; time.sleep and sockets fail the run. Installed once
per process as wrappers that consult a ContextVar, so task threads and other code see the real ones."""
from __future__ import annotations

import contextvars
import copyreg
import datetime as _dt
import random as _random
import socket as _socket
import time as _time
import uuid as _uuid
from typing import Any, Callable, Protocol

REAL_TIME = _time.time
REAL_TIME_NS = _time.time_ns
REAL_SLEEP = _time.sleep
REAL_UUID4 = _uuid.uuid4
REAL_CREATE_CONNECTION = _socket.create_connection
REAL_DATETIME = _dt.datetime
REAL_DATE = _dt.date


class BodyEnvironment(Protocol):
    """What the wrapped globals ask of the body that is running."""

    random: _random.Random

    def now_ms(self) -> float:
        """The body's clock in ms since the epoch."""

    def forbid(self, call: str) -> None:
        """The body called something replay cannot reproduce: the run fails (and the call raises)."""


BODY: contextvars.ContextVar[BodyEnvironment | None] = contextvars.ContextVar("baton.body", default=None)


class BodyHalted(BaseException):
    """Unwinds body code of an execution that ended; a BaseException so ``except Exception`` passes it on."""


def current_body() -> BodyEnvironment | None:
    """The body environment of the code running now, if it is workflow body code."""
    return BODY.get()


def real_now_ms() -> float:
    """The real clock in ms, whatever code asks."""
    return REAL_TIME() * 1000


def _time_time() -> float:
    body = BODY.get()
    return REAL_TIME() if body is None else body.now_ms() / 1000


def _time_time_ns() -> int:
    body = BODY.get()
    return REAL_TIME_NS() if body is None else int(body.now_ms()) * 1_000_000


def _time_sleep(seconds: float) -> None:
    body = BODY.get()
    if body is None:
        return REAL_SLEEP(seconds)
    body.forbid("time.sleep()")
    raise BodyHalted()


def _create_connection(*args: Any, **kwargs: Any) -> Any:
    body = BODY.get()
    if body is None:
        return REAL_CREATE_CONNECTION(*args, **kwargs)
    body.forbid("socket.create_connection() (network I/O)")
    raise BodyHalted()


def _uuid4() -> _uuid.UUID:
    body = BODY.get()
    if body is None:
        return REAL_UUID4()
    return _uuid.UUID(bytes=body.random.randbytes(16), version=4)


class _Meta(type):
    # Real datetimes stay instances of the module's (replaced) class: isinstance keeps working.
    def __instancecheck__(cls, obj: object) -> bool:
        return isinstance(obj, cls.__bases__[0])

    def __subclasscheck__(cls, sub: type) -> bool:
        return issubclass(sub, cls.__bases__[0])


class BodyDate(REAL_DATE, metaclass=_Meta):  # type: ignore[misc]
    """datetime.date whose today() reads the body's clock inside a body."""

    @classmethod
    def today(cls) -> _dt.date:  # type: ignore[override]
        body = BODY.get()
        if body is None:
            return REAL_DATE.today()
        return REAL_DATE.fromtimestamp(body.now_ms() / 1000)


class BodyDateTime(REAL_DATETIME, metaclass=_Meta):  # type: ignore[misc]
    """datetime.datetime whose now()/utcnow()/today() read the body's clock inside a body."""

    @classmethod
    def now(cls, tz: _dt.tzinfo | None = None) -> _dt.datetime:  # type: ignore[override]
        body = BODY.get()
        if body is None:
            return REAL_DATETIME.now(tz)
        return REAL_DATETIME.fromtimestamp(body.now_ms() / 1000, tz)

    @classmethod
    def utcnow(cls) -> _dt.datetime:  # type: ignore[override]
        body = BODY.get()
        if body is None:
            return REAL_DATETIME.utcnow()
        return REAL_DATETIME.fromtimestamp(body.now_ms() / 1000, _dt.timezone.utc).replace(tzinfo=None)

    @classmethod
    def today(cls) -> _dt.datetime:  # type: ignore[override]
        return cls.now()


# Pickle finds classes by module and name; they name the replacements, which stand in for the real ones.
for _cls, _name in ((BodyDate, "date"), (BodyDateTime, "datetime")):
    _cls.__module__ = "datetime"
    _cls.__qualname__ = _name
    _cls.__name__ = _name


def _reduce_datetime(value: _dt.datetime) -> Any:
    return (BodyDateTime, value.__reduce__()[1])


def _reduce_date(value: _dt.date) -> Any:
    return (BodyDate, value.__reduce__()[1])


_RANDOM_FUNCTIONS = [
    "random", "uniform", "triangular", "randint", "choice", "randrange", "sample", "shuffle", "choices",
    "normalvariate", "lognormvariate", "expovariate", "vonmisesvariate", "gammavariate", "gauss",
    "betavariate", "paretovariate", "weibullvariate", "getrandbits", "randbytes",
]


def _random_wrapper(name: str, real: Callable[..., Any]) -> Callable[..., Any]:
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        body = BODY.get()
        if body is None:
            return real(*args, **kwargs)
        return getattr(body.random, name)(*args, **kwargs)

    wrapped.__name__ = name
    wrapped.__doc__ = real.__doc__
    wrapped.__wrapped__ = real  # type: ignore[attr-defined]
    return wrapped


_installed = False


def install_determinism() -> None:
    """Puts the body-aware wrappers in place, once per process."""
    global _installed
    if _installed:
        return
    _installed = True
    _time.time = _time_time
    _time.time_ns = _time_time_ns
    _time.sleep = _time_sleep
    _uuid.uuid4 = _uuid4
    _socket.create_connection = _create_connection
    _dt.datetime = BodyDateTime  # type: ignore[misc]
    _dt.date = BodyDate  # type: ignore[misc]
    copyreg.pickle(REAL_DATETIME, _reduce_datetime)
    copyreg.pickle(REAL_DATE, _reduce_date)
    for name in _RANDOM_FUNCTIONS:
        real = getattr(_random, name, None)
        if callable(real):
            setattr(_random, name, _random_wrapper(name, real))
