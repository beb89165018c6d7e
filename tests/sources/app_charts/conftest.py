"""A local Apple (pytest-httpserver) and a LiveAppChartSource pointed at it, with a fixed clock."""

from __future__ import annotations

import pytest
from pytest_httpserver import HTTPServer

from dagster_project.sources.app_charts.live import LiveAppChartSource
from dagster_project.sources.http import HttpClient
from tests.sources.app_charts.payloads import NOW


@pytest.fixture(scope="module")
def _running_server():
    srv = HTTPServer(host="127.0.0.1", port=0, threaded=True)  # threaded: a slow handler blocks no one
    srv.start()
    yield srv
    srv.stop()  # ~0.5 s (werkzeug's poll interval): once per module, not per test


@pytest.fixture
def server(_running_server):
    _running_server.clear()
    yield _running_server
    _running_server.clear()


@pytest.fixture
def make_source(server, sleeps):
    def make(attempts: int = 3, read_timeout_s: float = 5.0, clock=lambda: NOW) -> LiveAppChartSource:
        client = HttpClient(
            connect_timeout_s=2.0,
            read_timeout_s=read_timeout_s,
            attempts=attempts,
            base_delay_s=0.01,
            sleep=sleeps.append,
        )
        base = server.url_for("/").rstrip("/")
        return LiveAppChartSource(client, v2_base=base + "/v2", legacy_base=base + "/itunes/", clock=clock)

    return make
