"""Baton's own errors are themselves again in the body; a "thrown value" arrives with its value field."""
from baton import BatonError, FatalError, TaskTimeoutError, sleep, task, workflow


def fatal():
    raise FatalError("the account is closed")


def hangs(ctx):
    ctx.wait()
    raise TaskTimeoutError("cancelled")


def thrown(value, message):
    def throw():
        error = Exception(message)
        error.value = value
        raise error
    return throw


@workflow
def main(input):
    seen = {}
    try:
        task("fatal", fatal)
    except Exception as err:
        seen["fatal"] = [isinstance(err, FatalError), isinstance(err, BatonError), err.code]
    try:
        task("hangs", hangs, timeout="1 second", retries={"limit": 0})
    except Exception as err:
        seen["timeout"] = isinstance(err, TaskTimeoutError)
    sleep("pause", "1 minute")
    try:
        task("throws-string", thrown("plain string", "plain string"), retries={"limit": 0})
    except Exception as err:
        seen["string"] = [isinstance(err, Exception), str(err), err.value]
    try:
        task("throws-object", thrown({"reason": "nope"}, '{"reason":"nope"}'), retries={"limit": 0})
    except Exception as err:
        seen["object"] = [isinstance(err, Exception), str(err), err.value]
    return seen
