"""The one HTTP client of the live feed adapters (news feeds, app charts).

Every request has connect/read timeouts, a response size cap, a User-Agent, and retries
with exponential backoff and full jitter on 429, 5xx, timeouts and dropped connections,
honouring Retry-After. Conditional GET (ETag / Last-Modified) lets an unchanged feed
cost a 304. Errors name the URL and the cause.
"""

from __future__ import annotations

import datetime
import email.utils
import logging
import time
from dataclasses import dataclass, field

import requests
import urllib3

# check_url is configuration's rule (config validates URLs with it too); re-exported here
# because every fetch is checked against it as well.
from dagster_project.config.source_config import check_url  # noqa: F401
from dagster_project.sources.retry import Sleep, backoff_delays, default_sleep

log = logging.getLogger(__name__)

USER_AGENT = "ShockWatch/0.1 (+https://github.com/shockwatch/shockwatch; open-source market-shock warehouse)"
RETRY_STATUSES = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER_S = 120.0


class HttpError(RuntimeError):
    """A request that failed for good; `transient` says whether a later retry may succeed."""

    def __init__(self, url: str, cause: str, status: int | None = None, transient: bool = False):
        super().__init__(f"GET {url} failed: {cause}")
        self.url, self.cause, self.status, self.transient = url, cause, status, transient


@dataclass(frozen=True)
class HttpResponse:
    url: str
    status: int  # 200, or 304 when a conditional GET found the resource unchanged
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)

    @property
    def etag(self) -> str | None:
        return self.headers.get("etag")

    @property
    def last_modified(self) -> str | None:
        return self.headers.get("last-modified")


def _retry_after_s(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return min(float(value), MAX_RETRY_AFTER_S)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:  # "-0000" parses as naive; HTTP dates are always UTC
        when = when.replace(tzinfo=datetime.UTC)
    return min(max(when.timestamp() - time.time(), 0.0), MAX_RETRY_AFTER_S)


class HttpClient:
    def __init__(
        self,
        connect_timeout_s: float = 5.0,
        read_timeout_s: float = 20.0,
        max_bytes: int = 10 * 1024 * 1024,
        attempts: int = 4,
        base_delay_s: float = 1.0,
        sleep: Sleep = default_sleep,
        session: requests.Session | None = None,
    ):
        self.timeout = (connect_timeout_s, read_timeout_s)
        self.max_bytes = max_bytes
        self.attempts = attempts
        self.base_delay_s = base_delay_s
        self.sleep = sleep
        self.session = session or requests.Session()

    def get(self, url: str, *, etag: str | None = None, last_modified: str | None = None) -> HttpResponse:
        check_url(url)
        headers = {"User-Agent": USER_AGENT, "Accept-Encoding": "gzip, deflate"}
        if etag:
            headers["If-None-Match"] = etag
        if last_modified:
            headers["If-Modified-Since"] = last_modified
        delays = backoff_delays(self.attempts, self.base_delay_s)
        last: HttpError | None = None
        for attempt in range(self.attempts):
            try:
                return self._get_once(url, headers)
            except HttpError as exc:
                if not exc.transient or attempt == self.attempts - 1:
                    raise
                last = exc
                wait = getattr(exc, "retry_after_s", None)
                wait = delays[attempt] if wait is None else wait
                log.warning("GET %s: %s; retry %d/%d in %.1f s", url, exc.cause, attempt + 1, self.attempts - 1, wait)
                self.sleep(wait)
        raise last or HttpError(url, "no attempt made")

    def _get_once(self, url: str, headers: dict[str, str]) -> HttpResponse:
        try:
            with self.session.get(
                url, headers=headers, timeout=self.timeout, stream=True, allow_redirects=True
            ) as response:
                status = response.status_code
                response_headers = {k.lower(): v for k, v in response.headers.items()}
                if status == 304:
                    return HttpResponse(url, 304, b"", response_headers)
                if status in RETRY_STATUSES:
                    error = HttpError(url, f"HTTP {status}", status, transient=True)
                    error.retry_after_s = _retry_after_s(response_headers.get("retry-after"))
                    raise error
                if status >= 400:
                    raise HttpError(url, f"HTTP {status}", status, transient=False)
                declared = response_headers.get("content-length", "")
                if declared.isdigit() and int(declared) > self.max_bytes:
                    raise HttpError(url, f"response of {declared} bytes exceeds the {self.max_bytes}-byte cap", status)
                chunks, size = [], 0
                for chunk in response.iter_content(chunk_size=65536):
                    size += len(chunk)
                    if size > self.max_bytes:
                        raise HttpError(url, f"response exceeds the {self.max_bytes}-byte cap", status)
                    chunks.append(chunk)
                return HttpResponse(url, status, b"".join(chunks), response_headers)
        except requests.Timeout as exc:
            raise HttpError(url, f"timed out ({type(exc).__name__})", transient=True) from exc
        except (requests.ConnectionError, requests.exceptions.ChunkedEncodingError) as exc:
            if _is_read_timeout(exc):
                # requests re-raises a read timeout while streaming the body as ConnectionError
                raise HttpError(url, "timed out (ReadTimeout while reading the body)", transient=True) from exc
            raise HttpError(url, f"connection failed ({type(exc).__name__}: {exc})"[:300], transient=True) from exc
        except requests.RequestException as exc:
            # e.g. ContentDecodingError (corrupt gzip), InvalidSchema (redirect to ftp:// or file://),
            # TooManyRedirects: retrying will not help, but callers must still get an HttpError.
            raise HttpError(url, f"request failed ({type(exc).__name__}: {exc})"[:300], transient=False) from exc


def _is_read_timeout(exc: BaseException) -> bool:
    cause = exc.args[0] if exc.args else None
    return isinstance(cause, (urllib3.exceptions.ReadTimeoutError, TimeoutError))
