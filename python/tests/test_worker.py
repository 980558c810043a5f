"""The worker against a FAKE protocol server: a stdlib http.server in this test playing the
Worker's side of protocol v1 (register, poll, heartbeat, complete), not the real server."""
from __future__ import annotations

import io
import json
import os
import socket
import subprocess
import sys
import threading
import unittest
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, ROOT)

from baton.worker.client import WorkerClient  # noqa: E402
from baton.worker.loader import load_folder  # noqa: E402
from baton.worker.runner import Worker  # noqa: E402

EXAMPLES = os.path.join(ROOT, "examples")


class FakeServer:
    """Plays the server side: answers register, hands out queued items once, records what the worker sends."""

    def __init__(self, status: int = 200, error: dict | None = None) -> None:
        self.items: list[list[dict]] = []
        self.received: list[tuple[str, dict]] = []
        self.completed = threading.Event()
        self.expect = 0
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"null")
                fake.received.append((self.path, body, self.headers.get("Authorization")))
                if status != 200:
                    return self.answer(status, {"error": error})
                if self.path.endswith("/register"):
                    return self.answer(200, {"protocol": 1, "leaseSeconds": 3, "pollSeconds": 1})
                if self.path.endswith("/poll"):
                    return self.answer(200, {"items": fake.items.pop(0) if fake.items else []})
                if self.path.endswith("/heartbeat"):
                    return self.answer(200, {"wanted": True})
                if self.path.endswith("/complete"):
                    self.answer(200, {"accepted": True})
                    if sum(1 for p, *_ in fake.received if p.endswith("/complete")) >= fake.expect:
                        fake.completed.set()
                    return None
                return self.answer(404, {"error": {"code": "not_found", "message": self.path}})

            def answer(self, code, body):
                data = json.dumps(body).encode()
                self.send_response(code)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def bodies(self, suffix: str) -> list[dict]:
        return [body for path, body, _ in self.received if path.endswith(suffix)]


class WorkerProtocol(unittest.TestCase):
    def test_register_activation_then_task(self):
        fake = FakeServer()
        activation = {"runId": "r1", "workflow": "uuid_capture", "version": "v", "input": None, "seed": "r1", "startedAt": 1_700_000_000_000,
                      "codeChange": None, "log": [], "logCursor": None}
        fake.items = [[{"kind": "activation", "claim": "c1", **activation}],
                      [{"kind": "task", "claim": "c2", "runId": "r1", "key": "first#0", "name": "first", "attempt": 1, "deadline": 4_000_000_000_000,
                        "script": None, "activation": activation}],
                      [{"kind": "task", "claim": "c3", "runId": "r2", "key": "py%2Fscore#0", "name": "py/score", "attempt": 1, "deadline": 4_000_000_000_000,
                        "script": {"path": "py/score", "args": {"x": 21}}, "activation": None}]]
        fake.expect = 3
        out = io.StringIO()
        worker = Worker(WorkerClient(fake.url, "secret-token"), load_folder(EXAMPLES), "python", 2, out=out)
        thread = threading.Thread(target=worker.run, daemon=True)
        thread.start()
        self.assertTrue(fake.completed.wait(20))
        worker.stop()
        thread.join(10)
        register = fake.bodies("/register")[0]
        self.assertEqual(register["protocol"], 1)
        self.assertEqual(register["worker"]["language"], "python")
        self.assertIn({"name": "py/score", "version": register["scripts"][0]["version"]}, register["scripts"])
        self.assertIn("uuid_capture", [w["name"] for w in register["workflows"]])
        self.assertTrue(all(auth == "Bearer secret-token" for *_, auth in fake.received))
        answers = {path.split("/")[-2]: body for path, body, _ in fake.received if path.endswith("/complete")}
        self.assertEqual(answers["c1"]["commands"][0]["kind"], "call")
        call = answers["c1"]["commands"][0]["call"]
        self.assertEqual({k: call[k] for k in ("key", "branch", "seq", "kind", "name", "attempt")},
                         {"key": "first#0", "branch": "", "seq": 0, "kind": "task", "name": "first", "attempt": 1})
        self.assertEqual(call["options"], {"retries": {"limit": 5, "delay": 1, "backoff": "exponential"}, "timeout": 600})
        self.assertTrue(answers["c2"]["outcome"]["ok"])
        self.assertRegex(answers["c2"]["outcome"]["value"], r"^[0-9a-f-]{36}$")
        self.assertEqual(answers["c3"]["outcome"], {"ok": True, "value": {"score": 42}})
        self.assertNotIn("secret-token", out.getvalue())
        self.assertIn("task run=r1 key=first#0", out.getvalue())

    def _cli(self, url: str, timeout: float = 20) -> subprocess.CompletedProcess:
        env = {**os.environ, "PYTHONPATH": ROOT, "BATON_WORKER_TOKEN": "t"}
        return subprocess.run([sys.executable, "-m", "baton.worker", EXAMPLES, "--url", url], env=env, capture_output=True, text=True, timeout=timeout)

    def test_401_exits_2_with_a_clear_message(self):
        fake = FakeServer(401, {"code": "unauthorized", "message": "wrong token"})
        done = self._cli(fake.url)
        self.assertEqual(done.returncode, 2)
        self.assertIn("refused the worker token", done.stderr)
        self.assertIn("BATON_WORKER_TOKEN", done.stderr)

    def test_protocol_mismatch_and_unset_token_exit_2(self):
        done = self._cli(FakeServer(400, {"code": "protocol_mismatch", "message": "this Worker speaks protocol 2"}).url)
        self.assertEqual(done.returncode, 2)
        self.assertIn("protocol version 1", done.stderr)
        self.assertIn("speaks protocol 2", done.stderr)
        done = self._cli(FakeServer(503, {"code": "worker_token_unset", "message": "no secret"}).url)
        self.assertEqual(done.returncode, 2)
        self.assertIn("wrangler secret put BATON_WORKER_TOKEN", done.stderr)

    def test_unreachable_url_retries_with_back_off(self):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        out = io.StringIO()
        waits: list[float] = []
        worker = Worker(WorkerClient(f"http://127.0.0.1:{port}", "t"), load_folder(EXAMPLES), out=out,
                        sleep=lambda s: (waits.append(s), worker.stop() if len(waits) >= 4 else None))
        self.assertEqual(worker.run(), 0)
        self.assertEqual(waits, [1, 2, 4, 8])
        self.assertIn(f"cannot reach http://127.0.0.1:{port}: connection refused; retrying in 4 s", out.getvalue())


if __name__ == "__main__":
    unittest.main()
