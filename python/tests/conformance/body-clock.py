"""The body's clock is recorded: a replay reads the time the first run read (sync style)."""
import datetime
import time

from baton import sleep, step, task, workflow


@workflow
def main(input):
    started = time.time()
    iso = datetime.datetime.now(datetime.timezone.utc).isoformat()
    stamped = step("stamp", lambda: started)
    sleep("wait", "1 hour")
    woke = time.time()
    echoed = task("echo", lambda: {"started": started, "iso": iso})
    return {"stamped": stamped == started, "echoed": echoed["started"] == started and echoed["iso"] == iso, "forward": woke >= started}
