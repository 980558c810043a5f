"""A task that sleeps 10 s of real time, writing a marker line per attempt to input["marker"]."""
import time

from baton import task, workflow


def slow(ctx, marker):
    with open(marker, "a") as handle:
        handle.write(f"{ctx.key} attempt {ctx.attempt}\n")
    time.sleep(10)
    return "slept"


@workflow
def main(input):
    return {"result": task("slow", lambda ctx: slow(ctx, input["marker"]))}
