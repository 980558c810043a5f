"""An uncaught error with a cause fails the run with both, as the task raised them."""
from baton import sleep, task, workflow


class RangeError(Exception):
    pass


class Error(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.code = "charge_failed"
        self.attempt = 1


def charge():
    raise Error("Oh no!") from RangeError("This is the cause")


@workflow
def main(input):
    task("first", lambda: 1)
    sleep("pause", "1 minute")
    return task("charge", charge, retries={"limit": 0})
