"""uuid4() in the body is the run's own: two tasks either side of a sleep capture the same value."""
import uuid

from baton import sleep, task, workflow


@workflow
def main(input):
    drawn = str(uuid.uuid4())
    first = task("first", lambda: drawn)
    sleep(2)
    second = task("second", lambda: drawn)
    return {"first": first, "second": second, "body": drawn}
