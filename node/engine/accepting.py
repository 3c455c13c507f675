"""Storing a checked message: one transaction with its deliveries, inbox rows,
status history, keys and — for a document reaching local inboxes — the
automatic status 01 of each local recipient, routed back to the sender.

What leaves an unacknowledged inbox with it: a 15 takes the document back
from its reporter's inbox; a recall (thu hồi) document withdraws the documents
it recalls from the inboxes it reaches here (domain §4)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass

from node.engine.business import KEY as BUSINESS
from node.engine.intake import Files, Intake
from node.engine.observer import EngineObserver
from node.engine.plan import Placement, place, route_back
from node.engine.settings import EngineSettings
from node.engine.statuses import ARRIVED_TEXT, StatusDraft, StatusWriter
from node.model import MessageHeader, ResponseFor, Status, StatusCode
from node.ports.api import SubmitResult
from node.ports.driven import Clock
from node.store.port import Store
from node.store.records import KeyHit, NewMessage, Source, new_id

ACCEPTED = "accepted"


@dataclass(frozen=True)
class Accepting:
    """What storing a checked message takes; ``wakeup`` is set when deliveries
    were stored, so that the workers claim them at once."""

    settings: EngineSettings
    store: Store
    clock: Clock
    observer: EngineObserver
    statuses: StatusWriter
    wakeup: asyncio.Event


def duplicate(hit: KeyHit) -> SubmitResult:
    return SubmitResult(hit.message_id, hit.document_id, ACCEPTED, duplicate=True)


async def store_intake(acc: Accepting, intake: Intake, files: Files) -> SubmitResult:
    """Store ``intake``; the spooled ``files`` pass to the store with it."""
    env = intake.envelope
    placement = place(acc.settings.routing.plan(intake.recipients), acc.settings)
    mid = new_id()
    effects = intake.effects
    message = NewMessage(
        id=mid,
        origin_id=intake.origin_id or mid,
        kind=env.kind,
        document_id=env.document_id,
        sender=env.sender,
        recipients=intake.recipients,
        source=intake.source,
        source_name=intake.source_name,
        received_at=acc.clock.now(),
        body=intake.sealed.body,
        size=intake.sealed.size,
        sha256=intake.sealed.sha256,
        priority=env.priority,
        status_code=env.header.status_code.value if isinstance(env.header, Status) else None,
        due_date=env.header.due_date if isinstance(env.header, MessageHeader) else None,
        hops=intake.hops,
        deliveries=placement.deliveries,
        inbox=placement.inbox,
        statuses=effects.history if effects else (),
        keys=intake.keys,
        tracked=intake.tracked,
        inbox_removals=effects.removals if effects else _withdrawn(intake, placement),
        verification={**intake.sealed.verification, **intake.notes},
    )
    arrivals = await _arrivals(acc, intake, placement)
    files.handed_over()
    outcome = await acc.store.accept([message, *arrivals])
    if outcome.duplicate_of is not None:
        return duplicate(outcome.duplicate_of)
    acc.observer.on_accept(env.kind, intake.source, duplicate=False)
    for arrival in arrivals:
        acc.observer.on_accept(arrival.kind, Source.NODE, duplicate=False)
    if message.deliveries or any(a.deliveries for a in arrivals):
        acc.wakeup.set()
    return SubmitResult(mid, env.document_id, ACCEPTED)


def _withdrawn(intake: Intake, placement: Placement) -> tuple[tuple[str, str], ...]:
    """A recall (thu hồi) reaching local inboxes: (DocumentId, organ) of what it
    withdraws there — the documents under its DocumentId (and the original's,
    when that has another) not yet acknowledged by the organ: a DMS is no longer
    offered as new a document its sender has revoked. One it already took stays
    taken; the recall itself (linked to the original) is in the inbox either way."""
    note = intake.notes.get(BUSINESS)
    if not isinstance(note, Mapping) or note.get("type") != "recall":
        return ()
    originals = dict.fromkeys([intake.envelope.document_id, note.get("original_document_id")])
    organs = dict.fromkeys(e.organ for e in placement.inbox)
    return tuple((d, o) for d in originals if isinstance(d, str) and d for o in organs)


async def _arrivals(acc: Accepting, intake: Intake, placement: Placement) -> list[NewMessage]:
    """The automatic 01 of every local recipient of a document (domain §3),
    except those an exchange node below answers for itself."""
    env = intake.envelope
    local = acc.settings.routing.local_organs
    relays = acc.settings.exchange_nodes
    organs = [o for o in placement.local_organs if local.get(o) not in relays]
    if not isinstance(env.header, MessageHeader) or not organs:
        return []
    header = env.header
    response_for = ResponseFor(
        organ_id=env.sender,
        code=str(header.code),
        promulgation_date=header.promulgation_info.promulgation_date,
        document_id=header.document_id,
    )
    # An update, recall or replacement (or an original arriving after one of
    # them) reaches recipients who already have the DocumentId: their 01 is
    # recorded once, for the DocumentId (domain §3).
    organs = [o for o in organs if not await _arrived(acc.store, header.document_id, o)]
    return [
        await acc.statuses.build(
            StatusDraft(
                reporter=organ,
                code=StatusCode.ARRIVED,
                response_for=response_for,
                description=ARRIVED_TEXT,
                to=env.sender,
                priority=env.priority,
            ),
            route_back(acc.settings, env.sender, via_peer=intake.via_peer),
        )
        for organ in organs
    ]


async def _arrived(store: Store, document_id: str, organ: str) -> bool:
    history = await store.status_history(document_id, organ)
    return any(h.code == StatusCode.ARRIVED.value for h in history)
