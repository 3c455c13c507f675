"""Three real `lienthong serve` processes (tests/support/harness/chain.py): DMS H41 →
node H41 → (VDXP) national node G22 → (VDXP, polled) node H22 → DMS H22, and
the statuses 01 and 03 all the way back to DMS H41, each exactly once."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import aiohttp
import pytest

from tests.support.harness.chain import G22, H22, H41, Admin, make_chain
from tests.support.harness.dms import Dms
from tests.support.harness.fixtures import arunning
from tests.support.messages import document, status

pytestmark = pytest.mark.slow


async def test_documents_and_statuses_cross_the_three_level_chain_once(tmp_path: Path) -> None:
    chain = make_chain(tmp_path)
    async with arunning(*chain.processes(tmp_path / "logs")), aiohttp.ClientSession() as http:
        dms_h41 = Dms(http, chain.h41.setup.dms_url, chain.h41.setup.dms_token)
        dms_h22 = Dms(http, chain.h22.setup.dms_url, chain.h22.setup.dms_token)
        sent = {}
        for n in range(3):
            data, document_id = document(H41, (H22,), number=7000 + n)
            sent[document_id] = (await dms_h41.submit(data))["id"]
        arrived = await dms_h22.drain(set(sent), kind="document")
        assert {d: len(ids) for d, ids in arrived.items()} == dict.fromkeys(sent, 1)
        for document_id in sent:
            await dms_h22.submit(status(H22, document_id, "03", datetime.now(UTC)), kind="statuses")
        statuses: dict[str, set[str]] = {}
        for _ in range(3):  # bounded: drain stops at the first status of each
            for key, ids in (await dms_h41.drain(set(sent), kind="status")).items():
                statuses.setdefault(key, set()).update(ids)
            if len(statuses) == 2 * len(sent):
                break
        assert {k: len(v) for k, v in statuses.items()} == {
            f"{d} {code}": 1 for d in sent for code in ("01", "03")
        }

        h41, g22, h22 = (Admin(http, n.setup) for n in chain.nodes)
        for document_id, message_id in sent.items():
            out = await h41.trace(message_id)
            (up,) = out["deliveries"]
            assert up["destination"]["name"] == "national"
            assert up["state"] == "delivered"
            doc_id = up["attempts"][-1]["detail"].split("DocId ")[1].split()[0]
            at_g22 = await g22.trace(doc_id)  # the axis' DocId is G22's message id
            assert at_g22["sender"] == H41
            assert at_g22["recipients"] == [H22]
            assert [h["node"] for h in at_g22["hops"]] == [G22]
            # G22 relays: every status recorded there was reported by H22's node
            assert {s["code"] for s in at_g22["statuses"]} == {"01", "03"}
            found = [
                m
                for m in await h22.messages()
                if m["document_id"] == document_id and m["kind"] == "document"
            ]
            (at_h22,) = found
            here = await h22.trace(at_h22["id"])
            assert [(h["node"], h["direction"]) for h in here["hops"]] == [
                (G22, "out"),
                (H22, "in"),
            ]
            assert out["hops"][0]["at"] <= at_g22["hops"][0]["at"] <= here["hops"][1]["at"]
