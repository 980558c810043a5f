"""The command line: ``baton-worker [FOLDER] --url URL --token TOKEN --queue QUEUE --concurrency N``."""
from __future__ import annotations

import argparse
import os
import re
import signal
import sys
from typing import Any

from .client import SDK, WorkerClient
from .loader import load_folder
from .runner import Worker

QUEUE_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,62}$")


def parser() -> argparse.ArgumentParser:
    """The command line."""
    p = argparse.ArgumentParser(prog="baton-worker", description=f"Run Python workflows and scripts for a Baton Worker ({SDK}, protocol v1).")
    p.add_argument("folder", nargs="?", default=".", help="folder of workflow and script modules (default: .)")
    p.add_argument("--url", default=os.environ.get("BATON_URL"), help="the Worker's URL (env BATON_URL)")
    p.add_argument("--token", default=None, help="the worker token (env BATON_WORKER_TOKEN)")
    p.add_argument("--queue", default=os.environ.get("BATON_QUEUE", "python"), help="queue to serve (env BATON_QUEUE, default python)")
    p.add_argument("--concurrency", type=int, default=4, help="items run at once (default 4)")
    return p


def main(argv: list[str] | None = None) -> int:
    """Entry point of the baton-worker console script; answers the exit status."""
    args = parser().parse_args(argv)
    token = args.token or os.environ.get("BATON_WORKER_TOKEN")
    if not args.url:
        print("baton-worker: no Worker URL: pass --url or set BATON_URL", file=sys.stderr)
        return 2
    if not token:
        print("baton-worker: no worker token: pass --token or set BATON_WORKER_TOKEN to the Worker's BATON_WORKER_TOKEN secret", file=sys.stderr)
        return 2
    if not QUEUE_NAME.match(args.queue):
        print(f"baton-worker: queue {args.queue!r} must be lowercase letters, digits and dashes", file=sys.stderr)
        return 2
    if args.concurrency < 1:
        print("baton-worker: --concurrency must be at least 1", file=sys.stderr)
        return 2
    errors: list[str] = []
    registry = load_folder(args.folder, errors)
    for error in errors:
        print(f"baton-worker: skipped {error}", file=sys.stderr)
    worker = Worker(WorkerClient(args.url, token), registry, args.queue, args.concurrency)

    def stop(signum: int, _frame: Any) -> None:
        worker.say(f"{signal.Signals(signum).name}: finishing claimed work, then exiting")
        worker.stop()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    return worker.run()


