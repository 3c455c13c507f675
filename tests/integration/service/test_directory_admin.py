"""Directory sync between two real nodes: node B has node A's /vdxp as its
upstream with ``directory_sync = true``, keeps A's agency directory (as the
SDK's AgencyServiceImp reads it) and shows it in its admin API and
``lienthong admin directory``."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any

import jsonschema_rs
import pytest

from adapters.http.openapi import openapi_document
from tests.integration.service.real import H41, S41, RealNode, real_node
from tests.integration.service.test_cli_send_admin import lienthong

SECRET = "vdxp-secret-of-the-test-dms"


def _with_vdxp(text: str) -> str:
    return text.replace('delivery = "pull"', 'delivery = "pull"\nvdxp_secret_env = "LT_VDXP"')


def _with_upstream(url: str, extra: str) -> Callable[[str], str]:
    def edit(text: str) -> str:
        return (
            text
            + f"""
[[upstreams]]
name = "national"
url = "{url}/vdxp"
organ_id = "000.00.00.G22"
system_id = "{H41}"
secret_env = "LT_AXIS"
receive = false
{extra}
"""
        )

    return edit


@pytest.fixture
async def axis(tmp_path: Path) -> AsyncIterator[RealNode]:
    async with real_node(tmp_path / "axis", edit=_with_vdxp, environ={"LT_VDXP": SECRET}) as n:
        yield n


async def admin(node: RealNode, query: str = "") -> tuple[int, Any]:
    async with node.http.get(f"{node.url}/admin/v1/directory{query}", headers=node.admin) as r:
        return r.status, await r.json(content_type=None)


def assert_documented(body: Any) -> None:
    """The answer matches DirectoryList in the OpenAPI document."""
    components = openapi_document()["components"]
    schema = {"$ref": "#/components/schemas/DirectoryList", "components": components}
    jsonschema_rs.Draft202012Validator(schema).validate(body)


async def synced(node: RealNode) -> dict[str, Any]:
    """The first copy once a sync has been attempted (bounded wait)."""
    for _ in range(200):
        status, body = await admin(node)
        assert status == 200, body
        if body["items"] and body["items"][0]["last_attempt_at"]:
            return body["items"][0]  # type: ignore[no-any-return]
        await asyncio.sleep(0.05)
    raise AssertionError("no directory sync was attempted")


async def test_the_directory_of_the_axis_is_kept_and_shown(axis: RealNode, tmp_path: Path) -> None:
    edit = _with_upstream(axis.url, 'directory_sync = true\ndirectory_call = "getSynchronizeUnit"')
    async with real_node(tmp_path / "b", edit=edit, environ={"LT_AXIS": SECRET}) as b:
        copy = await synced(b)
        assert copy["last_error"] is None, copy
        assert (copy["upstream"], copy["call"], copy["count"]) == (
            "national",
            "getSynchronizeUnit",
            1,
        )
        (entry,) = copy["entries"]
        assert (entry["code"], entry["center_code"], entry["deleted"]) == (H41, H41, False)
        assert entry["is_agency"] is True
        assert entry["version"] == 1

        status, known = await admin(b, f"?organ={H41}")
        assert status == 200
        assert known["items"][0]["known"] is True
        assert_documented(known)
        assert_documented((await admin(b))[1])
        status, unknown = await admin(b, f"?organ={S41}")
        assert status == 200
        assert unknown["items"][0]["known"] is False
        assert unknown["items"][0]["entries"] == []
        assert unknown["items"][0]["count"] == 1
        status, problem = await admin(b, "?organ=not-an-organ")
        assert status == 400
        assert problem["errors"][0]["path"] == "query.organ"

        path = b.service.config.node.data_dir / "directory" / "national.json"
        assert json.loads(path.read_text(encoding="utf-8"))["entries"] == copy["entries"]

        code, out, err = await lienthong(
            "admin", "--node", b.url, "--token", b.init.admin_token, "directory", "--organ", H41
        )
        assert (code, err) == (0, "")
        assert "getSynchronizeUnit" in out
        assert "organ listed  yes" in out
        assert H41 in out


async def test_a_wrong_secret_is_shown_as_the_last_error(axis: RealNode, tmp_path: Path) -> None:
    edit = _with_upstream(axis.url, "directory_sync = true")
    async with real_node(tmp_path / "b", edit=edit, environ={"LT_AXIS": "wrong"}) as b:
        copy = await synced(b)
        assert copy["synced_at"] is None
        assert copy["count"] == 0
        assert_documented((await admin(b))[1])
        assert "getAgenciesList" in copy["last_error"]
        assert copy["consecutive_failures"] >= 1


async def test_directory_sync_is_off_by_default(axis: RealNode, tmp_path: Path) -> None:
    async with real_node(
        tmp_path / "b", edit=_with_upstream(axis.url, ""), environ={"LT_AXIS": SECRET}
    ) as b:
        assert await admin(b) == (200, {"items": []})
        assert not (b.service.config.node.data_dir / "directory").exists()
        code, out, _ = await lienthong(
            "admin", "--node", b.url, "--token", b.init.admin_token, "directory"
        )
        assert (code, out.strip()) == (0, "no upstream has directory_sync = true")
