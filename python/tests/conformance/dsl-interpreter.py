"""Temporal's DSL sample: an interpreter over sequences and parallel branches of activities."""
import asyncio

from baton import sleep, task, workflow


def activity(name, args):
    return f"[result from {name}: {' '.join(args)}]"


async def execute(statement, bindings):
    if "parallel" in statement:
        await asyncio.gather(*(execute(branch, bindings) for branch in statement["parallel"]["branches"]))
    elif "sequence" in statement:
        for element in statement["sequence"]["elements"]:
            await execute(element, bindings)
    else:
        spec = statement["activity"]
        args = [bindings.get(a, "") for a in spec.get("arguments", [])]
        value = await task(spec["name"], lambda: activity(spec["name"], args))
        if spec.get("result"):
            bindings[spec["result"]] = value


@workflow
async def main(input):
    bindings = dict(input["variables"])
    await execute(input["root"], bindings)
    await sleep("cooldown", "1 hour")
    bindings["summary"] = await task("summarize", lambda: ",".join(sorted(bindings)))
    return bindings
