"""Feed text -> plain text, for titles and summaries that analysts read and a terminal may print.

- A field declared plain text (feedparser's `*_detail.type` text/plain: an Atom type="text",
  an RSS title that does not look like HTML) is text: it is unescaped once and never stripped,
  so "Nvidia <NVDA.O> falls" keeps its "<NVDA.O>". RSS declares no type, so there a value
  with a whole HTML tag ("<b>…</b>", "<img src=x>") is markup; "<NVDA.O>", "<a third" are text.
- Any other field is markup: tags, comments, script/style content go, entities are unescaped.
  Markup escaped more than once (`&amp;lt;script&amp;gt;`) is markup too (see _HTML_MARKUP).
- Bounds before work: the raw value is cut to RAW_FACTOR times the kept length *before* it is
  read (a 10 MB summary costs what 16 kB cost), and the markup reader is one linear regex pass
  per round, at most four rounds. CPython's HTMLParser, used before #13, rescans to the end of
  the value from every unclosed "<a": quadratic, about a minute for one 160 kB summary.
- Control and invisible characters are removed *before* markup is stripped, and again after
  each unescape: `&lt;\x01script&gt;` must not turn into a live "<script>" once the \x01 goes.
feedparser's own HTML sanitiser is off (see parse.py): everything is stripped here anyway.
"""

from __future__ import annotations

import html
import re

from dagster_project.sources.text import bound, cap, collapse_whitespace, remove_invisible

DEFAULT_MAX_CHARS = 1000  # a field with no cap of its own (feed title, outlet name)
PLAIN_TYPES = frozenset({"text/plain", "text"})
_ROUNDS = 3  # markup escaped up to three more times is still read as markup

_BLOCK_ELEMENTS = frozenset(
    "address article aside blockquote br dd div dl dt footer h1 h2 h3 h4 h5 h6 header hr li main nav ol p "
    "pre section table tbody td tfoot th thead tr ul".split()
)
# One alternation, read left to right in one pass. Every part stops at the next "<" (or
# consumes to the end, once), so a pass is linear in the length: no rescans from each "<".
_MARKUP_TOKEN = re.compile(
    r"<(script|style|template|noscript)\b[^<>]*>.*?(?:</\1\s*>|$)"  # content that is no text
    r"|<!--.*?(?:-->|$)"  # a comment, to the end when unclosed (as a browser reads it)
    r"|<!\[CDATA\[(.*?)(?:\]\]>|$)"  # CDATA inside HTML: its text is text
    r"|<[!?][^<>]*>?"  # doctype, processing instruction
    r"|</?([a-zA-Z][^\s/<>]*)(?:[^<>\"']|\"[^\"<]*\"|'[^'<]*')*>?",  # a tag, quoted values may hold ">"
    re.IGNORECASE | re.DOTALL,
)

# HTML elements (and comments) as they appear in text after one unescape: a feed that escaped
# its markup twice (`&amp;lt;script&amp;gt;`) gives "<script>…</script>" as *text*. That is
# still markup and is stripped too, as is any tag with an attribute (`<x onfocus=…>`); a "<"
# that opens no HTML element ("AT&T < Verizon", "<done>") is text and stays.
_ELEMENTS = (
    "a|abbr|applet|area|article|aside|audio|b|base|bdi|bdo|big|blink|blockquote|body|br|"
    "button|canvas|caption|center|cite|code|col|colgroup|data|dd|del|details|dfn|dialog|div|dl|dt|em|embed|"
    "fieldset|figcaption|figure|font|footer|form|frame|frameset|h[1-6]|head|header|hr|html|i|iframe|img|input|"
    "ins|kbd|label|legend|li|link|main|map|mark|marquee|math|meta|meter|nav|noscript|object|ol|optgroup|"
    "option|output|p|param|picture|pre|progress|q|s|samp|script|section|select|slot|small|source|span|strike|"
    "strong|style|sub|summary|sup|svg|table|tbody|td|template|textarea|tfoot|th|thead|time|title|tr|track|tt|"
    "u|ul|var|video|wbr|xmp"
)
_HTML_MARKUP = re.compile(
    rf"<(?:!--|!\[CDATA\[|/?(?:{_ELEMENTS})(?=[\s/>]|$)|[a-z][\w:.-]*\s[^<>]*=)[^>]*>?",
    re.IGNORECASE,
)
# In text whose type feedparser only guessed (RSS has no type attribute): a whole HTML tag,
# "<img src=x>" or "</b>", is markup; "<NVDA.O>" (no element) and "<a third" (no ">") are text.
_WHOLE_TAG = re.compile(rf"<(?:/?(?:{_ELEMENTS})(?=[\s/>])[^<>]*|!--[^<>]*--)>", re.IGNORECASE)


def _replace_token(match: re.Match) -> str:
    if match.group(2) is not None:  # CDATA
        return match.group(2)
    tag = (match.group(3) or "").lower()
    return " " if tag in _BLOCK_ELEMENTS else ""


def _strip_markup(value: str) -> str:
    """One round: markup tokens out (block elements leave a space), entities unescaped, and the
    invisible characters an entity may have produced (`&#8203;`) removed."""
    return remove_invisible(html.unescape(_MARKUP_TOKEN.sub(_replace_token, value)))


def _no_markup_left(text: str) -> str:
    """Whatever still looks like an HTML tag (an unclosed "<img src=x onerror=…", markup that
    stripping one layer revealed) goes; if some remains after that, every "<" goes."""
    for _ in range(_ROUNDS):
        if not _HTML_MARKUP.search(text):
            return text
        text = collapse_whitespace(_HTML_MARKUP.sub(" ", text))
    return text.replace("<", " ") if _HTML_MARKUP.search(text) else text


def html_to_text(value: object, max_chars: int | None = None) -> str:
    """Markup -> plain text: no tags, no script/style content, entities unescaped, control and
    invisible characters removed first, whitespace collapsed, at most `max_chars` characters
    (cut with an ellipsis). None is ""."""
    if value is None or value == "":
        return ""
    limit = max_chars or DEFAULT_MAX_CHARS
    text = _strip_markup(remove_invisible(bound(str(value), limit)))
    for _ in range(_ROUNDS):
        if not _HTML_MARKUP.search(text):
            break
        text = _strip_markup(text)
    return cap(collapse_whitespace(_no_markup_left(collapse_whitespace(text))), max_chars)


def plain_to_text(value: object, max_chars: int | None = None) -> str:
    """Plain text -> stored text: unescaped once, never stripped ("<NVDA.O>" stays), control and
    invisible characters removed, whitespace collapsed, capped."""
    if value is None or value == "":
        return ""
    text = remove_invisible(bound(str(value), max_chars or DEFAULT_MAX_CHARS))
    return cap(collapse_whitespace(remove_invisible(html.unescape(text))), max_chars)


def field_text(value: object, detail: object, max_chars: int | None = None, *, declared: bool = True) -> str:
    """A feed field as text, read by its type (feedparser's `*_detail.type`): plain text is
    unescaped, anything else (HTML, XHTML, no type) is markup. `declared=False` says the
    format has no type attribute (RSS) and "plain" is only feedparser's default: a value with
    a whole HTML tag in it ("<b>…</b>", "<img src=x>") is then read as markup."""
    content_type = str(detail.get("type") or "").lower() if isinstance(detail, dict) else ""
    if content_type not in PLAIN_TYPES:
        return html_to_text(value, max_chars)
    if not declared and value and _WHOLE_TAG.search(bound(str(value), max_chars or DEFAULT_MAX_CHARS)):
        return html_to_text(value, max_chars)
    return plain_to_text(value, max_chars)
