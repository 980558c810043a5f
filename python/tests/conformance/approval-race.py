"""Escalation: a manager's approval raced against an hour; when the hour wins, the director decides."""
import asyncio

from baton import sleep, wait_for_approval, workflow


@workflow
async def main(input):
    async def manager():
        decision = await wait_for_approval("manager", message="Approve the refund?", timeout="1 day")
        return f"manager {decision['decision']}"

    async def escalate():
        await sleep("escalate", "1 hour")
        return "escalated"

    done, _ = await asyncio.wait([asyncio.ensure_future(manager()), asyncio.ensure_future(escalate())], return_when=asyncio.FIRST_COMPLETED)
    first = done.pop().result()
    director = await wait_for_approval("director", message="Escalated: approve the refund?") if first == "escalated" else None
    return {"first": first, "director": director["decision"] if director else None}
