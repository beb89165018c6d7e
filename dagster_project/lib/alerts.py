"""Posting an alert to the team's webhook (SHOCKWATCH_ALERT_WEBHOOK): one JSON POST.

Shared by the run-failure sensor (automation.py) and the new-shock alert of the publish step
(shock_alerts.py), so both speak to the webhook the same way and neither imports the other.
"""

from __future__ import annotations

import os

import requests

WEBHOOK_ENV = "SHOCKWATCH_ALERT_WEBHOOK"


def alert_webhook() -> str | None:
    return os.environ.get(WEBHOOK_ENV) or None


def post_alert(url: str, payload: dict, timeout_s: float = 10.0) -> None:
    response = requests.post(
        url,
        json=payload,
        timeout=timeout_s,
        headers={"User-Agent": "ShockWatch alerts", "Content-Type": "application/json"},
    )
    response.raise_for_status()
