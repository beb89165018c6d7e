"""HttpClient against a real local HTTP server (pytest-httpserver on 127.0.0.1): retries,
Retry-After, timeouts, size caps, conditional GET and URL checks. No real sleeping:
backoff delays are recorded through `sleep=sleeps.append`."""

from __future__ import annotations

import email.utils
import gzip
import socket
import threading
import time

import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Request, Response

from dagster_project.sources.http import USER_AGENT, HttpClient, HttpError, check_url


@pytest.fixture
def threaded_server():
    """A server that answers requests concurrently: a handler that stalls must not block
    the retry (or the next test) behind it."""
    server = HTTPServer(host="127.0.0.1", port=0, threaded=True)
    server.start()
    yield server
    server.clear()
    if server.is_running():
        server.stop()


def make_client(sleeps, **kwargs) -> HttpClient:
    kwargs.setdefault("connect_timeout_s", 2.0)
    kwargs.setdefault("read_timeout_s", 2.0)
    kwargs.setdefault("attempts", 3)
    kwargs.setdefault("base_delay_s", 0.5)
    return HttpClient(sleep=sleeps.append, **kwargs)


def test_200_returns_body_status_and_lower_cased_headers(httpserver, sleeps):
    httpserver.expect_request("/feed.xml").respond_with_data(
        b"<rss/>", content_type="application/rss+xml", headers={"ETag": '"v1"'}
    )
    response = make_client(sleeps).get(httpserver.url_for("/feed.xml"))
    assert response.status == 200
    assert response.body == b"<rss/>"
    assert response.etag == '"v1"'
    assert response.headers["content-type"] == "application/rss+xml"
    assert sleeps == []


def test_user_agent_is_sent(httpserver, sleeps):
    httpserver.expect_request("/ua", headers={"User-Agent": USER_AGENT}).respond_with_data("ok")
    assert make_client(sleeps).get(httpserver.url_for("/ua")).body == b"ok"
    ((request, _),) = httpserver.log
    assert request.headers["User-Agent"].startswith("ShockWatch/")


def test_429_with_retry_after_seconds_waits_that_long(httpserver, sleeps):
    httpserver.expect_ordered_request("/r").respond_with_data("slow down", status=429, headers={"Retry-After": "2"})
    httpserver.expect_ordered_request("/r").respond_with_data("ok")
    response = make_client(sleeps).get(httpserver.url_for("/r"))
    assert response.body == b"ok"
    assert sleeps == [2.0]
    assert len(httpserver.log) == 2
    httpserver.check_assertions()


def test_retry_after_http_date_is_honoured_and_capped(httpserver, sleeps):
    soon = email.utils.formatdate(time.time() + 30, usegmt=True)
    far = email.utils.formatdate(time.time() + 3600, usegmt=True)
    httpserver.expect_ordered_request("/d").respond_with_data("", status=503, headers={"Retry-After": soon})
    httpserver.expect_ordered_request("/d").respond_with_data("", status=503, headers={"Retry-After": far})
    httpserver.expect_ordered_request("/d").respond_with_data("ok")
    assert make_client(sleeps).get(httpserver.url_for("/d")).body == b"ok"
    assert 25 <= sleeps[0] <= 30
    assert sleeps[1] == 120.0  # MAX_RETRY_AFTER_S: a server cannot park the run for an hour


def test_429_without_retry_after_uses_jittered_backoff(httpserver, sleeps):
    httpserver.expect_ordered_request("/r").respond_with_data("", status=429)
    httpserver.expect_ordered_request("/r").respond_with_data("", status=429)
    httpserver.expect_ordered_request("/r").respond_with_data("ok")
    response = make_client(sleeps, attempts=3, base_delay_s=0.5).get(httpserver.url_for("/r"))
    assert response.body == b"ok"
    assert len(sleeps) == 2
    assert 0 <= sleeps[0] <= 0.5 and 0 <= sleeps[1] <= 1.0  # full jitter under base * 2**k
    httpserver.check_assertions()


def test_5xx_then_200_is_retried(httpserver, sleeps):
    for status in (500, 502, 503):
        httpserver.expect_ordered_request("/x").respond_with_data("oops", status=status)
    httpserver.expect_ordered_request("/x").respond_with_data("finally")
    response = make_client(sleeps, attempts=4).get(httpserver.url_for("/x"))
    assert response.body == b"finally"
    assert len(sleeps) == 3
    assert [r.status_code for _, r in httpserver.log] == [500, 502, 503, 200]


def test_persistent_503_fails_transient_naming_url_and_status(httpserver, sleeps):
    httpserver.expect_request("/down").respond_with_data("maintenance", status=503)
    url = httpserver.url_for("/down")
    with pytest.raises(HttpError) as caught:
        make_client(sleeps, attempts=3).get(url)
    assert caught.value.transient is True
    assert caught.value.status == 503
    assert url in str(caught.value) and "HTTP 503" in str(caught.value)
    assert len(httpserver.log) == 3 and len(sleeps) == 2


def test_404_fails_at_once_and_is_not_transient(httpserver, sleeps):
    httpserver.expect_request("/missing").respond_with_data("nope", status=404)
    with pytest.raises(HttpError, match="HTTP 404") as caught:
        make_client(sleeps).get(httpserver.url_for("/missing"))
    assert caught.value.transient is False
    assert len(httpserver.log) == 1 and sleeps == []


def test_read_timeout_before_headers_is_retried_then_fails(threaded_server, sleeps):
    calls = []

    def stall(request: Request) -> Response:
        calls.append(time.monotonic())
        time.sleep(1.0)
        return Response("too late")

    threaded_server.expect_request("/slow").respond_with_handler(stall)
    started = time.monotonic()
    with pytest.raises(HttpError, match="timed out") as caught:
        make_client(sleeps, read_timeout_s=0.3, attempts=2).get(threaded_server.url_for("/slow"))
    assert caught.value.transient is True
    assert caught.value.cause.startswith("timed out"), caught.value.cause
    assert len(calls) == 2 and len(sleeps) == 1
    assert time.monotonic() - started < 1.5  # gave up on each attempt after ~0.3 s


def test_read_timeout_in_the_middle_of_the_body_is_a_timeout(threaded_server, sleeps):
    def drip(request: Request) -> Response:
        def body():
            yield b"<rss>" + b" " * 100
            time.sleep(1.0)
            yield b"</rss>"

        return Response(body(), content_type="application/rss+xml")

    threaded_server.expect_request("/drip").respond_with_handler(drip)
    with pytest.raises(HttpError, match="timed out") as caught:
        make_client(sleeps, read_timeout_s=0.3, attempts=1).get(threaded_server.url_for("/drip"))
    assert caught.value.transient is True
    # requests re-raises a read timeout inside iter_content as ConnectionError: still a timeout
    assert caught.value.cause.startswith("timed out"), caught.value.cause


def test_size_cap_by_content_length(httpserver, sleeps):
    httpserver.expect_request("/big").respond_with_data(b"x" * 5000)
    with pytest.raises(HttpError, match="1000-byte cap") as caught:
        make_client(sleeps, max_bytes=1000).get(httpserver.url_for("/big"))
    assert "5000 bytes" in str(caught.value)
    assert caught.value.transient is False
    assert len(httpserver.log) == 1 and sleeps == []


def test_size_cap_on_a_chunked_body_without_content_length(threaded_server, sleeps):
    def stream(request: Request) -> Response:
        return Response((b"y" * 400 for _ in range(10)), content_type="text/plain")

    threaded_server.expect_request("/chunked").respond_with_handler(stream)
    import requests

    probe = requests.get(threaded_server.url_for("/chunked"), timeout=5)
    assert probe.headers.get("Transfer-Encoding") == "chunked" and "Content-Length" not in probe.headers
    with pytest.raises(HttpError, match="exceeds the 1000-byte cap") as caught:
        make_client(sleeps, max_bytes=1000).get(threaded_server.url_for("/chunked"))
    assert caught.value.transient is False


def test_size_cap_counts_decompressed_bytes(httpserver, sleeps):
    bomb = gzip.compress(b"\0" * 200_000)
    assert len(bomb) < 1000
    httpserver.expect_request("/bomb").respond_with_data(bomb, headers={"Content-Encoding": "gzip"})
    with pytest.raises(HttpError, match="exceeds the 10000-byte cap"):
        make_client(sleeps, max_bytes=10_000).get(httpserver.url_for("/bomb"))


def test_gzip_body_is_decoded(httpserver, sleeps):
    httpserver.expect_request("/gz").respond_with_data(
        gzip.compress(b"<rss>hello</rss>"), headers={"Content-Encoding": "gzip"}
    )
    assert make_client(sleeps).get(httpserver.url_for("/gz")).body == b"<rss>hello</rss>"


def test_corrupt_gzip_is_an_http_error_not_a_requests_exception(httpserver, sleeps):
    httpserver.expect_request("/badgz").respond_with_data(b"definitely not gzip", headers={"Content-Encoding": "gzip"})
    with pytest.raises(HttpError, match="badgz") as caught:
        make_client(sleeps).get(httpserver.url_for("/badgz"))
    assert caught.value.transient is False and sleeps == []


def test_redirect_to_a_non_http_scheme_is_an_http_error(httpserver, sleeps):
    httpserver.expect_request("/moved").respond_with_data(
        "", status=302, headers={"Location": "ftp://example.com/feed"}
    )
    with pytest.raises(HttpError, match="moved") as caught:
        make_client(sleeps).get(httpserver.url_for("/moved"))
    assert caught.value.transient is False


def test_redirect_is_followed(httpserver, sleeps):
    httpserver.expect_request("/old").respond_with_data("", status=301, headers={"Location": "/new"})
    httpserver.expect_request("/new").respond_with_data("here")
    assert make_client(sleeps).get(httpserver.url_for("/old")).body == b"here"


def test_conditional_get_sends_validators_and_304_has_no_body(httpserver, sleeps):
    stamp = "Mon, 27 Jan 2025 12:00:00 GMT"
    httpserver.expect_ordered_request("/c").respond_with_data("v1", headers={"ETag": '"abc"', "Last-Modified": stamp})
    httpserver.expect_ordered_request(
        "/c", headers={"If-None-Match": '"abc"', "If-Modified-Since": stamp}
    ).respond_with_data("", status=304)
    client = make_client(sleeps)
    first = client.get(httpserver.url_for("/c"))
    assert (first.status, first.etag, first.last_modified) == (200, '"abc"', stamp)
    second = client.get(httpserver.url_for("/c"), etag=first.etag, last_modified=first.last_modified)
    assert second.status == 304 and second.body == b""
    first_request, _ = httpserver.log[0]
    assert "If-None-Match" not in first_request.headers
    httpserver.check_assertions()


def test_connection_refused_is_transient(sleeps):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(HttpError, match="connection failed") as caught:
        make_client(sleeps, attempts=2).get(f"http://127.0.0.1:{port}/feed")
    assert caught.value.transient is True and len(sleeps) == 1


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://example.com/feed.xml", "javascript:alert(1)", "/relative/path", "http://"]
)
def test_non_http_urls_are_refused_before_any_request(url, sleeps):
    with pytest.raises(ValueError, match="only http"):
        check_url(url)
    with pytest.raises(ValueError, match="only http"):
        make_client(sleeps).get(url)


def test_concurrent_server_really_is_threaded(threaded_server):
    """Guard for the timeout tests above: they rely on the stalled handler not blocking."""
    hits = []
    threaded_server.expect_request("/t").respond_with_handler(
        lambda request: (hits.append(threading.get_ident()), Response("ok"))[1]
    )
    import requests

    assert requests.get(threaded_server.url_for("/t"), timeout=5).text == "ok"
    assert hits and hits[0] != threading.get_ident()


def test_retry_after_date_without_zone_is_read_as_utc(monkeypatch):
    """'-0000' makes parsedate_to_datetime return a naive datetime; it must not be taken
    as local time (here New York, 5 hours off)."""
    from dagster_project.sources import http

    value = email.utils.formatdate(time.time() + 60).replace("+0000", "-0000")
    assert value.endswith("-0000")
    monkeypatch.setenv("TZ", "America/New_York")
    time.tzset()
    try:
        wait = http._retry_after_s(value)
    finally:
        monkeypatch.undo()
        time.tzset()
    assert 55 <= wait <= 60
