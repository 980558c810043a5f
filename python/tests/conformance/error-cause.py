"""What a catch block reads from an error raised in a step or a task: cause, code, own fields (sync style)."""
from baton import BatonError, sleep, step, task, workflow


class CardError(Exception):
    def __init__(self, message):
        super().__init__(message)
        self.code = "card_declined"
        self.declineCode = "insufficient_funds"
        self.details = {"last4": "4242"}


def risky():
    raise Exception("Oh no!") from Exception("This is the cause")


def charge():
    raise CardError("Your card was declined.")


def deep():
    error = Exception("level 0")
    for i in range(1, 6):
        try:
            raise Exception(f"level {i}") from error
        except Exception as raised:
            error = raised
    raise error


@workflow
def main(input):
    cause = ""
    try:
        step("risky", risky, retries={"limit": 0})
    except Exception as err:
        cause = str(err.__cause__)
    sleep("pause", "1 minute")
    declined = {}
    try:
        task("charge", charge, retries={"limit": 0})
    except BatonError as e:
        declined = {"name": e.name, "message": e.message, "code": e.code, "declineCode": e.declineCode, "details": e.details}
    depth = 0
    try:
        task("deep", deep, retries={"limit": 0})
    except Exception as err:
        e = err
        while e is not None:
            depth += 1
            e = e.__cause__
    return {"cause": cause, "declined": declined, "depth": depth}
