"""The body awaits a future no Baton primitive will ever settle."""
import asyncio

from baton import sleep, task, workflow


@workflow
async def main(input):
    await task("first", lambda: 1)
    await sleep("pause", "1 minute")
    await asyncio.get_running_loop().create_future()
    return "never"
