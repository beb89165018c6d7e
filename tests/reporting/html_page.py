"""Reading the reports' HTML back in tests: tags, text, markers, links; and what self-contained means."""

from html.parser import HTMLParser

ASSET_TAGS = {"script", "img", "link", "iframe", "embed", "object", "source", "audio", "video", "use", "image", "style"}


class Page(HTMLParser):
    """What the tests look at: text, tags and attributes, event markers and the links of titles."""

    def __init__(self, text: str):
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, dict]] = []
        self.text: list[str] = []
        self.markers: list[dict] = []
        self.links: dict[str, str] = {}  # link text -> href
        self._open_a: str | None = None
        self._in_marker = 0
        self.raw = text
        self.feed(text)
        self.close()

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        self.tags.append((tag, attrs))
        if tag == "g" and attrs.get("class") == "event-marker":
            self.markers.append({"date": attrs.get("data-date"), "title": ""})
            self._in_marker = 1
        elif tag == "g" and self._in_marker:
            self._in_marker += 1
        if tag == "a":
            self._open_a = attrs.get("href")

    def handle_endtag(self, tag):
        if tag == "g" and self._in_marker:
            self._in_marker -= 1
        if tag == "a":
            self._open_a = None

    def handle_data(self, data):
        self.text.append(data)
        if self._in_marker and self.markers and not self.markers[-1]["title"]:
            self.markers[-1]["title"] = data
        if self._open_a:
            self.links[data] = self._open_a

    @property
    def all_text(self) -> str:
        return " ".join(self.text)

    def count(self, tag: str, cls: str | None = None) -> int:
        return sum(1 for t, a in self.tags if t == tag and (cls is None or cls in (a.get("class") or "").split()))

    def ids(self, prefix: str) -> list[str]:
        return [a["id"] for _, a in self.tags if a.get("id", "").startswith(prefix)]


def assert_self_contained(page) -> None:
    """No script, nothing loaded: links are http(s) or a dossier beside the page; the SVG's
    references (matplotlib's markers and clip paths) stay inside the page (#id)."""
    assert page.count("script") == 0
    for tag, attrs in page.tags:
        for name in ("src", "srcset", "href", "xlink:href", "data"):
            value = attrs.get(name)
            if value is None:
                continue
            if tag == "use" and name == "xlink:href":
                assert value.startswith("#"), value
                continue
            assert tag == "a" and name == "href", f"<{tag} {name}={value!r}> loads something"
            assert value.startswith(("http://", "https://", "shocks/")), value
        assert tag not in ASSET_TAGS - {"style", "use"}, tag
    assert "@import" not in page.raw
    assert page.raw.count("url(") == page.raw.count("url(#")  # nothing loaded from CSS either
