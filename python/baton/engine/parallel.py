"""parallel(): every item in a branch of its own, at most ``concurrency`` at once, results in
item order, the first failure failing the whole (like asyncio.gather) and starting nothing more.
A slot frees when an item ends, which happens in delivery order, so item 6 of
concurrency 5 starts after the same earlier item on every replay."""
from __future__ import annotations

import asyncio
import contextvars
import inspect
from typing import TYPE_CHECKING, Any, Callable

from ..determinism import BodyHalted
from .closure import takes_context

if TYPE_CHECKING:
    from .execution import Execution


def run_parallel(execution: "Execution", items: list[Any], fn: Callable[..., Any], concurrency: int | None,
                 branch_of: Callable[[int], contextvars.Context]) -> asyncio.Future[Any]:
    """Runs ``fn(item[, index])`` for every item, each under the context ``branch_of(index)`` makes."""
    loop = execution.loop
    result: asyncio.Future[Any] = loop.create_future()
    total = len(items)
    results: list[Any] = [None] * total
    if total == 0:
        result.set_result(results)
        return result
    limit = min(concurrency or total, total)
    state = {"next": 0, "done": 0, "failed": False}
    with_index = takes_context(fn, 1)

    def finish(index: int, ok: bool, value: Any) -> None:
        if state["failed"] or result.done():
            return
        if not ok:
            state["failed"] = True
            if not isinstance(value, BodyHalted):
                result.set_exception(value)
            return
        results[index] = value
        state["done"] += 1
        if state["done"] == total:
            result.set_result(results)
        elif state["next"] < total:
            launch()

    def launch() -> None:
        index = state["next"]
        state["next"] += 1
        context = branch_of(index)

        def call() -> Any:
            return fn(items[index], index) if with_index else fn(items[index])

        if execution.sync:
            execution.launch_fiber(context, call, lambda ok, value: finish(index, ok, value))
            return
        try:
            value = context.run(call)
        except Exception as error:  # noqa: BLE001 - an item's failure fails the whole
            finish(index, False, error)
            return
        if not inspect.isawaitable(value):
            finish(index, True, value)
            return
        if isinstance(value, asyncio.Future):
            future = value
        else:
            async def awaiting(awaitable: Any = value) -> Any:
                return await awaitable
            future = loop.create_task(value if inspect.iscoroutine(value) else awaiting(), context=context)

        def done(settled: asyncio.Future[Any]) -> None:
            if settled.cancelled():
                finish(index, False, asyncio.CancelledError())
            elif settled.exception() is not None:
                finish(index, False, settled.exception())
            else:
                finish(index, True, settled.result())

        future.add_done_callback(done)

    for _ in range(limit):
        launch()
    return result
