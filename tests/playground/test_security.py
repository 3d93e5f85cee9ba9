"""Nobody but the person who started the playground can use it (code review B2), tested over plain HTTP.

A running playground (the real command, as its own process) is asked, from 127.0.0.1 like any other
page in the browser could, for the page, the API and the websocket: without the run's secret, with a
wrong one, from another site's page (``Origin``), under another name (``Host``, DNS rebinding) and
with a body that is not JSON. Each is refused with its own status; the same request with everything
right goes through, so a refusal is never the test's own mistake.
"""

from __future__ import annotations

import subprocess
import sys

import aiohttp
import pytest

from bot.playground.guard import EXPOSE_FLAG
from bot.playground.run import PlaygroundOptions, check_host, warn_if_exposed
from tests.playground.browser import ROOT, PlaygroundProcess

API = ["/api/run", "/api/autocomplete", "/api/click", "/api/clock"]


def _cookie(served: PlaygroundProcess, token: str | None = None) -> dict[str, str]:
    return {"Cookie": f"heartstopper-playground-{served.port}={token or served.token}"}


async def _get(url: str, **kwargs) -> tuple[int, dict[str, str], str]:
    async with aiohttp.ClientSession() as session, session.get(url, allow_redirects=False, **kwargs) as response:
        return response.status, dict(response.headers), await response.text()


async def _post(url: str, **kwargs) -> tuple[int, str]:
    async with aiohttp.ClientSession() as session, session.post(url, **kwargs) as response:
        return response.status, await response.text()


async def _ws_status(url: str, **kwargs) -> int:
    """101 if the websocket opened (and sent the state), else the handshake's refusal."""
    async with aiohttp.ClientSession() as session:
        try:
            async with session.ws_connect(url, **kwargs) as ws:
                first = await ws.receive_json(timeout=10)
                assert first["type"] == "state"
                return 101
        except aiohttp.WSServerHandshakeError as refused:
            return refused.status


# --- the secret -------------------------------------------------------------------------------------
async def test_the_printed_url_sets_a_strict_httponly_cookie_and_drops_the_secret_from_the_address(served):
    status, headers, _ = await _get(served.url)
    assert status == 303 and headers["Location"] == "/"
    cookie = headers["Set-Cookie"]
    assert cookie.startswith(f"heartstopper-playground-{served.port}={served.token}")
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
    jar = aiohttp.CookieJar(unsafe=True)  # the page's next requests carry the cookie, as a browser's do
    async with aiohttp.ClientSession(cookie_jar=jar) as session, session.get(served.url) as page:
        assert page.status == 200 and str(page.url) == served.base + "/"
        assert "<title>heartstopper-bot playground</title>" in await page.text()


async def test_the_page_without_the_secret_says_to_open_the_printed_url(served):
    for path in ("/", "/static/app.js"):
        status, headers, body = await _get(served.base + path)
        assert status == 401, path
        assert headers["Content-Type"].startswith("text/plain")
        assert "open the URL heartstopper-bot playground printed" in body
        assert served.token not in body


async def test_a_wrong_secret_is_refused_everywhere(served):
    wrong = served.token[:-2] + ("AA" if not served.token.endswith("AA") else "BB")
    for token in (wrong, "", "x", "é" * 43):
        status, _, body = await _get(f"{served.base}/", params={"token": token})
        assert status == 401, token
        assert "not this run's" in body
        status, _, _ = await _get(f"{served.base}/", headers=_cookie(served, token or "x"))
        assert status == 401
    status, _ = await _post(served.base + "/api/run", json={"member_id": 1001}, headers=_cookie(served, wrong))
    assert status == 401
    assert await _ws_status(served.base + "/ws", headers=_cookie(served, wrong)) == 401


async def test_every_api_call_and_the_websocket_need_the_secret(served):
    for path in API:
        status, _ = await _post(served.base + path, json={"member_id": 1001, "action": "advance", "seconds": 1})
        assert status == 401, path
    assert (await _get(served.base + "/api/session"))[0] == 401
    assert await _ws_status(served.base + "/ws") == 401
    # The same requests with the secret go through (the cookie the page has, or ?token= for scripts).
    assert (await _get(served.base + "/api/session", headers=_cookie(served)))[0] == 200
    assert await _ws_status(served.base + "/ws", headers=_cookie(served)) == 101
    assert await _ws_status(served.base + "/ws", params={"token": served.token}) == 101
    status, body = await _post(
        served.base + "/api/clock", json={"action": "advance", "seconds": 1}, headers=_cookie(served)
    )
    assert status == 200, body


# --- another site's page, another name, another body --------------------------------------------------
@pytest.mark.parametrize(
    "origin", ["https://evil.example", "http://127.0.0.1:1", "null", "http://localhost.evil.example"]
)
async def test_a_post_or_a_websocket_from_another_sites_page_is_forbidden(served, origin):
    headers = {**_cookie(served), "Origin": origin}
    status, body = await _post(served.base + "/api/clock", json={"action": "advance", "seconds": 1}, headers=headers)
    assert status == 403 and "another site" in body
    assert await _ws_status(served.base + "/ws", headers=headers) == 403


async def test_the_pages_own_origin_is_accepted(served):
    for own in (served.base, f"http://localhost:{served.port}"):
        host = own.removeprefix("http://")
        headers = {**_cookie(served), "Origin": own, "Host": host}
        status, body = await _post(
            served.base + "/api/clock", json={"action": "advance", "seconds": 1}, headers=headers
        )
        assert status == 200, body
        assert await _ws_status(served.base + "/ws", headers=headers) == 101


@pytest.mark.parametrize(
    "host", ["evil.example", "rebound.evil.example:{port}", "127.0.0.1:1", "192.168.1.5:{port}", ""]
)
async def test_another_host_name_is_forbidden_on_every_route(served, host):
    """DNS rebinding: another name resolving to 127.0.0.1 arrives with that name in Host."""
    headers = {**_cookie(served), "Host": host.format(port=served.port)}
    status, _, body = await _get(served.base + "/", headers=headers)
    assert status == 403 and "answers only to" in body
    assert (await _get(served.base + "/static/app.js", headers=headers))[0] == 403
    status, _ = await _post(served.base + "/api/run", json={"member_id": 1001}, headers=headers)
    assert status == 403
    assert await _ws_status(served.base + "/ws", headers=headers) == 403


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded", "multipart/form-data"])
async def test_a_post_that_is_not_json_is_refused(served, content_type):
    """A cross-site "simple" request needs no preflight: text/plain must not pass for the page's JSON."""
    body = '{"action": "advance", "seconds": 1}'
    status, text = await _post(
        served.base + "/api/clock", data=body, headers={**_cookie(served), "Content-Type": content_type}
    )
    assert status == 415 and "application/json" in text


async def test_no_answer_may_be_framed(served):
    for url, headers in (
        (served.base + "/", _cookie(served)),
        (served.base + "/static/app.js", _cookie(served)),
        (served.base + "/", {}),  # a refusal too
        (served.url, {}),  # the redirect
    ):
        _, got, _ = await _get(url, headers=headers)
        assert "frame-ancestors 'none'" in got["Content-Security-Policy"], url
        assert got["X-Frame-Options"] == "DENY"
        assert "script-src" not in got["Content-Security-Policy"]  # default-src 'self' still rules scripts


# --- --host -------------------------------------------------------------------------------------------
@pytest.mark.parametrize("host", ["0.0.0.0", "192.0.2.7", "example.com"])  # noqa: S104 - refused, never bound
def test_a_host_beyond_loopback_is_refused_in_one_line(host):
    done = subprocess.run(
        [sys.executable, "-m", "bot", "playground", "--host", host, "--port", "0"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert lines[0].startswith(f"heartstopper-bot: --host '{host}' is not a loopback address")
    assert EXPOSE_FLAG in lines[0]


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1", "127.0.0.2"])
def test_loopback_hosts_need_no_flag(host, capsys):
    check_host(PlaygroundOptions(host=host))
    assert capsys.readouterr().err == ""


def test_the_flag_serves_beyond_loopback_with_a_warning(capsys):
    exposed = PlaygroundOptions(host="0.0.0.0", exposed=True)  # noqa: S104 - never bound here
    check_host(exposed)  # no refusal
    warn_if_exposed(exposed)  # what run_playground says first
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and err[0].startswith("heartstopper-bot: warning: the playground is served on 0.0.0.0")
