"""A task taking input["taskMs"] of real time raced against a one-second timer."""
import asyncio
import time

from baton import sleep, task, workflow


@workflow
async def main(input):
    state = {"processed": False}

    def process():
        time.sleep(input["taskMs"] / 1000)
        return "processed"

    work = task("process", process)
    work.add_done_callback(lambda f: state.update(processed=not f.exception()))
    timer = sleep("timer", 1)
    await asyncio.wait([work, timer], return_when=asyncio.FIRST_COMPLETED)
    notified = False if state["processed"] else await task("notify", lambda: True)
    await asyncio.gather(work, timer)
    await sleep("pause", "1 minute")
    return {"notified": notified, "result": await work}
