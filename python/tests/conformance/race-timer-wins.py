"""Temporal's timer sample: race the order's processing against a timer (asyncio style)."""
import asyncio

from baton import sleep, task, workflow


@workflow
async def main(input):
    state = {"processing": True}

    async def process_order():
        await sleep("processingTime", "2 hours")
        await task("processOrder", lambda: f"processed {input['orderId']}")
        state["processing"] = False

    order = asyncio.ensure_future(process_order())
    await asyncio.wait([order, sleep("timer", "1 hour")], return_when=asyncio.FIRST_COMPLETED)
    notified = False
    if state["processing"]:
        notified = await task("sendNotificationEmail", lambda: True)
    await order
    return {"notified": notified, "processing": state["processing"]}
