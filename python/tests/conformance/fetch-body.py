"""Network I/O in the body instead of in a task (sync style)."""
import urllib.request

from baton import sleep, task, workflow


@workflow
def main(input):
    task("first", lambda: 1)
    sleep("pause", "1 minute")
    with urllib.request.urlopen("https://example.com/status") as response:
        return response.status
