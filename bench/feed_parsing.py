"""P4: feed parsing throughput of the news adapter vs bare feedparser, on one SYNTHETIC RSS
document of 10,000 items.

    python -m bench.feed_parsing [--items 10000] [--repeat 3]

- bare: `feedparser.parse(io.BytesIO(body), response_headers=...)`;
- adapter: the live adapter's parse path, `LiveNewsSource._parse` (the same feedparser call,
  the bozo/emptiness checks, then `normalise_feed`: HTML to text, outlet suffixes, dates,
  ids, de-duplication, the typed frame).

Throughput ratio = items/s of the adapter / items/s of bare feedparser (target >= 0.8).
The two are timed alternately, `--repeat` times each; the best time of each counts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import sys
import time
from email.utils import format_datetime
from xml.sax.saxutils import escape

import feedparser

from dagster_project.config.source_config import FeedConfig
from dagster_project.sources.http import HttpResponse
from dagster_project.sources.news.live import LiveNewsSource
from dagster_project.sources.news.normalise import normalise_feed

OUTLETS = ["Example Wire", "Synthetic Times", "Bench Daily", "Made-Up Markets", "Test Ledger"]
WORDS = (
    "chip demand guidance capex model inference cloud export rally selloff shares record "
    "quarter revenue margin outlook datacenter accelerator supply memory server"
).split()


def synthetic_rss(items: int = 10_000, seed: int = 20250127) -> bytes:
    """A deterministic SYNTHETIC RSS 2.0 feed: titles with entities and outlet suffixes,
    HTML descriptions, RFC 822 dates, guids, <source> on some items."""
    rng = random.Random(seed)
    start = dt.datetime(2025, 1, 20, tzinfo=dt.UTC)
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>',
        "<title>SYNTHETIC benchmark feed</title><link>https://example.com/</link>",
        "<description>SYNTHETIC items for bench/feed_parsing.py; not news.</description>",
    ]
    for i in range(items):
        words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(6, 14)))
        outlet = rng.choice(OUTLETS)
        title = f"SYNTHETIC {i}: {words.capitalize()} &amp; more"
        if i % 3 == 0:
            title += f" - {outlet}"
        when = start + dt.timedelta(minutes=7 * i)
        body = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))
        description = escape(f'<p>{body} <b>{rng.choice(WORDS)}</b> <a href="https://example.com/{i}">more</a></p>')
        source = (
            f'<source url="https://example.com/{outlet.replace(" ", "").lower()}">{outlet}</source>'
            if i % 3 == 0
            else ""
        )
        parts.append(
            f"<item><title>{title}</title><link>https://example.com/synthetic/{i}</link>"
            f'<guid isPermaLink="false">synthetic-{i}</guid><pubDate>{format_datetime(when)}</pubDate>'
            f"<description>{description}</description>{source}</item>"
        )
    parts.append("</channel></rss>")
    return "\n".join(parts).encode("utf-8")


HEADERS = {"content-type": "application/rss+xml; charset=utf-8"}
URL = "https://example.com/synthetic.xml"


def bare(body: bytes) -> int:
    parsed = feedparser.parse(io.BytesIO(body), response_headers=dict(HEADERS, **{"content-location": URL}))
    return len(parsed.entries)


def adapter(body: bytes) -> int:
    source = LiveNewsSource(client=None)  # the HTTP client is not used by _parse
    feed = FeedConfig(id="synthetic", kind="rss", url=URL, publisher="SYNTHETIC")
    frame, dropped = source._parse(feed, URL, HttpResponse(url=URL, status=200, body=body, headers=HEADERS))
    return len(frame)


def normalise_only(parsed) -> int:
    return len(normalise_feed("synthetic", parsed, dt.datetime.now(dt.UTC), "SYNTHETIC").items)


def measure(items: int = 10_000, repeat: int = 3) -> dict:
    body = synthetic_rss(items)
    best = {"bare": float("inf"), "adapter": float("inf")}
    counts = {}
    for _ in range(repeat):
        for name, fn in (("bare", bare), ("adapter", adapter)):
            started = time.perf_counter()
            counts[name] = fn(body)
            best[name] = min(best[name], time.perf_counter() - started)
    if counts["bare"] != items or counts["adapter"] != items:
        raise AssertionError(f"expected {items} items, got {counts}")
    parsed = feedparser.parse(io.BytesIO(body), response_headers=dict(HEADERS, **{"content-location": URL}))
    started = time.perf_counter()
    normalise_only(parsed)
    normalise_s = time.perf_counter() - started
    return {
        "items": items,
        "bytes": len(body),
        "bare_s": best["bare"],
        "adapter_s": best["adapter"],
        "normalise_s": normalise_s,
        "bare_items_per_s": items / best["bare"],
        "adapter_items_per_s": items / best["adapter"],
        "ratio": best["bare"] / best["adapter"],
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--items", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    r = measure(args.items, args.repeat)
    print(f"SYNTHETIC RSS: {r['items']:,} items, {r['bytes'] / 1e6:.1f} MB")
    print(f"bare feedparser.parse : {r['bare_s']:.2f} s  ({r['bare_items_per_s']:,.0f} items/s)")
    print(
        f"adapter parse path    : {r['adapter_s']:.2f} s  ({r['adapter_items_per_s']:,.0f} items/s); "
        f"normalise_feed alone {r['normalise_s']:.2f} s"
    )
    print(f"P4 throughput ratio (adapter / bare) = {r['ratio']:.3f}  (target >= 0.8)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
