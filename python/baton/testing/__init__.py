"""baton.testing: run a workflow in memory on the production replay engine, with a virtual clock."""
from __future__ import annotations

from .local import LocalRun, run_locally

__all__ = ["run_locally", "LocalRun", "result"]


def result(run: dict) -> dict:
    """A run in the form the conformance cases compare: errors without stacks, steps as [key, status] sorted by key."""
    from ..error_data import without_stacks

    return {
        "status": run["status"],
        "output": run.get("output"),
        "error": without_stacks(run["error"]) if run.get("error") else None,
        "steps": sorted([[s["key"], s["status"]] for s in run["steps"]], key=lambda pair: pair[0]),
    }
