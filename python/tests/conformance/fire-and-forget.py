"""A deadline started and never awaited flips a flag that ends the polling loop."""
from baton import sleep, task, workflow


@workflow
async def main(input):
    state = {"timed_out": False}
    sleep("deadline", "1 hour").add_done_callback(lambda _: state.update(timed_out=True))
    polls, status = 0, "pending"
    while not state["timed_out"]:
        polls += 1
        count = polls
        status = await task("poll", lambda: "done" if count >= 100 else "pending")
        if status == "done":
            break
        await sleep("interval", "25 minutes")
    return {"polls": polls, "timedOut": state["timed_out"], "status": status}
