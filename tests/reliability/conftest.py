"""Fixtures of the reliability suites. The yfinance fixtures are the source tests' own
(tests/sources/conftest.py), imported rather than copied."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from tests.sources.conftest import (  # noqa: F401 - re-exported as fixtures of this folder
    _yfinance_uses_requests,
    fresh_yfinance,
    make_session,
    sleeps,
)


@pytest.fixture(scope="module")
def module_server():
    """A threaded local HTTP server for a whole module (a stalled handler blocks no one)."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    server.stop()


@pytest.fixture
def server(module_server):
    module_server.clear()
    yield module_server
    module_server.clear()
