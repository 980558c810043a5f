"""The worker protocol v1 over HTTP (DESIGN.md "Workers you run"): JSON bodies, Bearer token, urllib only."""
from __future__ import annotations

import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any

PROTOCOL = 1
SDK = "baton-python 0.1.0"


class Unreachable(Exception):
    """The Worker's URL cannot be reached (refused, DNS, timeout); worth retrying."""


class Refused(Exception):
    """The Worker answered with an API error: ``status``, ``code`` and ``message``."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(f"{status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message


class WorkerClient:
    """Calls the /api/worker/v1 routes of one Worker."""

    def __init__(self, url: str, token: str) -> None:
        self.url = url.rstrip("/")
        self._token = token

    def call(self, method: str, path: str, body: Any = None, timeout: float = 30.0) -> Any:
        """One request; answers the JSON body, raises Refused or Unreachable."""
        data = None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(f"{self.url}{path}", data=data, method=method)
        request.add_header("Authorization", f"Bearer {self._token}")
        request.add_header("Accept", "application/json")
        if data is not None:
            request.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                text = response.read().decode() or "null"
                return json.loads(text)
        except urllib.error.HTTPError as error:
            raise _refused(error) from None
        except urllib.error.URLError as error:
            raise Unreachable(_reason(error.reason)) from None
        except (ConnectionError, socket.timeout, TimeoutError) as error:
            raise Unreachable(_reason(error)) from None

    def register(self, worker: dict[str, Any], workflows: list[dict[str, str]], scripts: list[dict[str, str]]) -> dict[str, Any]:
        """POST /register: answers {protocol, leaseSeconds, pollSeconds}."""
        return self.call("POST", "/api/worker/v1/register", {"protocol": PROTOCOL, "worker": worker, "workflows": workflows, "scripts": scripts})

    def poll(self, queue: str, worker_id: str, maximum: int, poll_seconds: float) -> list[dict[str, Any]]:
        """Long-polls the queue for up to ``maximum`` items."""
        answer = self.call("POST", f"/api/worker/v1/queues/{urllib.parse.quote(queue)}/poll", {"worker": worker_id, "max": maximum}, timeout=poll_seconds + 15)
        return list((answer or {}).get("items") or [])

    def heartbeat(self, claim: str) -> bool:
        """Extends a claim; False when the work is no longer wanted (or the claim lapsed: 410)."""
        try:
            answer = self.call("POST", f"/api/worker/v1/claims/{_claim(claim)}/heartbeat", {})
        except Refused as error:
            if error.status == 410:
                return False
            raise
        return bool((answer or {}).get("wanted", True))

    def complete(self, claim: str, body: dict[str, Any]) -> bool:
        """Answers a claim; False when the answer came too late (not accepted, or 410)."""
        try:
            answer = self.call("POST", f"/api/worker/v1/claims/{_claim(claim)}/complete", body, timeout=60)
        except Refused as error:
            if error.status == 410:
                return False
            raise
        return bool((answer or {}).get("accepted", False))

    def log_page(self, claim: str, cursor: str) -> tuple[list[dict[str, Any]], str | None]:
        """GET claims/{claim}/log?cursor=…: the next page of a big activation's log."""
        answer = self.call("GET", f"/api/worker/v1/claims/{_claim(claim)}/log?cursor={urllib.parse.quote(cursor, safe='')}")
        return list(answer.get("log") or []), answer.get("logCursor")


def _claim(claim: str) -> str:
    return urllib.parse.quote(claim, safe="")


def _reason(reason: Any) -> str:
    if isinstance(reason, ConnectionRefusedError):
        return "connection refused"
    if isinstance(reason, (socket.timeout, TimeoutError)):
        return "timed out"
    if isinstance(reason, socket.gaierror):
        return f"cannot resolve the host ({reason.strerror or reason})"
    text = getattr(reason, "strerror", None) or str(reason)
    return text.lower() if text else "unreachable"


def _refused(error: urllib.error.HTTPError) -> Refused:
    code, message = "http_error", error.reason or ""
    try:
        body = json.loads(error.read().decode() or "{}")
        found = body.get("error") or {}
        code = found.get("code", code)
        message = found.get("message", message)
    except (ValueError, AttributeError, OSError):
        pass
    return Refused(error.code, str(code), str(message))
