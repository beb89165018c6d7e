"""Fault injection for the source adapters, built on the source tests' own fakes.

- `FaultyYahooSession` is tests/sources/yahoo_fake.FakeYahooSession with a script of faults
  for the *history* chart requests and the fundamentals (shares) requests of one symbol:
  an HTTP status (optionally with Retry-After), a reset connection, a read timeout, a body
  cut off mid-transfer, a malformed body, or an empty-but-valid answer.
- `scripted(server, path, actions)` answers successive requests of a pytest-httpserver path
  with the given actions (status, dropped connection, stall past the read timeout, truncated
  body, a body), then repeats the last one.
"""

from __future__ import annotations

import json
import socket
import struct
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import parse_qsl, urlsplit

import requests
import urllib3
from werkzeug import Request, Response

from tests.sources.yahoo_fake import FakeYahooSession, Served, _FakeYahooAdapter

# ----------------------------------------------------------------------------- Yahoo


class _HeaderAdapter(_FakeYahooAdapter):
    def send(self, request, **kwargs):
        response = super().send(request, **kwargs)
        if response.status_code == 429 and self.session.retry_after is not None:
            response.headers["Retry-After"] = str(self.session.retry_after)
        return response


class FaultyYahooSession(FakeYahooSession):
    """faults={("chart", "AVGO"): [503, 503, "reset"], ("timeseries", "NVDA"): ["malformed"]}.

    Each *history* chart request (the bars, not yfinance's range=1d timezone probe) or each
    fundamentals request of the symbol takes the next fault; an exhausted list serves normally.
    An int is an HTTP status (429 carries `Retry-After: retry_after` when that is set)."""

    def __init__(self, faults=None, retry_after: int | None = None, **kwargs):
        super().__init__(**kwargs)
        self.faults = {(kind, sym.upper()): list(queue) for (kind, sym), queue in (faults or {}).items()}
        self.retry_after = retry_after
        adapter = _HeaderAdapter(self)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def _route(self, request, timeout):
        parts = urlsplit(request.url)
        params = dict(parse_qsl(parts.query))
        kind = None
        if parts.path.startswith("/v8/finance/chart/") and "period1" in params:
            kind = "chart"
        elif parts.path.startswith("/ws/fundamentals-timeseries/"):
            kind = "timeseries"
        symbol = parts.path.rsplit("/", 1)[1].upper() if kind else None
        queue = self.faults.get((kind, symbol)) if kind else None
        if not queue:
            return super()._route(request, timeout)
        fault = queue.pop(0)
        host = parts.hostname or ""
        if isinstance(fault, int):
            status, (body, ctype) = self._scripted_failure({symbol: [fault]}, symbol)
            return self._record(request, host, parts.path, params, status, kind, symbol, timeout, body, ctype)
        if fault in ("reset", "timeout", "truncated"):
            self.served.append(Served(request.method, host, parts.path, params, 0, kind, symbol, timeout))
            if fault == "reset":
                raise requests.exceptions.ConnectionError(
                    urllib3.exceptions.ProtocolError(
                        "Connection aborted.", ConnectionResetError(104, "Connection reset by peer")
                    )
                )
            if fault == "timeout":
                raise requests.exceptions.ReadTimeout(f"HTTPSConnectionPool(host='{host}', port=443): Read timed out.")
            raise requests.exceptions.ChunkedEncodingError(
                urllib3.exceptions.ProtocolError(
                    "Connection broken: IncompleteRead(512 bytes read, 1536 more expected)"
                )
            )
        if fault == "malformed":
            body = b"<html><head><title>Yahoo</title></head><body>Oops, something went wrong</body></html>"
            return self._record(request, host, parts.path, params, 200, kind, symbol, timeout, body, "text/html")
        if fault == "down":  # the page Yahoo serves during an outage (yfinance recognises its text)
            body = b"<html><head><title>Yahoo</title></head><body>Will be right back...</body></html>"
            return self._record(request, host, parts.path, params, 200, kind, symbol, timeout, body, "text/html")
        if fault == "empty":
            status, ctype, body = super()._route(request, timeout)
            payload = json.loads(body)
            if kind == "chart":
                result = payload["chart"]["result"][0]
                result.pop("timestamp", None)
                result.pop("events", None)
                result["indicators"] = {"quote": [{}], "adjclose": [{}]}
            else:
                payload["timeseries"]["result"] = []
            return status, ctype, json.dumps(payload).encode()
        raise ValueError(f"unknown fault {fault!r}")


# ----------------------------------------------------------------------------- HTTP (pytest-httpserver)


@dataclass(frozen=True)
class Status:
    code: int
    headers: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Body:
    data: bytes
    content_type: str = "application/octet-stream"


DROP = "drop"  # the server closes the connection without answering
TRUNCATE = "truncate"  # headers announce more bytes than are sent, then the connection breaks


@dataclass(frozen=True)
class Stall:
    seconds: float  # longer than the client's read timeout


def _close(request: Request) -> None:
    sock = request.environ["werkzeug.socket"]
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    sock.shutdown(socket.SHUT_RDWR)


class Script:
    """Successive answers of one path; the last action repeats. `calls` counts requests."""

    def __init__(self, actions):
        self.actions = list(actions)
        self.calls = 0
        self._lock = threading.Lock()

    def __call__(self, request: Request) -> Response:
        with self._lock:
            action = self.actions[min(self.calls, len(self.actions) - 1)]
            self.calls += 1
        if isinstance(action, Status):
            return Response(f"HTTP {action.code}", status=action.code, headers=action.headers)
        if isinstance(action, Body):
            return Response(action.data, content_type=action.content_type)
        if isinstance(action, Stall):
            time.sleep(action.seconds)
            return Response("too late")
        if action == DROP:
            _close(request)
            return Response("")
        if action == TRUNCATE:

            def cut():
                yield b'<?xml version="1.0"?><rss version="2.0"><channel><title>Cut'
                _close(request)

            return Response(cut(), headers={"Content-Length": "4096"}, content_type="application/rss+xml")
        raise ValueError(f"unknown action {action!r}")


def scripted(server, path: str, actions) -> Script:
    script = Script(actions)
    server.expect_request(path).respond_with_handler(script)
    return script
