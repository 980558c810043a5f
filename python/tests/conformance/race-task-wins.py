"""A task raced against a timeout it beats; the timer left open is cancelled with the run."""
import asyncio

from baton import sleep, task, workflow


@workflow
async def main(input):
    async def timed_out():
        await sleep("timeout", "1 hour")
        return "timed out"

    done, _ = await asyncio.wait([task("fetchQuote", lambda: 42), asyncio.ensure_future(timed_out())], return_when=asyncio.FIRST_COMPLETED)
    result = done.pop().result()
    await sleep("pause", "1 minute")
    recorded = await task("record", lambda: f"quote {result}")
    return {"result": result, "recorded": recorded}
