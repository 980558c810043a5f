"""The replay engine and run_locally: primitives in both styles, keys, options, durations, errors, determinism, delivery order."""
from __future__ import annotations

import asyncio
import datetime
import http.server
import json
import os
import pickle
import random
import sys
import threading
import time
import unittest
import uuid

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))

from baton import (  # noqa: E402
    BatonError, FatalError, InvalidArgumentError, NonDeterminismError, parallel, patched, sleep, sleep_until, step, task,
    task_flow, task_script, to_seconds, wait_for_approval, wait_for_event,
)
from baton.engine.execution import Execution  # noqa: E402
from baton.error_data import from_error_data, to_error_data  # noqa: E402
from baton.keys import ROOT_BRANCH, item_branch, step_key  # noqa: E402
from baton.options import resolve_task_options  # noqa: E402
from baton.testing import result, run_locally  # noqa: E402


def keys(run):
    return [s["key"] for s in run["steps"]]


class Recorder:
    """A host that records calls, as the worker's activation host does."""

    def __init__(self):
        self.calls = []

    def begin(self, call):
        self.calls.append(call)

    def run_step(self, *args):
        pass


class Keys(unittest.TestCase):
    def test_step_keys_match_ts(self):
        self.assertEqual(step_key(ROOT_BRANCH, "fetch", 2), "fetch#2")
        branch = item_branch(step_key(ROOT_BRANCH, "parallel", 0), 3)
        self.assertEqual(step_key(branch, "task", 1), "parallel#0[3]/task#1")
        self.assertEqual(step_key(ROOT_BRANCH, "parallel#0[3]/task", 1), "parallel%230%5B3%5D%2Ftask#1")
        self.assertEqual(step_key(ROOT_BRANCH, "100%", 0), "100%25#0")


class Options(unittest.TestCase):
    def test_defaults_and_shape(self):
        self.assertEqual(resolve_task_options(None, "task"), {"retries": {"limit": 5, "delay": 1, "backoff": "exponential"}, "timeout": 600})
        got = resolve_task_options({"retries": {"limit": 2, "max_delay": "1 minute"}, "heartbeat_timeout": "45 seconds", "tag": "gpu"}, "task")
        self.assertEqual(got, {"retries": {"limit": 2, "delay": 1, "backoff": "exponential", "maxDelay": 60}, "timeout": 600, "heartbeatTimeout": 45, "tag": "gpu"})

    def test_queue_sends_a_task_to_another_queues_workers(self):
        self.assertEqual(resolve_task_options({"queue": "gpu"}, "task")["queue"], "gpu")
        with self.assertRaisesRegex(InvalidArgumentError, "queue must be 1 to 63 lowercase"):
            resolve_task_options({"queue": "GPU box"}, "task")
        with self.assertRaisesRegex(InvalidArgumentError, "not both"):
            resolve_task_options({"queue": "gpu", "tag": "heavy"}, "task")

    def test_unknown_options_are_named(self):
        with self.assertRaisesRegex(InvalidArgumentError, 'task\\(\\) has no option "retry"'):
            resolve_task_options({"retry": 1}, "task")
        run = run_locally(lambda i: step(lambda: 1, tag="x"))
        self.assertEqual(run["error"]["name"], "InvalidArgumentError")
        self.assertIn('"tag" is a task() option', run["error"]["message"])

    def test_durations(self):
        self.assertEqual(to_seconds("5 minutes", "x"), 300)
        self.assertEqual(to_seconds("1 Hour", "x"), 3600)
        self.assertEqual(to_seconds("250 milliseconds", "x"), 0.25)
        self.assertEqual(to_seconds(1.5, "x"), 1.5)
        for bad in ("30s", "soon", -1, True, None):
            with self.assertRaises(InvalidArgumentError):
                to_seconds(bad, "sleep()")


class Errors(unittest.TestCase):
    def test_round_trip(self):
        class CardError(Exception):
            pass
        try:
            try:
                raise ValueError("inner")
            except ValueError as inner:
                error = CardError("declined")
                error.code = "card_declined"
                error.last4 = "4242"
                raise error from inner
        except CardError as caught:
            data = to_error_data(caught)
        self.assertEqual(data["name"], "CardError")
        self.assertEqual(data["fields"], {"last4": "4242"})
        self.assertEqual(data["cause"]["name"], "ValueError")
        rebuilt = from_error_data(data)
        self.assertIsInstance(rebuilt, BatonError)
        self.assertEqual((type(rebuilt).__name__, rebuilt.code, rebuilt.last4), ("CardError", "card_declined", "4242"))
        self.assertIsInstance(rebuilt.__cause__, ValueError)
        self.assertIsInstance(from_error_data({"name": "FatalError", "message": "x"}), FatalError)

    def test_task_error_reaches_body_as_its_class(self):
        def main(_):
            try:
                task(lambda: int("x"), retries={"limit": 0})
            except ValueError as error:
                return type(error).__name__
        self.assertEqual(run_locally(main)["output"], "ValueError")


class Primitives(unittest.TestCase):
    def test_sync_and_async_styles_agree(self):
        def sync_main(_):
            a = task("a", lambda: 1)
            b = step(lambda ctx: ctx.key)
            sleep("nap", "2 hours")
            return [a, b, parallel([1, 2], lambda x: task(lambda: x * 10))]

        async def async_main(_):
            a = await task("a", lambda: 1)
            b = await step(lambda ctx: ctx.key)
            await sleep("nap", "2 hours")
            return [a, b, await parallel([1, 2], lambda x: task(lambda: x * 10))]

        for main in (sync_main, async_main):
            for replay in (False, True):
                run = run_locally(main, replay_every_step=replay)
                self.assertEqual(run["output"], [1, "step#0", [10, 20]])
                self.assertEqual(keys(run), ["a#0", "step#0", "nap#0", "parallel#0[0]/task#0", "parallel#0[1]/task#0"])

    def test_retries_on_the_virtual_clock(self):
        tries = []

        def flaky():
            tries.append(1)
            if len(tries) < 3:
                raise RuntimeError("again")
            return "ok"

        run = run_locally(lambda _: task(flaky, retries={"delay": "1 hour"}))
        self.assertEqual((run["output"], run["steps"][0]["attempts"]), ("ok", 3))

    def test_approval_event_sleep_until_scripts_flows(self):
        async def child(input):
            return await task(lambda: input["n"] + 1)

        async def main(_):
            decision = await wait_for_approval("ok", message="go?", to=["a@example.com"])
            payload = await wait_for_event("paid", timeout="1 hour")
            await sleep_until(datetime.datetime(2000, 1, 1, tzinfo=datetime.timezone.utc))
            await sleep_until("2999-01-01T00:00:00Z")
            score = await task_script("py/score", {"x": 2})
            flow = await task_flow("child", {"n": 1})
            return [decision["approved"], decision["by"], payload, score, flow]

        run = run_locally(main, approve=lambda ask: {"approved": True, "by": "ops"}, events=[{"name": "paid", "payload": {"n": 1}, "after": 5}],
                          scripts={"py/score": lambda args: args["x"] * 2}, flows={"child": child})
        self.assertEqual(run["output"], [True, "ops", {"n": 1}, 4, 2])
        self.assertEqual(keys(run), ["ok#0", "paid#0", "sleep#0", "py%2Fscore#0", "child#0"])

    def test_patched(self):
        def main(_):
            task(lambda: 1)
            return patched("fee")
        run = run_locally(main)
        self.assertTrue(run["output"])
        self.assertIn("patch:fee", keys(run))
        old = [{"key": "task#0", "branch": "", "seq": 0, "kind": "task", "name": "task", "status": "completed", "attempts": 1, "result": 1, "delivery": 1, "at": 1}]

        def marker_first(_):
            value = patched("fee")
            task(lambda: 1)
            return value
        execution = Execution(marker_first, None, old, Recorder())
        execution.start()
        self.assertEqual(execution.ended["output"], False)


class Determinism(unittest.TestCase):
    def test_body_values_are_stable_and_closures_see_real_ones(self):
        def main(_):
            drawn = [time.time(), random.random(), str(uuid.uuid4()), datetime.datetime.now().isoformat(), datetime.date.today().isoformat()]
            seen = task(lambda: drawn)
            real = task(lambda: [time.time(), str(uuid.uuid4())])
            sleep("1 day")
            return {"same": seen == drawn, "after": time.time() - drawn[0], "real": real[1] != drawn[2]}
        for replay in (False, True):
            out = run_locally(main, replay_every_step=replay, start_at=1_700_000_000_000)["output"]
            self.assertEqual(out, {"same": True, "after": 86400.0, "real": True})

    def test_datetime_still_pickles_and_isinstance(self):
        now = datetime.datetime.now()
        self.assertIsInstance(now, datetime.datetime)
        self.assertEqual(pickle.loads(pickle.dumps(now)), now)


class ReplayFailures(unittest.TestCase):
    def test_non_determinism_names_the_key(self):
        log = [{"key": "a#0", "branch": "", "seq": 0, "kind": "task", "name": "a", "status": "completed", "attempts": 1, "result": 1, "delivery": 1, "at": 1}]
        execution = Execution(lambda _: task("b", lambda: 1), None, log, Recorder())
        execution.start()
        self.assertEqual(execution.ended["error"]["name"], NonDeterminismError.__name__)
        self.assertEqual(execution.ended["error"]["fields"], {"divergedAt": "a#0"})

    def test_stuck_bodies(self):
        async def sleeps(_):
            await asyncio.sleep(1)

        def blocks(_):
            threading.Event().wait()

        run = run_locally(sleeps)
        self.assertEqual(run["error"]["code"], "stuck")
        self.assertIn("asyncio.sleep()", run["error"]["message"])
        run = run_locally(lambda _: time.sleep(1))
        self.assertIn("time.sleep()", run["error"]["message"])
        run = run_locally(blocks, block_limit=0.5)
        self.assertEqual(run["error"]["name"], "StuckRunError")
        self.assertIn("wait()", run["error"]["message"])


class DeliveryOrder(unittest.TestCase):
    def test_parallel_concurrency_starts_item_six_after_an_earlier_one_ends(self):
        def main(_):
            return parallel(list(range(7)), lambda i: sleep("nap", 100 - i) or i, concurrency=5)
        for replay in (False, True):
            run = run_locally(main, replay_every_step=replay)
            self.assertEqual(run["output"], list(range(7)))
            starts = {s["key"]: s["startedAt"] for s in run["steps"]}
            ends = sorted(s["endedAt"] for s in run["steps"] if s["key"] < "parallel#0[5]")
            self.assertEqual(starts["parallel#0[5]/nap#0"], ends[0])

    def test_asyncio_race_first_completed(self):
        async def main(_):
            done, _pending = await asyncio.wait([sleep("slow", "2 hours"), task("fast", lambda: "fast")], return_when=asyncio.FIRST_COMPLETED)
            return len(done)
        for replay in (False, True):
            run = run_locally(main, replay_every_step=replay)
            self.assertEqual(result(run), {"status": "completed", "output": 1, "error": None, "steps": [["fast#0", "completed"], ["slow#0", "cancelled"]]})


class Seed(unittest.TestCase):
    def test_seed_example_against_a_local_server(self):
        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                body = json.dumps({"path": self.path}).encode()
                self.send_response(200)
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=server.serve_forever, daemon=True).start()
        try:
            sys.path.insert(0, os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "examples"))
            import seed
            urls = [f"http://127.0.0.1:{server.server_port}/{i}" for i in range(7)]
            for replay in (False, True):
                run = run_locally(seed.main, {"urls": urls}, replay_every_step=replay)
                self.assertEqual(run["output"], {"processed": 7})
                # The inner task() runs inside the outer one's closure: one task per item, then the sleep and the save.
                self.assertIn("parallel#0[6]/task#0", keys(run))
                self.assertNotIn("parallel#0[6]/task#1", keys(run))
                self.assertIn("task#0", keys(run))
                item = next(step for step in run["steps"] if step["key"] == "parallel#0[3]/task#0")
                self.assertEqual(item["result"]["keys"], ["path"])
        finally:
            server.shutdown()


if __name__ == "__main__":
    unittest.main()
