"""Regressions found by the reliability harness (docs/reliability.md): each of
these once answered 500, accepted what it should not, or left debris behind."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from node.errors import Conflict, SignatureRejected, StoreUnavailable
from node.model import MessageKind
from node.modes import SigningMode
from node.ports.driven import TransferMeta
from tests.support.messages import document, status_code
from tests.unit.engine.conftest import DMS_STTTT, DMS_UBND, STTTT, UBND, VPCP, Node
from tests.unit.engine.test_receive import meta, receive

pytestmark = pytest.mark.usefixtures("both_paths")


async def test_same_message_id_with_other_bytes_is_a_conflict(node: Node) -> None:
    first, _ = document(VPCP, (STTTT,), number=1)
    other, _ = document(VPCP, (STTTT,), number=2)
    await receive(node, first, meta("m-9"))

    with pytest.raises(Conflict, match="other content"):
        await receive(node, other, meta("m-9"))

    items = (await node.exchange.inbox(DMS_STTTT, limit=10, cursor=None)).items
    assert len(items) == 1


async def test_a_verifier_that_breaks_refuses_and_answers_02(
    node: Node, monkeypatch: pytest.MonkeyPatch
) -> None:
    def explode(path: Path, *, at: object = None) -> None:
        raise ValueError("unexpected element in KeyInfo")

    monkeypatch.setattr(node.verifier, "verify", explode)
    data, _ = document(VPCP, (STTTT,))

    with pytest.raises(SignatureRejected, match="could not be verified"):
        await receive(node, data, meta("m-x"))

    assert (await node.exchange.inbox(DMS_STTTT, limit=10, cursor=None)).items == ()
    await node.deliver()
    (sent,) = node.transport.to("vpcp")
    assert status_code(sent.body) == "02"
    assert b"unexpected element in KeyInfo" in sent.body


async def test_the_automatic_01_goes_out_unsigned_when_no_key_can_sign_it(node: Node) -> None:
    node.keys.organs = set()  # signing = "dms" organs and a node without a key of its own
    data, _ = document(VPCP, (STTTT,))

    result = await receive(node, data, TransferMeta("m-1", MessageKind.DOCUMENT, (STTTT,), ()))

    assert not result.duplicate
    await node.deliver()
    (sent,) = node.transport.to("vpcp")
    assert status_code(sent.body) == "01"
    assert b"signed by" not in sent.body


async def test_disk_full_while_writing_the_signed_copy_leaves_nothing(
    make_node, both_paths: str, monkeypatch: pytest.MonkeyPatch
) -> None:  # type: ignore[no-untyped-def]
    if both_paths == "in-memory":
        pytest.skip("a small body in memory is signed into bytes: no signed copy file to fill")
    node: Node = await make_node(signing={UBND: SigningMode.NODE})
    node.keys.organs = {UBND}
    real_write = Path.write_bytes

    def half_then_full(self: Path, data: bytes) -> int:  # type: ignore[override]
        if self.name.endswith(".signed"):
            real_write(self, data[: len(data) // 2])
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", half_then_full)
    data, _ = document(UBND, (STTTT,))

    with pytest.raises(StoreUnavailable, match="No space left"):
        await node.submit(data, DMS_UBND)

    assert list(node.spool.glob("*.signed")) == []
    assert (await node.exchange.inbox(DMS_STTTT, limit=10, cursor=None)).items == ()


async def test_a_postgres_connection_cut_mid_query_is_store_unavailable() -> None:
    import asyncpg

    from node.store.postgres.connection import translated

    # asyncpg raises InternalClientError (not an InterfaceError) when the socket
    # dies in the middle of a protocol exchange: still 503, not 500.
    with pytest.raises(StoreUnavailable, match="InternalClientError"):
        async with translated("postgresql://127.0.0.1:5432/test"):
            raise asyncpg.InternalClientError("cannot switch to state 12")
