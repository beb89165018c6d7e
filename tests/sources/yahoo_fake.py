"""An offline Yahoo Finance for yfinance 1.7: a real `requests.Session` whose transport is fake.

yfinance (with YF_DISABLE_CURL_CFFI=1) only accepts a genuine `requests.Session` (it checks
`isinstance`), and calls `session.get(url=..., params=..., timeout=..., allow_redirects=...)`
and reads `.cookies`. So instead of imitating that interface we subclass `requests.Session`
and mount a transport adapter: URL building, query-string encoding, cookies, `raise_for_status`
and `.json()` are all real `requests`; only the bytes on the wire are ours.

Endpoints served, in the wire format yfinance 1.7 parses (see yfinance/data.py, base.py,
scrapers/history.py, scrapers/quote.py):

- `https://fc.yahoo.com/` -> 404 that still sets the `A3` cookie on `.yahoo.com` (as Yahoo does);
- `https://query{1,2}.finance.yahoo.com/v1/test/getcrumb` -> 200, body = the crumb;
- `https://guce.yahoo.com/consent` (the 'csrf' cookie strategy yfinance switches to after any
  HTTP error) -> a page without a csrfToken, so yfinance falls back to the basic strategy;
- `/v8/finance/chart/{SYMBOL}` -> `chart.result[0]` with `meta`, `timestamp[]` (epoch s at the
  09:30 New York open), `indicators.quote[0]`, `indicators.adjclose[0]`, `events`; an unknown
  symbol -> HTTP 404 with `chart.error` "No data found, symbol may be delisted";
- `/ws/fundamentals-timeseries/v1/finance/timeseries/{SYMBOL}` -> `timeseries.result[0]` with
  `meta.type == ["shares_out"]`, `timestamp[]` and `shares_out[]`; no data -> `result: []`.
  A request whose `type` asks for cash-flow lines (`quarterlyCapitalExpenditure,...`, what
  `Ticker.quarterly_cashflow` sends) is answered from `cashflow`: one result per line Yahoo has,
  `{meta, timestamp[], quarterly<Line>: [{asOfDate, periodType, currencyCode, reportedValue:
  {raw, fmt}}]}`; a quarter without that line is left out of it (yfinance 1.7 fails on a
  `null` entry), so the statement shows NaN there; no line at all -> `result: []`;
- `/v10/finance/quoteSummary/{SYMBOL}`, `/v7/finance/quote` -> 404 "Quote not found" (yfinance
  asks these for the timezone when the chart has none), except for a symbol in `quotes`, whose
  `financialData` / `quoteResponse` fields are served (the capex adapter reads
  `info['financialCurrency']` through them).

Scripted failures: `chart_failures={"AVGO": [429, 429]}` answers the first two chart requests for
AVGO (whatever their purpose: yfinance's timezone probe or the history request) with those
statuses, then serves normally; a 200 in the list means "serve this one normally" and
"timeout" raises `requests.exceptions.ReadTimeout` (recorded with status 0). Same for
`timeseries_failures`. Every request is recorded in `session.served`.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from dataclasses import dataclass
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo

import requests
from requests.adapters import BaseAdapter
from requests.structures import CaseInsensitiveDict

NEW_YORK = ZoneInfo("America/New_York")
CRUMB = "Xq0fake.Crumb7"
VALID_RANGES = ["1d", "5d", "1mo", "3mo", "6mo", "1y", "2y", "5y", "10y", "ytd", "max"]
REASONS = {
    200: "OK",
    404: "Not Found",
    429: "Too Many Requests",
    500: "Internal Server Error",
    502: "Bad Gateway",
    503: "Service Unavailable",
}


@dataclass(frozen=True)
class Bar:
    open: float
    high: float
    low: float
    close: float
    adj_close: float
    volume: int


@dataclass(frozen=True)
class Served:
    method: str
    host: str
    path: str
    params: dict
    status: int
    kind: str  # cookie | crumb | consent | chart | timeseries | quote | other
    symbol: str | None = None
    timeout: object = None

    @property
    def purpose(self) -> str | None:
        """For chart requests: 'tz' (yfinance's range=1d timezone probe) or 'history'."""
        if self.kind != "chart":
            return None
        return "history" if "period1" in self.params else "tz"


def open_instant(day: dt.date) -> int:
    """Epoch seconds of the 09:30 New York open on `day` (14:30 UTC in winter), as Yahoo stamps daily bars."""
    return int(dt.datetime.combine(day, dt.time(9, 30), tzinfo=NEW_YORK).timestamp())


def _as_date(value) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value))


def _as_epoch(value) -> int:
    if isinstance(value, (int, float)):
        return int(value)
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return int(value.timestamp())
    raise TypeError(f"not an instant: {value!r}")


class FakeYahooSession(requests.Session):
    """A `requests.Session` that answers Yahoo's endpoints from in-memory fixtures.

    bars:      {"NVDA": {"2025-01-27": (open, high, low, close, adj_close, volume), ...}}
    splits:    {"NVDA": {"2024-06-10": (10, 1)}}   (numerator, denominator)
    dividends: {"NVDA": {"2024-12-05": 0.01}}
    shares:    {"NVDA": [("2024-11-15T00:00:00", 24490000000), ...]}  (UTC instant or epoch, count)
    cashflow:  {"META": {"CapitalExpenditure": {"2024-12-31": -14.425e9, "2024-06-30": None}, ...}}
               (line -> period end -> value; None = that quarter has no such line)
    quotes:    {"META": {"financialCurrency": "USD", "currency": "USD"}}
    """

    def __init__(
        self,
        bars=None,
        splits=None,
        dividends=None,
        shares=None,
        chart_failures=None,
        timeseries_failures=None,
        crumb: str = CRUMB,
        cashflow=None,
        quotes=None,
    ):
        super().__init__()
        self.bars = {
            sym.upper(): {_as_date(d): Bar(*row) for d, row in rows.items()} for sym, rows in (bars or {}).items()
        }
        self.splits = {s.upper(): {_as_date(d): r for d, r in v.items()} for s, v in (splits or {}).items()}
        self.dividends = {s.upper(): {_as_date(d): a for d, a in v.items()} for s, v in (dividends or {}).items()}
        self.shares = {s.upper(): [(_as_epoch(t), n) for t, n in v] for s, v in (shares or {}).items()}
        self.chart_failures = {s.upper(): list(v) for s, v in (chart_failures or {}).items()}
        self.timeseries_failures = {s.upper(): list(v) for s, v in (timeseries_failures or {}).items()}
        self.crumb = crumb
        self.cashflow = {s.upper(): v for s, v in (cashflow or {}).items()}
        self.quotes = {s.upper(): v for s, v in (quotes or {}).items()}
        self.served: list[Served] = []
        adapter = _FakeYahooAdapter(self)
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    # -- what tests assert on -------------------------------------------------------------
    def calls(self, kind: str, symbol: str | None = None, purpose: str | None = None) -> list[Served]:
        return [
            s
            for s in self.served
            if s.kind == kind and (symbol is None or s.symbol == symbol) and (purpose is None or s.purpose == purpose)
        ]

    # -- routing ---------------------------------------------------------------------------
    def _route(self, request: requests.PreparedRequest, timeout) -> tuple[int, str, bytes]:
        parts = urlsplit(request.url)
        host, path = parts.hostname or "", parts.path
        params = dict(parse_qsl(parts.query))
        if host == "fc.yahoo.com":
            self.cookies.set(
                "A3",
                "d=AQABBFakeCookie&S=AQAAAFake",
                domain=".yahoo.com",
                path="/",
                expires=int(time.time()) + 365 * 86400,
                secure=True,
            )
            return self._record(
                request,
                host,
                path,
                params,
                404,
                "cookie",
                None,
                timeout,
                b"<html><body>404 Not Found</body></html>",
                "text/html",
            )
        if host.endswith("finance.yahoo.com") and path == "/v1/test/getcrumb":
            return self._record(
                request,
                host,
                path,
                params,
                200,
                "crumb",
                None,
                timeout,
                self.crumb.encode(),
                "text/plain;charset=utf-8",
            )
        if host.endswith("yahoo.com") and ("consent" in host or "guce" in host):
            return self._record(
                request,
                host,
                path,
                params,
                200,
                "consent",
                None,
                timeout,
                b"<html><body><form></form></body></html>",
                "text/html",
            )
        if path.startswith("/v8/finance/chart/"):
            symbol = path.rsplit("/", 1)[1].upper()
            self._maybe_time_out(self.chart_failures, request, host, path, params, "chart", symbol, timeout)
            status, payload = self._chart(symbol, params)
            return self._record(request, host, path, params, status, "chart", symbol, timeout, *payload)
        if path.startswith("/ws/fundamentals-timeseries/v1/finance/timeseries/"):
            symbol = path.rsplit("/", 1)[1].upper()
            self._maybe_time_out(self.timeseries_failures, request, host, path, params, "timeseries", symbol, timeout)
            status, payload = self._timeseries(symbol, params)
            return self._record(request, host, path, params, status, "timeseries", symbol, timeout, *payload)
        if path.startswith("/v10/finance/quoteSummary/") or path.startswith("/v7/finance/quote"):
            symbol = path.rsplit("/", 1)[1].upper() if "quoteSummary" in path else params.get("symbols")
            if symbol in self.quotes:
                fields = self.quotes[symbol]
                body = (
                    {"quoteSummary": {"result": [{"financialData": fields}], "error": None}}
                    if "quoteSummary" in path
                    else {"quoteResponse": {"result": [{"symbol": symbol, **fields}], "error": None}}
                )
                return self._record(
                    request, host, path, params, 200, "quote", symbol, timeout,
                    json.dumps(body).encode(), "application/json;charset=utf-8",
                )  # fmt: skip
            body = {
                "quoteSummary": {
                    "result": None,
                    "error": {"code": "Not Found", "description": f"Quote not found for symbol: {symbol}"},
                }
            }
            return self._record(
                request,
                host,
                path,
                params,
                404,
                "quote",
                symbol,
                timeout,
                json.dumps(body).encode(),
                "application/json;charset=utf-8",
            )
        return self._record(
            request, host, path, params, 404, "other", None, timeout, b"not served by FakeYahooSession", "text/plain"
        )

    def _record(self, request, host, path, params, status, kind, symbol, timeout, body, ctype):
        self.served.append(Served(request.method, host, path, params, status, kind, symbol, timeout))
        return status, ctype, body

    def _maybe_time_out(self, table, request, host, path, params, kind, symbol, timeout):
        queue = table.get(symbol)
        if queue and queue[0] == "timeout":
            queue.pop(0)
            self.served.append(Served(request.method, host, path, params, 0, kind, symbol, timeout))
            raise requests.exceptions.ReadTimeout(f"HTTPSConnectionPool(host='{host}', port=443): Read timed out.")

    def _scripted_failure(self, table: dict[str, list], symbol: str):
        queue = table.get(symbol)
        if not queue:
            return None
        status = queue.pop(0)
        if status == 200:  # scripted "answer this one normally"
            return None
        if status == 429:
            return status, (b"Too Many Requests\r\n", "text/html;charset=utf-8")
        body = {
            "finance": {
                "result": None,
                "error": {"code": REASONS.get(status, "Error"), "description": f"HTTP {status}"},
            }
        }
        return status, (json.dumps(body).encode(), "application/json;charset=utf-8")

    # -- /v8/finance/chart ------------------------------------------------------------------
    def _chart(self, symbol: str, params: dict):
        failure = self._scripted_failure(self.chart_failures, symbol)
        if failure:
            return failure
        if symbol not in self.bars:
            body = {
                "chart": {
                    "result": None,
                    "error": {"code": "Not Found", "description": "No data found, symbol may be delisted"},
                }
            }
            return 404, (json.dumps(body).encode(), "application/json;charset=utf-8")
        days = sorted(self.bars[symbol])
        if "period1" in params:
            lo, hi = int(params["period1"]), int(params["period2"])
            days = [d for d in days if lo <= open_instant(d) < hi]
        else:  # range=1d: Yahoo answers with the latest session
            days = days[-1:]
        result = {"meta": self._meta(symbol, days, params)}
        if days:
            bars = [self.bars[symbol][d] for d in days]
            result["timestamp"] = [open_instant(d) for d in days]
            result["indicators"] = {
                "quote": [
                    {
                        "open": [b.open for b in bars],
                        "high": [b.high for b in bars],
                        "low": [b.low for b in bars],
                        "close": [b.close for b in bars],
                        "volume": [b.volume for b in bars],
                    }
                ],
                "adjclose": [{"adjclose": [b.adj_close for b in bars]}],
            }
            events = {}
            lo_d, hi_d = days[0], days[-1]
            splits = {d: r for d, r in self.splits.get(symbol, {}).items() if lo_d <= d <= hi_d}
            if splits:
                events["splits"] = {
                    str(open_instant(d)): {
                        "date": open_instant(d),
                        "numerator": n,
                        "denominator": m,
                        "splitRatio": f"{n}:{m}",
                    }
                    for d, (n, m) in splits.items()
                }
            divs = {d: a for d, a in self.dividends.get(symbol, {}).items() if lo_d <= d <= hi_d}
            if divs:
                events["dividends"] = {
                    str(open_instant(d)): {"amount": a, "date": open_instant(d)} for d, a in divs.items()
                }
            if events:
                result["events"] = events
        else:  # a known symbol with no session in the window
            result["indicators"] = {"quote": [{}], "adjclose": [{}]}
        return 200, (
            json.dumps({"chart": {"result": [result], "error": None}}).encode(),
            "application/json;charset=utf-8",
        )

    def _meta(self, symbol: str, days: list[dt.date], params: dict) -> dict:
        last = days[-1] if days else max(self.bars[symbol])
        bar = self.bars[symbol][last]

        def period(start_h, start_m, end_h, end_m):
            return {
                "timezone": "EST",
                "gmtoffset": -18000,
                "start": int(dt.datetime.combine(last, dt.time(start_h, start_m), tzinfo=NEW_YORK).timestamp()),
                "end": int(dt.datetime.combine(last, dt.time(end_h, end_m), tzinfo=NEW_YORK).timestamp()),
            }

        return {
            "currency": "USD",
            "symbol": symbol,
            "exchangeName": "NMS",
            "fullExchangeName": "NasdaqGS",
            "instrumentType": "EQUITY",
            "firstTradeDate": 917015400,
            "regularMarketTime": open_instant(last) + 23400,
            "hasPrePostMarketData": True,
            "gmtoffset": -18000,
            "timezone": "EST",
            "exchangeTimezoneName": "America/New_York",
            "regularMarketPrice": bar.close,
            "chartPreviousClose": bar.close,
            "priceHint": 2,
            "currentTradingPeriod": {
                "pre": period(4, 0, 9, 30),
                "regular": period(9, 30, 16, 0),
                "post": period(16, 0, 20, 0),
            },
            "dataGranularity": params.get("interval", "1d"),
            "range": params.get("range", ""),
            "validRanges": VALID_RANGES,
        }

    # -- /ws/fundamentals-timeseries ---------------------------------------------------------
    def _timeseries(self, symbol: str, params: dict):
        failure = self._scripted_failure(self.timeseries_failures, symbol)
        if failure:
            return failure
        if "quarterlyCapitalExpenditure" in params.get("type", ""):
            return self._cashflow_series(symbol, params["type"].split(","))
        lo, hi = int(params.get("period1", 0)), int(params.get("period2", 2**31))
        points = [(t, n) for t, n in self.shares.get(symbol, []) if lo <= t <= hi]
        if points:
            result = [
                {
                    "meta": {"symbol": [symbol], "type": ["shares_out"]},
                    "timestamp": [t for t, _ in points],
                    "shares_out": [n for _, n in points],
                }
            ]
        else:  # what Yahoo sends for a symbol without share-count history (yfinance PR #2898)
            result = []
        return 200, (
            json.dumps({"timeseries": {"result": result, "error": None}}).encode(),
            "application/json;charset=utf-8",
        )

    def _cashflow_series(self, symbol: str, types: list[str]):
        lines = self.cashflow.get(symbol, {})
        result = []
        for kind in types:
            line = kind.removeprefix("quarterly")
            if kind == line or line not in lines:
                continue
            ends = sorted(end for end, value in lines[line].items() if value is not None)
            result.append(
                {
                    "meta": {"symbol": [symbol], "type": [kind]},
                    "timestamp": [_as_epoch(f"{end}T00:00:00") for end in ends],
                    kind: [
                        {
                            "dataId": 20000,
                            "asOfDate": end,
                            "periodType": "3M",
                            "currencyCode": "USD",
                            "reportedValue": {"raw": lines[line][end], "fmt": f"{lines[line][end] / 1e9:.2f}B"},
                        }
                        for end in ends
                    ],
                }
            )
        return 200, (
            json.dumps({"timeseries": {"result": result, "error": None}}).encode(),
            "application/json;charset=utf-8",
        )


class _FakeYahooAdapter(BaseAdapter):
    def __init__(self, session: FakeYahooSession):
        super().__init__()
        self.session = session

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        status, ctype, body = self.session._route(request, timeout)
        response = requests.Response()
        response.status_code = status
        response.reason = REASONS.get(status, "")
        response.headers = CaseInsensitiveDict({"Content-Type": ctype, "Content-Length": str(len(body))})
        response._content = body
        response._content_consumed = True
        response.encoding = "utf-8"
        response.url = request.url
        response.request = request
        return response

    def close(self):
        pass
