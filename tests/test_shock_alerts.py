"""The new-shock alert of the publish step (dagster_project/shock_alerts.py, assets/publish.py):
one message per publish that added shocks, with their headlines and dossier paths; nothing for
a publish that added none; a failing webhook never fails the publish."""

import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer

import duckdb
import pytest
from dagster import DagsterInstance, materialize

from dagster_project.assets.publish import analytics_warehouse
from dagster_project.config.settings import load_settings
from dagster_project.resources import PoolSlotRecorder

NVDA = ("s-nvda", "2025-01-27", "NVDA", -0.133276, -5.1089, -465.5e9, 8, "reports/shocks/2025-01-27-NVDA.html")
MSFT = ("s-msft", "2025-01-30", "MSFT", -0.0674, -8.0253, -221.7e9, 2, "reports/shocks/2025-01-30-MSFT.html")


class Webhook:
    """A local HTTP server in a thread that records every POST body (or answers 500)."""

    def __init__(self, status: int = 200):
        self.bodies: list[dict] = []
        hook = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                hook.bodies.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _build(settings, *shocks) -> None:
    """A build file holding only what the publish copies and the alert reads."""
    settings.build_db.parent.mkdir(parents=True, exist_ok=True)
    settings.build_db.unlink(missing_ok=True)
    with duckdb.connect(str(settings.build_db)) as con:
        con.execute("create schema staging; create schema marts")
        con.execute(
            "create table marts.fct_shocks (shock_id varchar, trade_date date, epicenter_ticker varchar, "
            "epicenter_ar double, epicenter_sar double, epicenter_abnormal_value_usd double, member_count bigint, "
            "dossier_path varchar)"
        )
        if shocks:
            con.executemany("insert into marts.fct_shocks values (?, ?, ?, ?, ?, ?, ?, ?)", list(shocks))


def _publish(settings) -> tuple[int, str]:
    """(new shocks in the metadata, what the step logged)."""
    instance = DagsterInstance.ephemeral()
    resources = {"settings": settings, "pool_slot": PoolSlotRecorder()}
    result = materialize([analytics_warehouse], resources=resources, instance=instance)
    assert result.success
    (mat,) = result.asset_materializations_for_node("analytics_warehouse")
    return mat.metadata["new_shocks"].value, "\n".join(e.user_message for e in instance.all_logs(result.run_id))


@pytest.fixture
def settings(tmp_path, monkeypatch):
    monkeypatch.setenv("SHOCKWATCH_DATA_DIR", str(tmp_path / "data"))
    return load_settings()


def test_new_shocks_are_sent_once_with_headlines_and_dossier_paths(settings, monkeypatch):
    with Webhook() as hook:
        monkeypatch.setenv("SHOCKWATCH_ALERT_WEBHOOK", hook.url)
        _build(settings, NVDA)
        new, log = _publish(settings)
        assert new == 0 and hook.bodies == [] and "no alert" in log  # the first publish: nothing to compare with

        _build(settings, NVDA, MSFT)
        new, log = _publish(settings)
        assert new == 1 and "new shock: 2025-01-30 MSFT: AR −6.74% (t -8.03)" in log
        ((payload,),) = [hook.bodies]
        dossier = settings.data_path / "reports/shocks/2025-01-30-MSFT.html"
        assert payload["text"].startswith("ShockWatch: 1 new shock published\n")
        assert "MSFT: AR −6.74% (t -8.03), abnormal value −$221.7B, 2 members" in payload["text"]
        assert str(dossier) in payload["text"]
        (shock,) = payload["shocks"]
        assert shock["shock_id"] == "s-msft" and shock["trade_date"] == "2025-01-30" and shock["epicenter"] == "MSFT"
        assert shock["dossier_path"] == "reports/shocks/2025-01-30-MSFT.html" and shock["dossier"] == str(dossier)

        new, log = _publish(settings)  # the same shocks again: nothing sent
        assert new == 0 and len(hook.bodies) == 1 and "new shock" not in log


def test_several_new_shocks_are_one_message(settings, monkeypatch):
    with Webhook() as hook:
        monkeypatch.setenv("SHOCKWATCH_ALERT_WEBHOOK", hook.url)
        _build(settings)
        _publish(settings)
        _build(settings, NVDA, MSFT)
        assert _publish(settings)[0] == 2
    ((payload,),) = [hook.bodies]
    assert payload["text"].startswith("ShockWatch: 2 new shocks published")
    assert [s["epicenter"] for s in payload["shocks"]] == ["NVDA", "MSFT"]


def test_a_failing_webhook_is_logged_and_the_publish_succeeds(settings, monkeypatch):
    with Webhook(status=500) as hook:
        monkeypatch.setenv("SHOCKWATCH_ALERT_WEBHOOK", hook.url)
        _build(settings)
        _publish(settings)
        _build(settings, NVDA)
        new, log = _publish(settings)  # _publish asserts the run succeeded
    assert new == 1 and len(hook.bodies) == 1
    assert "could not post the new-shock alert" in log
    with duckdb.connect(str(settings.analytics_db), read_only=True) as con:
        assert con.execute("select count(*) from marts.fct_shocks").fetchone()[0] == 1


def test_without_a_webhook_new_shocks_are_only_logged(settings, monkeypatch):
    monkeypatch.delenv("SHOCKWATCH_ALERT_WEBHOOK", raising=False)
    _build(settings)
    _publish(settings)
    _build(settings, NVDA)
    new, log = _publish(settings)
    assert new == 1 and "new shock: 2025-01-27 NVDA" in log
