"""A loop that starts tasks without awaiting them, sleeps, then collects them."""
import asyncio

from baton import sleep, task, workflow


@workflow
async def main(input):
    jobs = [task(f"job{i}", lambda i=i: i * 10) for i in range(input["n"])]
    await sleep("between", "1 hour")
    return sum(await asyncio.gather(*jobs))
