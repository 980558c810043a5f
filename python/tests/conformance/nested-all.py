"""gather of gathers over sequences of tasks, each ending with its own nap."""
import asyncio

from baton import sleep, task, workflow


async def sequence(name, n, nap):
    out = []
    for i in range(n):
        out.append(await task(name, lambda i=i: f"{name}{i}"))
    await sleep(f"{name}-nap", nap)
    out.append(await task(f"{name}-done", lambda: f"{name} done"))
    return out


@workflow
async def main(input):
    (a, b), c = await asyncio.gather(asyncio.gather(sequence("a", 3, "10 minutes"), sequence("b", 2, "20 minutes")), sequence("c", 1, "30 minutes"))
    return [*a, *b, *c]
