"""A naive port of a timer: asyncio.sleep in the body."""
import asyncio

from baton import sleep, task, workflow


@workflow
async def main(input):
    await task("first", lambda: 1)
    await sleep("pause", "1 minute")
    await asyncio.sleep(0.05)
    return await task("second", lambda: 2)
