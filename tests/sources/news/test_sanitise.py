"""Markup never reaches a title or summary: script/style content, CDATA HTML, entities."""

from __future__ import annotations

import feedparser

from dagster_project.sources.news.normalise import normalise_feed
from dagster_project.sources.news.sanitise import html_to_text
from tests.sources.news.payloads import FETCHED, item, parse, rss


def test_script_and_style_never_reach_the_summary():
    escaped = (
        "&lt;p&gt;Nvidia &lt;script&gt;document.write('pwned')&lt;/script&gt;falls"
        "&lt;style&gt;p { color: red }&lt;/style&gt; 17%&lt;/p&gt;"
    )
    items, _ = normalise_feed(
        "f", parse(rss(item("Nvidia falls", link="https://n.test/1", description=escaped))), FETCHED, None
    )
    assert items.loc[0, "summary"] == "Nvidia falls 17%"
    # feedparser sanitises already; our own stripping must hold without it too
    unsanitised = feedparser.FeedParserDict(
        feed={},
        entries=[
            feedparser.FeedParserDict(
                title="<b>Alert</b>",
                link="https://n.test/2",
                published_parsed=(2025, 1, 27, 12, 0, 0, 0, 27, 0),
                summary="<div>Before<script>steal()</script><style>.x{}</style> after &amp; &lt;done&gt;</div>",
            )
        ],
    )
    items, _ = normalise_feed("f", unsanitised, FETCHED, None)
    assert items.loc[0, "summary"] == "Before after & <done>"
    assert items.loc[0, "title"] == "Alert"


def test_cdata_html_summary_is_plain_text():
    description = (
        "<![CDATA[<p>DeepSeek&#8217;s app hit <b>No.&nbsp;1</b> on the US App Store,</p>\n\n"
        "<p>overtaking   ChatGPT &amp; Gemini.</p><img src='x.png'/>]]>"
    )
    items, _ = normalise_feed(
        "f", parse(rss(item("DeepSeek tops charts", link="https://n.test/3", description=description))), FETCHED, None
    )
    assert items.loc[0, "summary"] == "DeepSeek’s app hit No. 1 on the US App Store, overtaking ChatGPT & Gemini."


def test_html_to_text_edge_cases():
    assert html_to_text(None) == ""
    assert html_to_text("AT&amp;T &lt; Verizon") == "AT&T < Verizon"
    assert html_to_text("<p>a</p><p>b</p>") == "a b"
    assert html_to_text("x" * 50, max_chars=10) == "x" * 9 + "…"
