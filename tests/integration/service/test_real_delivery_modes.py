"""The push delivery modes through a real node: a document for an organ whose
DMS takes webhooks is POSTed to it signed with HMAC; the automatic 01 for an
organ whose DMS uses a drop folder is written into <dir>/incoming; a file
that DMS drops into <dir>/outgoing is submitted on its behalf."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from tests.integration.service.real import H41, S41, real_node
from tests.support.messages import document
from tests.support.peer_server import FakeDmsWebhook

SECRET = "webhook-secret-0123456789"


def _push_modes(hook_url: str, folder: Path):  # type: ignore[no-untyped-def]
    def edit(text: str) -> str:
        h41, s41 = f'organs = ["{H41}"]', f'organs = ["{S41}"]'
        pull = 'delivery = "pull"'
        head, rest = text.split(h41, 1)
        rest = rest.replace(pull, f'delivery = "drop-folder"\ndrop_folder = "{folder}"', 1)
        text = head + h41 + rest
        head, rest = text.split(s41, 1)
        rest = rest.replace(
            pull,
            f'delivery = "webhook"\nwebhook_url = "{hook_url}/hook"\n'
            'webhook_secret_env = "LT_TEST_HOOK"',
            1,
        )
        return head + s41 + rest

    return edit


async def _wait_for(predicate, what: str) -> None:  # type: ignore[no-untyped-def]
    for _ in range(400):  # bounded: deliveries and polls run in the background
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"never happened: {what}")


async def test_webhook_and_drop_folder_modes(tmp_path: Path) -> None:
    hook = FakeDmsWebhook(SECRET)
    url = await hook.start(hook.app())
    folder = tmp_path / "ubnd-exchange"
    folder.mkdir()
    try:
        async with real_node(
            tmp_path / "node", edit=_push_modes(url, folder), environ={"LT_TEST_HOOK": SECRET}
        ) as node:
            data, _ = document(H41, (S41,))
            async with node.http.post(
                f"{node.url}/api/v1/documents",
                data=data,
                headers={**node.dms(H41), "Content-Type": "application/xml"},
            ) as resp:
                assert resp.status == 202, await resp.text()
            await _wait_for(lambda: hook.received, "webhook delivery to the S41 DMS")
            assert hook.refusals == []
            assert hook.received[0].headers["Lienthong-Kind"] == "document"

            incoming = folder / "incoming"
            await _wait_for(
                lambda: any(p.suffix == ".edxml" for p in incoming.iterdir()),
                "automatic 01 written into the H41 drop folder",
            )

            second, _ = document(H41, (S41,))
            (folder / "outgoing" / "d2.edxml").write_bytes(second)
            receipt = folder / "processed" / "d2.receipt.json"
            await _wait_for(receipt.exists, "drop-folder submission of d2.edxml")
            assert json.loads(receipt.read_text())["state"]
            await _wait_for(lambda: len(hook.received) == 2, "second webhook delivery")
    finally:
        await hook.close()
