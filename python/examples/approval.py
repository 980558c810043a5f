"""Waits for a person's approval, then records the decision in a task."""
from baton import task, wait_for_approval, workflow


@workflow
def main(input):
    decision = wait_for_approval("review", message=input.get("message", "Ship it?"), timeout="1 hour")
    return task("record", lambda: {"approved": decision["approved"], "by": decision.get("by")})
