"""A script run by path: task_script("py/score", {"x": 21})."""
from baton import script


@script(retries={"limit": 2})
def main(args):
    return {"score": args["x"] * 2}
