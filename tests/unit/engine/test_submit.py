"""Submitting a document: checks, storage in one go, fan-out, automatic 01."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest

from node.engine import SigningMode
from node.errors import (
    BadRequest,
    Conflict,
    Forbidden,
    SignatureRejected,
    StoreUnavailable,
    TooLarge,
    UnknownDestination,
    ValidationFailed,
)
from node.model import MessageKind
from node.ports.driven import DestinationKind
from node.store.records import SearchFilter
from tests.support.engine_fakes import SIGNED_MARK
from tests.support.messages import document, status_code
from tests.unit.engine.conftest import DMS_STTTT, DMS_UBND, STTTT, UBND, VPCP, Node, routing

pytestmark = pytest.mark.usefixtures("both_paths")


async def _all_messages(node: Node) -> list[str]:
    page, _ = await node.store.search(SearchFilter(), limit=100, after=None)
    return [m.id for m in page]


async def test_a_document_is_stored_routed_and_answered_with_01(node: Node) -> None:
    data, doc_id = document(UBND, (STTTT, VPCP))

    result = await node.submit(data)

    assert (result.document_id, result.state, result.duplicate) == (doc_id, "accepted", False)
    stored = await node.store.body(result.id)
    assert b"".join([c async for c in stored.chunks()]) == data, "bytes stored exactly as received"
    (delivery,) = await node.store.deliveries(result.id)
    assert (delivery.destination.kind, delivery.destination.name, delivery.recipients) == (
        DestinationKind.PEER,
        "vpcp",
        (VPCP,),
    )
    inbox = await node.exchange.inbox(DMS_STTTT, limit=10, cursor=None)
    assert [(i.id, i.kind) for i in inbox.items] == [(result.id, MessageKind.DOCUMENT)]
    back = await node.exchange.inbox(DMS_UBND, limit=10, cursor=None)
    assert [(i.kind, i.from_, i.status_code) for i in back.items] == [
        (MessageKind.STATUS, STTTT, "01")
    ]
    assert [s.code for s in await node.store.status_history(doc_id, STTTT)] == ["01"]


async def test_the_automatic_01_is_signed_for_the_recipient(node: Node) -> None:
    data, _ = document(UBND, (STTTT,))
    await node.submit(data)
    (item,) = (await node.exchange.inbox(DMS_UBND, limit=10, cursor=None)).items
    body = await node.exchange.open_message(item.id, DMS_UBND)
    raw = b"".join([c async for c in body.chunks()])
    assert raw.endswith(SIGNED_MARK + STTTT.encode() + b" -->")
    assert status_code(raw) == "01"


async def test_sending_as_another_organ_is_forbidden(node: Node) -> None:
    data, _ = document(UBND, (STTTT,))
    with pytest.raises(Forbidden, match=r"may not send as 000\.00\.00\.H41"):
        await node.submit(data, principal=DMS_STTTT)
    assert await _all_messages(node) == []


async def test_a_status_posted_as_a_document_is_refused(node: Node) -> None:
    from tests.support.messages import status
    from tests.unit.engine.conftest import T0

    with pytest.raises(ValidationFailed, match="expected a document"):
        await node.submit(status(STTTT, f"{UBND},2026/11/20,1/X", "03", T0), principal=DMS_STTTT)


async def test_an_unknown_destination_is_refused_not_dropped(make_node) -> None:  # type: ignore[no-untyped-def]
    node = await make_node(routing=routing(default=None))
    data, _ = document(UBND, (STTTT, "000.00.00.K99"))
    with pytest.raises(UnknownDestination, match=r"000\.00\.00\.K99"):
        await node.submit(data)
    assert await _all_messages(node) == []


async def test_a_resubmission_answers_the_first_result_and_stores_nothing(node: Node) -> None:
    data, _ = document(UBND, (STTTT, VPCP))
    first = await node.submit(data)
    count = len(await _all_messages(node))

    again = await node.submit(data)

    assert (again.id, again.document_id, again.duplicate) == (first.id, first.document_id, True)
    assert len(await _all_messages(node)) == count


async def test_a_resubmission_with_a_new_recipient_goes_only_to_it(node: Node) -> None:
    number = 4242
    first, _ = document(UBND, (STTTT,), number=number)
    wider, _ = document(UBND, (STTTT, VPCP), number=number)
    await node.submit(first)

    result = await node.submit(wider)

    assert not result.duplicate
    record = await node.store.message(result.id)
    assert record is not None
    assert record.recipients == (VPCP,)
    assert len((await node.exchange.inbox(DMS_STTTT, limit=10, cursor=None)).items) == 1


async def test_idempotency_key_answers_first_result_or_conflicts(node: Node) -> None:
    data, _ = document(UBND, (STTTT,))
    other, _ = document(UBND, (STTTT,))
    first = await node.submit(data, idempotency_key="k-1")
    assert (await node.submit(data, idempotency_key="k-1")).id == first.id
    with pytest.raises(Conflict, match="k-1"):
        await node.submit(other, idempotency_key="k-1")


async def test_dms_signature_is_verified_and_refused_with_reasons(node: Node) -> None:
    node.verifier.accepted = False
    node.verifier.reasons = ("certificate revoked",)
    data, _ = document(UBND, (STTTT,))
    with pytest.raises(SignatureRejected) as refused:
        await node.submit(data)
    assert refused.value.reasons == ("certificate revoked",)
    assert await _all_messages(node) == []
    entries = await node.store.audit_entries(limit=10, after=None)
    assert [(e.action, e.details["kind"]) for e in entries] == [("refuse", "signature-rejected")]


async def test_node_signs_for_organs_configured_so(make_node) -> None:  # type: ignore[no-untyped-def]
    node = await make_node(signing={STTTT: SigningMode.NODE})
    data, _ = document(STTTT, (UBND,))
    result = await node.submit(data, principal=DMS_STTTT)
    stored = await node.store.body(result.id)
    raw = b"".join([c async for c in stored.chunks()])
    assert raw == data + SIGNED_MARK + STTTT.encode() + b" -->"
    assert node.verifier.calls == []
    detail = await node.admin.detail(result.id)
    assert detail.verification == {"signed_by_node": STTTT}


async def test_a_failed_write_of_the_signed_copy_is_503_and_stores_nothing(
    make_node,
    both_paths: str,
    monkeypatch: pytest.MonkeyPatch,  # type: ignore[no-untyped-def]
) -> None:
    if both_paths == "in-memory":
        pytest.skip("a small body in memory is signed into bytes: no signed copy file to fill")
    node = await make_node(signing={STTTT: SigningMode.NODE})
    real_write = Path.write_bytes

    def full_disk(self: Path, data: bytes) -> int:
        if self.name.endswith(".signed"):
            raise OSError(errno.ENOSPC, "No space left on device")
        return real_write(self, data)

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    data, _ = document(STTTT, (UBND,))
    with pytest.raises(StoreUnavailable, match="signed copy: No space left") as refused:
        await node.submit(data, principal=DMS_STTTT)
    assert refused.value.http_status == 503
    assert await _all_messages(node) == []
    assert list(node.spool.iterdir()) == []


async def test_spool_files_are_gone_after_accept_and_after_refusal(node: Node) -> None:
    data, _ = document(UBND, (STTTT,))
    body = node.body(data)
    await node.exchange.submit(body, principal=DMS_UBND, kind=MessageKind.DOCUMENT)
    refused = node.body(data)
    with pytest.raises(Forbidden):
        await node.exchange.submit(refused, principal=DMS_STTTT, kind=MessageKind.DOCUMENT)
    assert not body.path.exists()
    assert not refused.path.exists()


@pytest.mark.parametrize("key", ["", "x" * 201, "tab\there"])
async def test_a_malformed_idempotency_key_is_refused(node: Node, key: str) -> None:
    data, _ = document(UBND, (STTTT,))
    with pytest.raises(BadRequest, match="Idempotency-Key"):
        await node.submit(data, idempotency_key=key)


async def test_a_message_too_big_to_ever_sign_in_the_memory_budget_is_413(  # type: ignore[no-untyped-def]
    make_node,
) -> None:
    node = await make_node(signing={STTTT: SigningMode.NODE}, signature_memory=10_000)
    data, _ = document(STTTT, (UBND,))  # ~5 KB: signing it needs ~35 KB
    with pytest.raises(TooLarge, match="signature_memory = 10000 bytes"):
        await node.submit(data, principal=DMS_STTTT)
    assert await _all_messages(node) == []
    assert list(node.spool.iterdir()) == []


# The signature is checked (or made) in the same trip off the loop as the
# validation, ahead of the store's checks; its refusal is raised where the
# seal used to run, so these answers are the same as with one step at a time.


async def test_a_resubmission_answers_duplicate_even_if_its_signature_now_fails(
    node: Node,
) -> None:
    data, _ = document(UBND, (STTTT,))
    first = await node.submit(data)
    node.verifier.accepted = False
    node.verifier.reasons = ("certificate revoked since",)

    again = await node.submit(data)

    assert (again.id, again.duplicate) == (first.id, True)
    entries = await node.store.audit_entries(limit=10, after=None)
    assert [e for e in entries if e.action == "refuse"] == []


async def test_an_unknown_destination_is_named_before_a_failing_signature(make_node) -> None:  # type: ignore[no-untyped-def]
    node = await make_node(routing=routing(default=None))
    node.verifier.accepted = False
    data, _ = document(UBND, (STTTT, "000.00.00.K99"))
    with pytest.raises(UnknownDestination, match=r"000\.00\.00\.K99"):
        await node.submit(data)
    assert list(node.spool.iterdir()) == []


async def test_a_resubmission_the_node_signs_leaves_no_signed_copy_behind(make_node) -> None:  # type: ignore[no-untyped-def]
    node = await make_node(signing={STTTT: SigningMode.NODE})
    data, _ = document(STTTT, (UBND,))
    first = await node.submit(data, principal=DMS_STTTT)

    again = await node.submit(data, principal=DMS_STTTT)

    assert (again.id, again.duplicate) == (first.id, True)
    assert list(node.spool.iterdir()) == []
