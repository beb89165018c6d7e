"""Apple chart payloads for the tests, built from real Apple responses (shared/reference when
present, else the inline copies below, which restate the same shape): the v2 feed of 2023-10-05
and one legacy iTunes `entry` (ChatGPT). Also used by the reliability and corpus suites.
"""

from __future__ import annotations

import copy
import datetime as dt
import json

from tests.conftest import SHARED_REFERENCE

NOW = dt.datetime(2025, 1, 26, 15, 30, tzinfo=dt.UTC)


TODAY = NOW.date()


V2_REFERENCE = SHARED_REFERENCE / "apple_rss_v2_top_free_us_example_2023-10-05.json"


LEGACY_REFERENCE = SHARED_REFERENCE / "apple_legacy_rss_topfree_entry_example.json"


FACTS_REFERENCE = SHARED_REFERENCE / "app_rank_facts_2025-01.csv"


# The real v2 response's shape (header plus its first result), as in V2_REFERENCE.
V2_INLINE = {
    "feed": {
        "title": "Top Free Apps",
        "id": "https://rss.applemarketingtools.com/api/v2/us/apps/top-free/50/apps.json",
        "author": {"name": "Apple", "url": "https://www.apple.com/"},
        "links": [{"self": "https://rss.applemarketingtools.com/api/v2/us/apps/top-free/50/apps.json"}],
        "copyright": "Copyright © 2023 Apple Inc. All rights reserved.",
        "country": "us",
        "icon": "https://www.apple.com/favicon.ico",
        "updated": "Thu, 5 Oct 2023 19:57:28 +0000",
        "results": [
            {
                "artistName": "SNOW Corporation",
                "id": "1577705074",
                "name": "EPIK - AI Photo Editor",
                "releaseDate": "2021-08-14",
                "kind": "apps",
                "artworkUrl100": "https://is1-ssl.mzstatic.com/image/thumb/Purple116/v4/d9/28/62/"
                "d9286279-2a4a-dd7c-a7e7-daefbdc0b249/AppIcon-0-1x_U007emarketing-0-7-0-85-220.png/100x100bb.png",
                "genres": [],
                "url": "https://apps.apple.com/us/app/epik-ai-photo-editor/id1577705074",
            }
        ],
    }
}


# The real legacy entry's shape (ChatGPT), trimmed of images, summary and the scraper's $position.
LEGACY_ENTRY_INLINE = {
    "im:name": {"label": "ChatGPT"},
    "im:price": {"label": "Get", "attributes": {"amount": "0.00", "currency": "USD"}},
    "im:contentType": {"attributes": {"term": "Application", "label": "Application"}},
    "rights": {"label": "© 2023 OpenAI OpCo L.L.C."},
    "title": {"label": "ChatGPT - OpenAI"},
    "link": [
        {
            "attributes": {
                "rel": "alternate",
                "type": "text/html",
                "href": "https://apps.apple.com/us/app/chatgpt/id6448311069?uo=2",
            }
        }
    ],
    "id": {
        "label": "https://apps.apple.com/us/app/chatgpt/id6448311069?uo=2",
        "attributes": {"im:id": "6448311069", "im:bundleId": "com.openai.chat"},
    },
    "im:artist": {
        "label": "OpenAI",
        "attributes": {"href": "https://apps.apple.com/us/developer/openai/id1684349733?uo=2"},
    },
    "category": {
        "attributes": {
            "im:id": "6007",
            "term": "Productivity",
            "scheme": "https://apps.apple.com/us/genre/ios-productivity/id6007?uo=2",
            "label": "Productivity",
        }
    },
    "im:releaseDate": {"label": "2023-05-18T00:00:00-07:00", "attributes": {"label": "May 18, 2023"}},
}


LEGACY_WRAPPER = {
    "author": {"name": {"label": "iTunes Store"}},
    "updated": {"label": "2025-01-26T07:00:00-07:00"},
    "title": {"label": "iTunes Store: Top Grossing Applications"},
}


def v2_template() -> dict:
    if V2_REFERENCE.exists():
        return json.loads(V2_REFERENCE.read_text(encoding="utf-8"))
    return copy.deepcopy(V2_INLINE)


def legacy_entry_template() -> dict:
    if LEGACY_REFERENCE.exists():
        entry = json.loads(LEGACY_REFERENCE.read_text(encoding="utf-8"))[0]
        entry.pop("$position", None)  # added by the scraper, not Apple's
        return entry
    return copy.deepcopy(LEGACY_ENTRY_INLINE)


def v2_payload(n: int, country: str = "us") -> dict:
    """A v2 response with n results: the real first result, then copies with other ids/names."""
    payload = v2_template()
    first = payload["feed"]["results"][0]
    results = [first]
    for i in range(1, n):
        item = copy.deepcopy(first)
        item["id"] = str(1_500_000_000 + i)
        item["name"] = f"App {i + 1}"
        item["artistName"] = f"Developer {i + 1}"
        item["url"] = f"https://apps.apple.com/{country}/app/app-{i + 1}/id{item['id']}"
        results.append(item)
    payload["feed"]["results"] = results[:n]
    payload["feed"]["country"] = country
    return payload


def legacy_entry(app_id: str, name: str, developer: str, genre: str) -> dict:
    entry = legacy_entry_template()
    entry["id"]["attributes"]["im:id"] = app_id
    entry["im:name"]["label"] = name
    entry["im:artist"]["label"] = developer
    entry["category"]["attributes"]["label"] = genre
    return entry


def legacy_payload(entry) -> dict:
    feed = dict(LEGACY_WRAPPER)
    if entry is not None:
        feed["entry"] = entry
    return {"feed": feed}


def v2_path(country: str, chart: str, limit: int) -> str:
    return f"/v2/api/v2/{country}/apps/{chart}/{limit}/apps.json"


def legacy_path(country: str, feed: str, limit: int) -> str:
    return f"/itunes/{country}/rss/{feed}/limit={limit}/json"
