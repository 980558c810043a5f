"""A Python workflow calling a TypeScript child flow and a registered script (asyncio style)."""
from baton import task_flow, task_script, workflow


@workflow
async def main(input):
    child = await task_flow("child", {"from": "python", "n": input.get("n", 1)})
    doubled = await task_script("scripts/double", {"x": input.get("n", 1)})
    return {"child": child, "doubled": doubled}
