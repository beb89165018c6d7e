"""The reports' Jinja2 environment (dagster_project/reporting/render.py): autoescaped, links only http(s)."""

from dagster_project.reporting.render import ENV, dossier_href, http_url, write_atomic


def test_only_http_urls_become_links():
    assert http_url("https://example.com/a") == "https://example.com/a"
    assert http_url(" HTTP://example.com ") == "HTTP://example.com"
    for bad in ("javascript:alert(1)", "JaVaScRiPt:alert(1)", "data:text/html,x", "//example.com", "", None, 3):
        assert http_url(bad) is None


def test_dossier_links_are_only_dossier_paths():
    assert dossier_href("reports/shocks/2025-01-27-NVDA.html") == "shocks/2025-01-27-NVDA.html"
    for bad in ("reports/shocks/../../x.html", "https://example.com", "shocks/2025-01-27-NVDA.html", None):
        assert dossier_href(bad) is None


def test_every_template_and_string_is_autoescaped():
    assert ENV.from_string("{{ x }}").render(x="<script>") == "&lt;script&gt;"
    assert ENV.get_template("base.html").environment.autoescape("base.html")
    link = '{% set h = u | http_url %}{% if h %}<a href="{{ h }}">t</a>{% else %}t{% endif %}'
    assert ENV.from_string(link).render(u="javascript:alert(1)") == "t"
    assert ENV.from_string(link).render(u='https://e.com/"><x') == '<a href="https://e.com/&#34;&gt;&lt;x">t</a>'


def test_pages_are_written_atomically(tmp_path):
    path = tmp_path / "a" / "page.html"
    write_atomic(path, "one")
    write_atomic(path, "two")
    assert path.read_text() == "two" and [p.name for p in path.parent.iterdir()] == ["page.html"]
