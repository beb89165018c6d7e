"""ETag / Last-Modified per feed URL, kept between runs so an unchanged feed costs a 304."""

from __future__ import annotations

import json
import logging
import os
import tempfile
from pathlib import Path

log = logging.getLogger(__name__)


class FeedStateStore:
    """ETag / Last-Modified per feed URL, kept between runs in a small JSON file.

    A cache: an unreadable file is logged and treated as empty. Written atomically
    (temp file in the same folder, then os.replace).
    """

    def __init__(self, path: Path):
        self.path = Path(path)
        self._state: dict[str, dict[str, str]] = self._load()

    def _load(self) -> dict[str, dict[str, str]]:
        if not self.path.exists():
            return {}
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            log.warning("feed state %s is unreadable (%s); starting without validators", self.path, exc)
            return {}
        if not isinstance(data, dict):
            log.warning("feed state %s is not a JSON object; starting without validators", self.path)
            return {}
        return {
            str(k): {kk: str(vv) for kk, vv in v.items() if kk in ("etag", "last_modified") and vv}
            for k, v in data.items()
            if isinstance(v, dict)
        }

    def get(self, url: str) -> tuple[str | None, str | None]:
        entry = self._state.get(url, {})
        return entry.get("etag"), entry.get("last_modified")

    def set(self, url: str, etag: str | None, last_modified: str | None) -> None:
        entry = {k: v for k, v in (("etag", etag), ("last_modified", last_modified)) if v}
        if entry:
            self._state[url] = entry
        else:
            self._state.pop(url, None)

    def save(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{self.path.name}.", suffix=".tmp", dir=self.path.parent)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(self._state, handle, indent=2, sort_keys=True)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, self.path)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
