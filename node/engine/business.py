"""Business flows (domain §4): an update, recall (thu hồi) or replacement
carries the original's DocumentId (or names it in ResponseFor/ReplacementInfo)
and is a new message linked to the original, not a duplicate of it.

The link is kept in the message's JSON column (``verification["business"]``):
no migration; the chain of a document is read back from
``Store.documents(document_id)``."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from typing import Any

from node.model import BusinessDocType, Envelope, MessageHeader, MessageKind
from node.ports.api import ChainLink
from node.store.port import Store
from node.store.records import MessageRecord

KEY = "business"
NAMES = {
    BusinessDocType.NEW: "new",
    BusinessDocType.RECALL: "recall",
    BusinessDocType.UPDATE: "update",
    BusinessDocType.REPLACEMENT: "replacement",
}


def flow(env: Envelope) -> BusinessDocType:
    """The document's business type; no ``Bussiness`` block is a new document."""
    return env.business.doc_type if env.business is not None else BusinessDocType.NEW


def key_suffix(env: Envelope, sha256: str) -> str:
    """What the document idempotency key adds to (DocumentId, sender, recipient):
    nothing for a new document (named by its DocumentId: a resubmission with
    other bytes, e.g. signed again, is still the same document), the business
    type and the body's hash for an update/recall/replacement (each is a new act
    on the same DocumentId; only the identical bytes are a duplicate)."""
    kind = flow(env)
    return "" if kind is BusinessDocType.NEW else f"|{NAMES[kind]}|{sha256}"


def references(env: Envelope) -> tuple[str, ...]:
    """Other DocumentIds the document acts on: ``Bussiness/DocumentId``,
    ``ReplacementInfo/DocumentId``, ``ResponseFor/DocumentId`` (a recall names
    its original there)."""
    found: dict[str, None] = {}
    business = env.business
    if business is not None:
        if business.document_id:
            found[business.document_id] = None
        found.update(dict.fromkeys(r.document_id for r in business.replacements if r.document_id))
    header = env.header
    if isinstance(header, MessageHeader):
        found.update(dict.fromkeys(r.document_id for r in header.response_for if r.document_id))
    found.pop(env.document_id, None)
    return tuple(found)


def _type_of(record: MessageRecord) -> str:
    info = record.verification.get(KEY)
    return str(info.get("type", "new")) if isinstance(info, Mapping) else "new"


async def links(store: Store, env: Envelope) -> dict[str, Any] | None:
    """The business note stored with an update/recall/replacement: its type,
    reason, what changed, and the ids of the original and of the previous
    message of the chain on this node (None when this node never stored one)."""
    business = env.business
    if business is None or business.doc_type is BusinessDocType.NEW:
        return None
    refs = references(env)
    original: MessageRecord | None = None
    previous: MessageRecord | None = None
    for document_id in (env.document_id, *refs):
        same = [r for r in await store.documents(document_id) if r.sender == env.sender]
        if not same:
            continue
        if previous is None and document_id == env.document_id:
            previous = same[-1]
        original = next((r for r in same if _type_of(r) == "new"), same[0])
        break
    note: dict[str, Any] = {
        "type": NAMES[business.doc_type],
        "code": int(business.doc_type),
        "reason": business.reason,
        "original": original.id if original else None,
        "original_document_id": original.document_id if original else None,
        "previous": previous.id if previous else None,
        "references": list(refs),
    }
    info = business.document_info
    if info is not None:
        note["changes"] = [
            what
            for what, changed in (
                ("document_info", info.document_info),
                ("receivers", info.document_receiver),
            )
            if changed
        ]
        note["receivers"] = [
            {"organ_id": r.organ_id, "receiver_type": r.receiver_type} for r in info.receivers
        ]
    if business.replacements:
        note["replaces"] = [
            {"document_id": r.document_id, "organs": list(r.organ_ids)}
            for r in business.replacements
        ]
    return note


def _link(record: MessageRecord) -> ChainLink:
    info = record.verification.get(KEY)
    info = info if isinstance(info, Mapping) else {}
    return ChainLink(
        id=record.id,
        business=str(info.get("type", "new")),
        received_at=record.received_at,
        recipients=record.recipients,
        reason=info.get("reason"),
        changes=tuple(info.get("changes", ())),
        original=info.get("original"),
    )


async def chain(
    store: Store, message: MessageRecord, *, visible_to: Collection[str] | None = None
) -> tuple[ChainLink, ...]:
    """The messages of a document's chain on this node, oldest first: the
    original and every update/recall/replacement from the same sender (under
    its DocumentId, and the original it names when that has another id).
    Empty for a document that is alone. ``visible_to``: only the links a DMS of
    these organs sent or received."""
    if message.kind is not MessageKind.DOCUMENT:
        return ()
    records = {
        r.id: r for r in await store.documents(message.document_id) if r.sender == message.sender
    }
    for record in list(records.values()):
        original = _link(record).original
        if original and original not in records:
            found = await store.message(original)
            if found is not None:
                records[found.id] = found
    if len(records) < 2 and _type_of(message) == "new":
        return ()
    ordered: Iterable[MessageRecord] = sorted(records.values(), key=lambda r: r.seq)
    if visible_to is not None:
        organs = set(visible_to)
        ordered = [r for r in ordered if r.sender in organs or organs & set(r.recipients)]
    return tuple(_link(r) for r in ordered)
