"""The web console in a real browser: Debian's headless Chromium driven by
Playwright (never `playwright install`: no browser download) against a real
node on 127.0.0.1 (real store, engine, signing, workers) holding a few
documents, one dead-lettered by a DMS webhook that refuses it.

On failure the page's screenshot is saved under the test's tmp_path and its
path printed. ``LIENTHONG_CONSOLE_SHOTS=DIR`` also saves the README's
screenshots (dashboard, message, report) into DIR."""

from __future__ import annotations

import asyncio
import base64
import contextlib
import os
import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from aiohttp import web

from node.config import token_sha256
from tests.integration.service.real import H41, S41, RealNode, real_node
from tests.support.env import missing
from tests.support.messages import document

pytestmark = pytest.mark.slow

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
AUDITOR_TOKEN = "console-auditor-token-0123456789"


@dataclass
class Console:
    node: RealNode
    browser: Any
    tmp_path: Path
    dead_id: str
    document_ids: list[str]

    @property
    def url(self) -> str:
        return f"{self.node.url}/console/"

    @property
    def operator(self) -> str:
        return self.node.init.admin_token


async def _refusing_dms() -> tuple[web.AppRunner, str]:
    """A DMS webhook that refuses every message (400): its deliveries go dead."""

    async def refuse(request: web.Request) -> web.Response:
        await request.read()
        return web.json_response({"detail": "this DMS refuses everything"}, status=400)

    app = web.Application()
    app.router.add_post("/hook", refuse)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
    return runner, f"http://127.0.0.1:{port}/hook"


def _edit(hook: str):  # type: ignore[no-untyped-def]
    """S41's DMS signs (the node verifies, so messages carry a signature report)
    and takes webhooks that it refuses; an auditor is added."""

    def edit(text: str) -> str:
        text = re.sub(
            rf'(id = "{re.escape(S41)}"\n)signing = "node".*?\nkey = .*?\ncert = .*?\n',
            r'\1signing = "dms"\n',
            text,
            count=1,
        )
        assert f'id = "{S41}"\nsigning = "dms"' in text
        organs = f'organs = ["{S41}"]'
        head, rest = text.split(organs, 1)
        rest = rest.replace(
            'delivery = "pull"',
            f'delivery = "webhook"\nwebhook_url = "{hook}"\nwebhook_secret_env = "LT_HOOK"',
            1,
        )
        auditor = (
            f'\n[[admins]]\nname = "kiemtoan"\nrole = "auditor"\n'
            f'token_sha256 = "{token_sha256(AUDITOR_TOKEN)}"\n'
        )
        return (head + organs + rest).replace("\n[log]", auditor + "\n[log]", 1)

    return edit


def _signed_by_s41(node: RealNode, data: bytes) -> bytes:
    """The document with S41's signed sample PDF as its attachment (manifest
    and attachment both say so), signed with S41's key."""
    from signing.keys import PemKeyFile
    from signing.xmlsign import XmlSigner

    pki = node.init.config_path.parent / "pki"
    pdf = base64.b64encode((pki / f"{S41}.sample.pdf").read_bytes()).decode()
    text = data.decode("utf-8")
    text = text.replace("1234-UBND-KGVX.txt", "quyet-dinh.pdf").replace(
        "<edXML:ContentType>text/plain<", "<edXML:ContentType>application/pdf<"
    )
    text = text.replace("<ContentType>text/plain<", "<ContentType>application/pdf<")
    text = re.sub(
        r"(<edXML:ContentTransferEncoded[^>]*>)[^<]+", lambda m: m.group(1) + pdf, text, count=1
    )
    signer = XmlSigner.from_source(S41, PemKeyFile(pki / f"{S41}.key"), pki / f"{S41}.pem")
    return signer.sign(text.encode("utf-8"))


async def _submit(node: RealNode, sender: str, recipient: str) -> tuple[str, str]:
    data, document_id = document(sender, (recipient,))
    if sender == S41:
        data = await asyncio.to_thread(_signed_by_s41, node, data)
    async with node.http.post(
        f"{node.url}/api/v1/documents",
        data=data,
        headers={**node.dms(sender), "Content-Type": "application/xml"},
    ) as resp:
        assert resp.status == 202, await resp.text()
        return str((await resp.json())["id"]), document_id


async def _wait_dead(node: RealNode, message_id: str) -> None:
    for _ in range(400):  # bounded: the worker delivers in the background
        async with node.http.get(f"{node.url}/admin/v1/dead-letters", headers=node.admin) as resp:
            items = (await resp.json())["items"]
        if any(i["message_id"] == message_id for i in items):
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"message {message_id} never dead-lettered")


@pytest.fixture
def browser_ready() -> None:
    """Playwright's package and Debian's chromium, or a skip (CI=true: a failure)."""
    try:
        import playwright.async_api  # noqa: F401
    except ImportError:
        missing("playwright is not installed (make .venv/.installed)")
    if not CHROMIUM.exists():
        missing(f"{CHROMIUM} missing: `make chromium` installs Debian's chromium")


def _directory(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture
async def console(tmp_path: Path, browser_ready: None) -> AsyncIterator[Console]:
    from playwright.async_api import async_playwright

    runner, hook = await _refusing_dms()
    try:
        async with (
            real_node(
                tmp_path / "node", edit=_edit(hook), environ={"LT_HOOK": "hook-secret-0123456789"}
            ) as node,
            async_playwright() as playwright,
        ):
            dead_id, _ = await _submit(node, H41, S41)  # S41's DMS refuses: dead letter
            ids = [(await _submit(node, S41, H41))[1] for _ in range(2)]
            await _wait_dead(node, dead_id)
            browser = await playwright.chromium.launch(
                executable_path=str(CHROMIUM), args=CHROMIUM_ARGS
            )
            try:
                yield Console(node, browser, tmp_path, dead_id, ids)
            finally:
                await browser.close()
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def page_of(console: Console, name: str) -> AsyncIterator[Any]:
    """A fresh browser context (its own cookies); a screenshot when the body fails."""
    context = await console.browser.new_context(viewport={"width": 1280, "height": 900})
    page = await context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    except BaseException:
        path = _directory(console.tmp_path / "screenshots") / f"{name}.png"
        with contextlib.suppress(Exception):
            await page.screenshot(path=str(path), full_page=True)
            print(f"console screenshot of the failure: {path} (at {page.url})")
        raise
    finally:
        await context.close()


async def sign_in(page: Any, console: Console, token: str) -> None:
    await page.goto(console.url)
    assert "/console/login" in page.url  # no session yet
    await page.fill("#token", token)
    await page.click("#sign-in")
    await page.wait_for_url(re.compile(r".*/console/$"))


async def _shot(page: Any, name: str) -> None:
    target = os.environ.get("LIENTHONG_CONSOLE_SHOTS")
    if target:
        path = _directory(Path(target)) / f"console-{name}.png"
        await page.screenshot(path=str(path), full_page=True)


async def test_operator_signs_in_searches_reads_resends_and_signs_out(
    console: Console,
) -> None:
    async with page_of(console, "operator") as page:
        await sign_in(page, console, console.operator)
        assert (await page.inner_text("h1")).startswith("Tổng quan")  # Vietnamese by default
        assert "sẵn sàng" in await page.inner_text("#readiness")
        # the refused document and the automatic 01s back to the refusing DMS
        assert int(await page.locator("#dead .big").inner_text()) >= 1
        assert await page.locator(f"#dead a[href$='{console.dead_id}']").count() == 1
        assert await page.locator("#refusals tr.message-row").count() >= 1  # failure notices
        assert await page.locator("#certificates tbody tr").count() >= 1
        await _shot(page, "dashboard")

        # search by DocumentId, in English
        await page.goto(console.url + "messages?lang=en")
        await page.fill("input[name=document_id]", console.document_ids[0])
        await page.click("#search")
        rows = page.locator("tr.message-row")
        assert await rows.count() >= 2  # the document and the statuses about it
        for text in await rows.all_inner_texts():
            assert console.document_ids[0] in text
        await rows.filter(has_text="document").locator("a").click()
        await page.wait_for_url(re.compile(r".*/console/messages/[0-9a-f]+$"))
        assert await page.inner_text("#document-id") == console.document_ids[0]
        assert "000.00.00.H41" in await page.inner_text("#hops")
        assert await page.locator("#statuses tr.status").count() >= 1  # the automatic 01
        assert await page.inner_text("#verification #verdict") == "accepted"
        signatures = page.locator("#verification tr.signature")
        assert await signatures.count() == 2  # the envelope's and the PDF's
        for text in await signatures.all_inner_texts():
            assert "VALID" in text
            assert S41 in text
        assert "quyet-dinh.pdf" in await page.inner_text("#verification")
        assert await page.locator("#audit tr.audit-entry").count() >= 1
        await _shot(page, "message")

        # the dead letter: resend it
        await page.goto(console.url + "dead-letters")
        row = page.locator("tr.dead-letter", has_text=console.dead_id)
        await row.locator("button.resend").click()
        await page.wait_for_url(re.compile(rf".*/messages/{console.dead_id}\?resent=1$"))
        assert "Put back in the queue: 1" in await page.inner_text("#notice")
        actions = await page.locator("#audit tr.audit-entry").all_inner_texts()
        assert any("resend" in a and "operator" in a for a in actions)

        # the supervision report with its charts
        await page.goto(console.url + "report")
        assert int(await page.inner_text("#total-documents")) == 3
        bars = page.locator("#chart-on-time svg")
        assert await bars.count() == 1
        assert await page.locator("#chart-on-time svg title").text_content() == (
            "On-time rate per organ"
        )
        organs = await page.locator("#received tr.organ-line").evaluate_all(
            "rows => rows.map(r => r.dataset.organ)"
        )
        assert sorted(organs) == [H41, S41]
        assert await page.locator("#chart-overdue svg circle.point").count() >= 1
        await _shot(page, "report")
        async with page.expect_download() as download:
            await page.click("#csv")
        assert (await download.value).suggested_filename.startswith("report-")

        await page.click("#logout")
        await page.wait_for_url(re.compile(r".*/console/login\?bye=1$"))
        assert "signed out" in await page.inner_text("#notice")
        await page.goto(console.url + "peers")
        assert "/console/login" in page.url  # the session is gone


async def test_auditor_reads_but_has_no_resend_and_the_server_refuses_it(
    console: Console,
) -> None:
    async with page_of(console, "auditor") as page:
        await sign_in(page, console, AUDITOR_TOKEN)
        assert "kiemtoan (kiểm toán)" in await page.inner_text("#user")
        await page.goto(console.url + "dead-letters")
        assert console.dead_id in await page.inner_text("main")
        assert await page.locator("button.resend").count() == 0
        assert await page.locator("#read-only").count() == 1
        # the form the auditor is not shown, posted anyway with the session's token
        csrf = await page.locator("input[name=csrf]").first.get_attribute("value")
        response = await page.request.post(
            f"{console.url}messages/{console.dead_id}/resend", form={"csrf": csrf}
        )
        assert response.status == 403
        assert "kiểm toán" in await response.text() or "auditor" in await response.text()


async def test_forged_csrf_token_is_refused(console: Console) -> None:
    async with page_of(console, "csrf") as page:
        await sign_in(page, console, console.operator)
        await page.goto(console.url + "dead-letters")
        await page.evaluate(
            "document.querySelectorAll('input[name=csrf]').forEach(i => i.value = 'forged')"
        )
        await page.locator("button.resend").first.click()
        await page.wait_for_load_state()
        assert "mã bảo vệ của biểu mẫu thiếu hoặc sai" in await page.inner_text("#error")
        await page.goto(console.url + f"messages/{console.dead_id}")
        assert await page.locator("#notice").count() == 0  # nothing was resent


async def test_failed_sign_in_says_so(console: Console) -> None:
    async with page_of(console, "sign-in") as page:
        await page.goto(console.url + "login?lang=en")
        await page.fill("#token", "wrong-token")
        await page.click("#sign-in")
        assert "not an admin token of this node" in await page.inner_text("#error")
        assert "/console/login" in page.url
