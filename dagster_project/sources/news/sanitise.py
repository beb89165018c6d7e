"""Markup -> plain text, for titles and summaries that analysts read and a terminal may print.

feedparser sanitises HTML (drops <script>/<style> with their content); we still strip all
markup ourselves so title and summary are plain text whatever feedparser let through.
"""

from __future__ import annotations

import html
import re
from html.parser import HTMLParser


class _TextExtractor(HTMLParser):
    _SKIP = {"script", "style", "template", "noscript"}
    _BREAKS = {
        "br",
        "p",
        "div",
        "li",
        "ul",
        "ol",
        "tr",
        "td",
        "th",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "blockquote",
        "section",
        "article",
        "header",
        "footer",
        "table",
    }

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skip_depth = 0

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self.skip_depth += 1
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_startendtag(self, tag, attrs):
        if tag in self._BREAKS:
            self.parts.append(" ")

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self.skip_depth = max(0, self.skip_depth - 1)
        elif tag in self._BREAKS:
            self.parts.append(" ")

    def handle_data(self, data):
        if not self.skip_depth:
            self.parts.append(data)


# HTML elements (and comments) as they appear in text after one unescape: a feed that escaped
# its markup twice (`&amp;lt;script&amp;gt;`) gives "<script>…</script>" as *text*. That is
# still markup and is stripped too, as is any tag with an attribute (`<x onfocus=…>`); a "<"
# that opens no HTML element ("AT&T < Verizon", "<done>") is text and stays.
_HTML_MARKUP = re.compile(
    r"<(?:!--|!\[CDATA\[|/?(?:a|abbr|applet|area|article|aside|audio|b|base|bdi|bdo|big|blink|blockquote|body|br|"
    r"button|canvas|caption|center|cite|code|col|colgroup|data|dd|del|details|dfn|dialog|div|dl|dt|em|embed|"
    r"fieldset|figcaption|figure|font|footer|form|frame|frameset|h[1-6]|head|header|hr|html|i|iframe|img|input|"
    r"ins|kbd|label|legend|li|link|main|map|mark|marquee|math|meta|meter|nav|noscript|object|ol|optgroup|"
    r"option|output|p|param|picture|pre|progress|q|s|samp|script|section|select|slot|small|source|span|strike|"
    r"strong|style|sub|summary|sup|svg|table|tbody|td|template|textarea|tfoot|th|thead|time|title|tr|track|tt|"
    r"u|ul|var|video|wbr|xmp)(?=[\s/>]|$)|[a-z][\w:.-]*\s[^<>]*=)[^>]*>?",
    re.IGNORECASE,
)


# C0/C1 control characters that are not whitespace (NUL, the ESC of terminal escape sequences,
# DEL, ...): feedparser's lenient parser passes them through; they are no text an analyst should
# see (or a terminal should run). Whitespace controls are collapsed with the other whitespace.
_CONTROL = re.compile(r"[\x00-\x08\x0e-\x1b\x7f-\x84\x86-\x9f]")


def _extract_text(value: str) -> str:
    parser = _TextExtractor()
    try:
        parser.feed(value)
        parser.close()
        return "".join(parser.parts)
    except Exception:  # noqa: BLE001 - HTMLParser is lenient; fall back to a crude strip
        return html.unescape(re.sub(r"<[^>]*>", " ", value))


def html_to_text(value: str | None, max_chars: int | None = None) -> str:
    """Markup -> plain text: no tags, no script/style content, entities unescaped, control
    characters dropped, whitespace collapsed, at most `max_chars` characters (cut with an
    ellipsis). Markup escaped more than once is markup too (see _HTML_MARKUP)."""
    if not value:
        return ""
    text = _extract_text(str(value))
    for _ in range(3):
        if not _HTML_MARKUP.search(text):
            break
        text = _extract_text(text)
    text = _HTML_MARKUP.sub(" ", text)  # whatever is left, e.g. an unclosed "<img src=x onerror=…"
    text = _CONTROL.sub("", text)
    text = re.sub(r"\s+", " ", text).strip()
    if max_chars is not None and len(text) > max_chars:
        text = text[: max_chars - 1].rstrip() + "…"
    return text
