"""parallel() keeps its per-item keys: a task, a sleep of its own, another task; two items at once."""
from baton import parallel, sleep, task, workflow


@workflow
async def main(input):
    async def item(value, index):
        upper = await task("upper", lambda: value.upper())
        await sleep("rest", (index + 1) * 60)
        return await task("label", lambda: f"{index}:{upper}")

    return await parallel(input["items"], item, concurrency=2)
