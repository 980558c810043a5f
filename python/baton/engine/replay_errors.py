"""The errors that end a run because its body cannot be replayed (sdk/core/replay-errors.ts), same words."""
from __future__ import annotations

from typing import Any

from ..errors import NonDeterminismError, StuckRunError
from ..keys import ROOT_BRANCH


def _cause(code_change: str | None) -> str:
    if code_change:
        return (f" The workflow's code changed under this run in flight: {code_change} "
                "Branch on patched() so that runs started on the old code keep to the old path.")
    return (" A workflow body must make the same calls in the same order on every replay; something it depends on differs from the first run: "
            "state kept outside the body (module variables, globals, the environment), I/O or timers in the body, or code it imports that changed. "
            "Move such work into a step() or task().")


def diverged_at(recorded: dict[str, Any], asked: dict[str, str], code_change: str | None) -> NonDeterminismError:
    """The n-th call of a branch is not the one the log recorded there."""
    where = "the workflow body" if recorded.get("branch", "") == ROOT_BRANCH else f'branch "{recorded["branch"]}"'
    return NonDeterminismError(
        f'Replay diverged at step key "{recorded["key"]}": the log recorded {recorded["kind"]} "{recorded["name"]}" '
        f'as call {int(recorded.get("seq", 0)) + 1} of {where}, but the code asked for {asked["kind"]} "{asked["name"]}" (key "{asked["key"]}").{_cause(code_change)}',
        diverged_at=recorded["key"],
    )


def not_asked_for(key: str, delivery: int, waiting: list[str], code_change: str | None) -> NonDeterminismError:
    """The next recorded outcome is for a call the replayed body has not made."""
    return NonDeterminismError(
        f'Replay diverged at step key "{key}": outcome {delivery} of the run reached the workflow body there, '
        f'but on replay the body did not ask for "{key}"; it waits for {_list(waiting)} instead.{_cause(code_change)}',
        diverged_at=key,
    )


def task_not_reached(key: str, waiting: list[str], code_change: str | None) -> NonDeterminismError:
    """Task mode: every recorded outcome was delivered and the body never asked for the task."""
    return NonDeterminismError(
        f'Replay did not reach task "{key}": after every recorded outcome the workflow body waits for {_list(waiting)} and never asks for it.{_cause(code_change)}',
        diverged_at=key,
    )


def stuck(after: str | None) -> StuckRunError:
    """The body awaits nothing Baton can settle."""
    where = f' (after step "{after}")' if after else ""
    return StuckRunError(
        f"The workflow body is waiting for something that is not a Baton primitive{where}: "
        "a timer, fetch or other I/O, or a promise nothing settles. Baton cannot record it, so the run can neither go on nor be replayed. "
        "Move that work into a task() or step(), and wait with sleep() or waitForApproval()."
    )


def forbidden(call: str) -> StuckRunError:
    """The body called a timer or I/O itself."""
    return StuckRunError(
        f"The workflow body called {call}, which is not a Baton primitive: its result cannot be recorded, so the run could not be replayed past it. "
        "Move it into a task() or step(); to wait, use sleep()."
    )


def blocked(where: str) -> StuckRunError:
    """A sync body blocked on something Baton cannot see."""
    return StuckRunError(
        f"The workflow body blocked in {where}, which is not a Baton primitive: its result cannot be recorded, so the run could not be replayed past it. "
        "Move it into a task() or step(); to wait, use sleep()."
    )


def _list(keys: list[str]) -> str:
    if not keys:
        return "nothing Baton knows of"
    shown = ", ".join(f'"{k}"' for k in keys[:5])
    return f"{shown} and {len(keys) - 5} more" if len(keys) > 5 else shown
