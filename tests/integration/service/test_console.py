"""The web console over HTTP (no browser): sign-in, session cookie flags,
CSRF, the auditor's read-only console, expiry, the sign-in brake, languages,
and every page answering HTML. The browser tests are tests/e2e/test_console_browser.py."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import aiohttp
import pytest
from yarl import URL

from tests.integration.service.conftest import UBND, XML, Harness, harness
from tests.support.clock import FakeClock
from tests.support.node_config import AUDITOR, OPERATOR


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


@pytest.fixture
async def node(tmp_path: Path, clock: FakeClock) -> AsyncIterator[Harness]:
    async with harness(tmp_path, clock=clock) as h:
        yield h


def _browser() -> aiohttp.ClientSession:
    # a cookie jar that keeps cookies for 127.0.0.1 (aiohttp's default drops IP hosts)
    return aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True))


def _field(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no {name} field in the page"
    return match[1]


async def sign_in(http: aiohttp.ClientSession, url: str, token: str) -> aiohttp.ClientResponse:
    async with http.get(f"{url}/console/login") as resp:
        form = await resp.text()
    return await http.post(
        f"{url}/console/login",
        data={"login_csrf": _field(form, "login_csrf"), "token": token, "next": "/console/"},
        allow_redirects=False,
    )


async def csrf_of(http: aiohttp.ClientSession, url: str) -> str:
    async with http.get(f"{url}/console/") as resp:
        assert resp.status == 200
        return _field(await resp.text(), "csrf")


async def _submit(node: Harness, data: bytes) -> str:
    async with node.http.post(
        f"{node.url}/api/v1/documents", data=data, headers={**UBND, **XML}
    ) as resp:
        return str((await resp.json())["id"])


async def test_pages_need_a_session_and_send_readers_to_sign_in(node: Harness) -> None:
    async with _browser() as http:
        async with http.get(f"{node.url}/console/messages?organ=000.00.00.G22") as resp:
            assert resp.status == 200
            assert str(resp.url.path) == "/console/login"
            assert resp.url.query["next"] == "/console/messages?organ=000.00.00.G22"
            assert "Đăng nhập" in await resp.text()  # Vietnamese by default
        async with http.get(f"{node.url}/console", allow_redirects=False) as resp:
            assert resp.status == 301
            assert resp.headers["Location"] == "/console/"


async def test_sign_in_sets_a_strict_httponly_session_cookie(node: Harness) -> None:
    async with _browser() as http:
        resp = await sign_in(http, node.url, OPERATOR)
        assert resp.status == 303
        assert resp.headers["Location"] == "/console/"
        cookie = resp.cookies["lienthong_console"]
        assert cookie["httponly"] is True
        assert cookie["samesite"] == "Strict"
        assert cookie["path"] == "/console"
        assert not cookie["secure"]  # a plain-HTTP listener; TLS listeners set Secure
        assert len(cookie.value) >= 40
        async with http.get(f"{node.url}/console/") as page:
            text = await page.text()
            assert page.status == 200
            assert "default-src 'none'" in page.headers["Content-Security-Policy"]
            assert page.headers["Cache-Control"] == "no-store"
        assert "ops (vận hành)" in text


async def test_failed_sign_in_says_why_and_is_braked(node: Harness) -> None:
    async with _browser() as http:
        for _ in range(5):
            resp = await sign_in(http, node.url, "not-a-token")
            assert resp.status == 401
            assert "không phải mã truy cập quản trị" in await resp.text()
        resp = await sign_in(http, node.url, OPERATOR)  # even the right token now waits
        assert resp.status == 429
        assert "chờ 60 giây" in await resp.text()


async def test_sign_in_form_needs_its_own_token(node: Harness) -> None:
    async with _browser() as http:
        resp = await http.post(
            f"{node.url}/console/login", data={"token": OPERATOR}, allow_redirects=False
        )
        assert resp.status == 403
        assert "lienthong_console" not in resp.cookies


async def test_posts_without_the_csrf_token_are_refused(
    node: Harness, sample_document: bytes
) -> None:
    message_id = await _submit(node, sample_document)
    async with _browser() as http:
        await sign_in(http, node.url, OPERATOR)
        for data in ({}, {"csrf": "forged"}):
            async with http.post(
                f"{node.url}/console/messages/{message_id}/resend", data=data
            ) as resp:
                assert resp.status == 403
                assert "mã bảo vệ" in await resp.text()
        assert node.admin.resent == []
        token = await csrf_of(http, node.url)
        async with http.post(
            f"{node.url}/console/messages/{message_id}/resend",
            data={"csrf": token},
            allow_redirects=False,
        ) as resp:
            assert resp.status == 303
            assert resp.headers["Location"] == f"/console/messages/{message_id}?resent=1"
        assert node.admin.resent == [(message_id, "ops")]


async def test_auditor_reads_but_cannot_resend(node: Harness, sample_document: bytes) -> None:
    message_id = await _submit(node, sample_document)
    async with _browser() as http:
        await sign_in(http, node.url, AUDITOR)
        async with http.get(f"{node.url}/console/dead-letters?lang=en") as resp:
            text = await resp.text()
            assert resp.status == 200
        assert message_id in text
        assert "Resend" not in text
        assert "read-only" in text
        token = await csrf_of(http, node.url)
        async with http.post(
            f"{node.url}/console/messages/{message_id}/resend", data={"csrf": token}
        ) as resp:
            assert resp.status == 403
            assert "auditor" in await resp.text()
        assert node.admin.resent == []


async def test_sessions_expire_when_idle(node: Harness, clock: FakeClock) -> None:
    async with _browser() as http:
        await sign_in(http, node.url, OPERATOR)
        clock.instant += timedelta(minutes=29)
        async with http.get(f"{node.url}/console/peers", allow_redirects=False) as resp:
            assert resp.status == 200  # still alive; its idle clock restarts
        clock.instant += timedelta(minutes=31)
        async with http.get(f"{node.url}/console/peers", allow_redirects=False) as resp:
            assert resp.status == 303
            assert resp.headers["Location"].startswith("/console/login")


async def test_logout_ends_the_session(node: Harness) -> None:
    async with _browser() as http:
        await sign_in(http, node.url, OPERATOR)
        session = http.cookie_jar.filter_cookies(URL(node.url + "/console/"))[
            "lienthong_console"
        ].value
        token = await csrf_of(http, node.url)
        async with http.post(f"{node.url}/console/logout", data={"csrf": "x"}) as resp:
            assert resp.status == 403
        async with http.post(
            f"{node.url}/console/logout", data={"csrf": token}, allow_redirects=False
        ) as resp:
            assert resp.status == 303
    async with _browser() as other:  # the old cookie, replayed, opens nothing
        other.cookie_jar.update_cookies({"lienthong_console": session}, URL(node.url))
        async with other.get(f"{node.url}/console/", allow_redirects=False) as resp:
            assert resp.status == 303


async def test_every_page_renders_in_both_languages(node: Harness, sample_document: bytes) -> None:
    message_id = await _submit(node, sample_document)
    pages = {
        "/console/": ("Tổng quan", "Dashboard"),
        "/console/messages?document_id=000.00.00.H41": ("Thông điệp", "Messages"),
        f"/console/messages/{message_id}": ("Lịch sử trạng thái", "Status history"),
        "/console/dead-letters": ("Gửi thất bại", "Dead letters"),
        "/console/peers": ("Bảng định tuyến", "Routing table"),
        "/console/report?from=2026-11-01&to=2026-11-30": ("Tỷ lệ đúng hạn", "On-time rate"),
    }
    async with _browser() as http:
        await sign_in(http, node.url, AUDITOR)
        for path, (vi, _) in pages.items():
            async with http.get(node.url + path) as resp:
                assert resp.status == 200, path
                assert resp.content_type == "text/html"
                assert vi in await resp.text(), path
        async with http.get(f"{node.url}/console/?lang=en") as resp:
            assert resp.cookies["lienthong_lang"].value == "en"
        for path, (_, en) in pages.items():  # the cookie keeps English
            async with http.get(node.url + path) as resp:
                assert en in await resp.text(), path
        async with http.get(f"{node.url}/console/report.csv?from=2026-11-01&to=2026-11-30") as resp:
            assert resp.content_type == "text/csv"
            assert (await resp.text()).startswith("document_id,message_id")


async def test_bad_search_input_is_shown_not_a_500(node: Harness) -> None:
    async with _browser() as http:
        await sign_in(http, node.url, OPERATOR)
        async with http.get(
            f"{node.url}/console/messages?organ=bad&from=yesterday&state=lost&lang=en"
        ) as resp:
            assert resp.status == 400
            text = await resp.text()
        for name in ("organ", "from", "state"):
            assert f"<code>{name}</code>" in text
        async with http.get(f"{node.url}/console/messages/none") as resp:
            assert resp.status == 404
            assert "no message none" in await resp.text()
        async with http.get(f"{node.url}/console/nowhere") as resp:
            assert resp.status == 404
            assert resp.content_type == "text/html"


async def test_sign_in_redirect_stays_inside_the_console(node: Harness) -> None:
    async with _browser() as http:
        async with http.get(f"{node.url}/console/login") as resp:
            form = await resp.text()
        resp = await http.post(
            f"{node.url}/console/login",
            data={
                "login_csrf": _field(form, "login_csrf"),
                "token": OPERATOR,
                "next": "//evil.example/",
            },
            allow_redirects=False,
        )
        assert resp.headers["Location"] == "/console/"


async def test_the_message_page_shows_envelope_and_pdf_signatures(
    node: Harness, sample_document: bytes, monkeypatch: pytest.MonkeyPatch
) -> None:
    message_id = await _submit(node, sample_document)
    real_detail = node.admin.detail
    signer = {"common_name": "UBND tỉnh <H41>", "organ_id": "000.00.00.H41", "subject": "x"}
    full = {
        "signatures": [
            {
                "index": 1,
                "kind": "xml",
                "verdict": "VALID",
                "signer": signer,
                "signed_at": "2026-11-20T02:00:00+00:00",
                "algorithm": "rsa-sha256",
                "problems": [],
                "warnings": [],
            },
        ],
        "attachments": [
            {
                "name": "qd.pdf",
                "ok": False,
                "signatures": [
                    {
                        "index": 1,
                        "kind": "pdf",
                        "verdict": "INVALID",
                        "signer": None,
                        "signed_at": None,
                        "algorithm": None,
                        "problems": ["the signed bytes were altered"],
                        "warnings": [],
                    },
                ],
            },
        ],
    }
    report = {
        "accepted": False,
        "reasons": ["attachment 'qd.pdf' signature 1: the signed bytes were altered"],
        "report": full,  # the engine's shape: its verdict beside the verifier's report
    }

    async def detail(mid: str):  # type: ignore[no-untyped-def]
        found = await real_detail(mid)
        return dataclasses.replace(found, verification=report)

    monkeypatch.setattr(node.admin, "detail", detail)
    async with _browser() as http:
        await sign_in(http, node.url, AUDITOR)
        async with http.get(f"{node.url}/console/messages/{message_id}?lang=en") as resp:
            text = await resp.text()
    section = text.split('id="verification"', 1)[1].split('id="audit"', 1)[0]
    assert "not accepted" in section
    assert "the signed bytes were altered" in section
    assert "UBND tỉnh &lt;H41&gt;" in section  # escaped
    assert 'verdict-valid">VALID' in section
    assert 'verdict-invalid">INVALID' in section
    assert "qd.pdf" in section
