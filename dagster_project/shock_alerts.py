"""The new-shock alert of the publish step: which shocks a publish added, said once.

Before the publish swaps in the new warehouse (DuckDB) or records the new snapshot (DuckLake),
`published_shocks` reads the shock_ids of the warehouse analysts have now; after it,
`alert_new_shocks` compares. Both read through warehouse_backend.open_published, so they
take a published DuckDB file or settings (their backend's last publication). Every new shock gets one
log line; with SHOCKWATCH_ALERT_WEBHOOK set (the run failures' webhook), ONE message carries
all their headlines and dossier paths. A webhook that fails is logged as an error and never
fails the publish: the warehouse is already swapped in, and the next publish would not
re-send (the shocks are no longer new), so the log line is the record.

The first publish (no warehouse yet, or one from before fct_shocks) has nothing to compare
with: it logs how many shocks it published and sends nothing, so a backfill is no alert storm.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import duckdb
import requests

from dagster_project.config.settings import ShockWatchSettings
from dagster_project.lib.alerts import alert_webhook, post_alert
from dagster_project.lib.formatting import signed_billions, signed_pct

SHOCKS_SQL = """
select shock_id, trade_date, epicenter_ticker, epicenter_ar, epicenter_sar, epicenter_abnormal_value_usd,
       member_count, dossier_path
from marts.fct_shocks
order by trade_date
"""


@dataclass(frozen=True)
class NewShock:
    shock_id: str
    trade_date: object
    epicenter: str
    ar: float | None
    t: float | None
    abnormal_value_usd: float | None
    member_count: int
    dossier_path: str

    def headline(self) -> str:
        ar = signed_pct(self.ar) if self.ar is not None else "n/a"
        t = f"{self.t:+.2f}" if self.t is not None else "n/a"
        value = signed_billions(self.abnormal_value_usd) if self.abnormal_value_usd is not None else "n/a"
        return (
            f"{self.trade_date} {self.epicenter}: AR {ar} (t {t}), abnormal value {value}, {self.member_count} members"
        )


Warehouse = Path | ShockWatchSettings


def _read(warehouse: Warehouse) -> list[NewShock] | None:
    """Every shock of a published warehouse, or None when there is none to read."""
    from dagster_project.warehouse_backend import open_published

    try:
        con, _published_at = open_published(warehouse)
    except FileNotFoundError:
        return None
    try:
        with con:
            return [NewShock(*row) for row in con.execute(SHOCKS_SQL).fetchall()]
    except duckdb.CatalogException:  # published before fct_shocks existed
        return None


def published_shocks(warehouse: Warehouse) -> set[str] | None:
    """The shock_ids analysts have now (call before the publish); None: nothing published yet."""
    shocks = _read(warehouse)
    return None if shocks is None else {s.shock_id for s in shocks}


def alert_message(shocks: list[NewShock], data_dir: Path) -> dict:
    lines = [f"{s.headline()} — {Path(data_dir) / s.dossier_path}" for s in shocks]
    noun = "shock" if len(shocks) == 1 else "shocks"
    return {
        "text": f"ShockWatch: {len(shocks)} new {noun} published\n" + "\n".join(lines),
        "shocks": [
            {
                "shock_id": s.shock_id,
                "trade_date": str(s.trade_date),
                "epicenter": s.epicenter,
                "headline": s.headline(),
                "dossier_path": s.dossier_path,
                "dossier": str(Path(data_dir) / s.dossier_path),
            }
            for s in shocks
        ],
    }


def alert_new_shocks(warehouse: Warehouse, data_dir: Path, before: set[str] | None, log) -> list[NewShock]:
    """Compare the published warehouse with `before`; log and post the new shocks."""
    shocks = _read(warehouse) or []
    if before is None:
        log.info(f"first publish with shocks: {len(shocks)} published, no alert (nothing to compare with)")
        return []
    new = [s for s in shocks if s.shock_id not in before]
    for shock in new:
        log.info(f"new shock: {shock.headline()}; dossier {Path(data_dir) / shock.dossier_path}")
    webhook = alert_webhook()
    if new and webhook:
        try:
            post_alert(webhook, alert_message(new, data_dir))
        except requests.RequestException as exc:
            log.error(f"could not post the new-shock alert to SHOCKWATCH_ALERT_WEBHOOK: {exc}")
    return new
