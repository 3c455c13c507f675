"""The exchange facade (:class:`node.ports.api.ExchangeApi`): what the DMS API and
the peer API call. Ingest is here; the DMS's mailbox is :mod:`node.engine.mailbox`."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from node.engine.accepting import ACCEPTED, Accepting, duplicate, store_intake
from node.engine.business import KEY as BUSINESS
from node.engine.business import key_suffix, links
from node.engine.idempotency import client_keys, document_keys, status_key, transfer_key
from node.engine.intake import (
    Files,
    Intake,
    Sealed,
    Sealing,
    check_submission,
    check_transfer,
    rejected,
    spilled,
    status_effects,
)
from node.engine.mailbox import Mailbox
from node.engine.observer import EngineObserver
from node.engine.refusal import refuse_document
from node.engine.settings import EngineSettings
from node.engine.views import bad_request
from node.errors import (
    Conflict,
    Forbidden,
    LienthongError,
    SignatureRejected,
    StoreUnavailable,
    UnknownDestination,
)
from node.model import Envelope, MessageKind, Status
from node.ports.api import DmsPrincipal, IncomingBody, PeerPrincipal, SubmitResult
from node.ports.driven import Direction, Hop, TransferMeta
from node.routing import check_hops
from node.store.port import Store
from node.store.records import NewAuditEntry, Source

log = logging.getLogger("lienthong.engine")
MAX_KEY = 200
"""Longest Idempotency-Key accepted."""


@dataclass(eq=False, kw_only=True)
class Exchange(Mailbox):
    """What comes in (a DMS submitting, a peer delivering); the mailbox the DMS
    reads is the base class's."""

    settings: EngineSettings
    observer: EngineObserver
    sealing: Sealing
    accepting: Accepting

    # ------------------------------------------------------------------ submit (DMS)

    async def submit(
        self,
        body: IncomingBody,
        *,
        principal: DmsPrincipal,
        kind: MessageKind,
        idempotency_key: str | None = None,
    ) -> SubmitResult:
        files = Files(*body.files)
        try:
            body = await spilled(self.sealing, body, files)
            result = await self._submit(body, principal, kind, idempotency_key, files)
            if result.duplicate:
                self.observer.on_accept(kind, Source.DMS, duplicate=True)
            return result
        except LienthongError as exc:
            self.observer.on_refuse(Source.DMS, exc.kind)
            if isinstance(exc, SignatureRejected | Forbidden):
                await self._audit_refusal(
                    f"dms:{principal.client_id}", f"sha256:{body.sha256}", exc
                )
            raise
        finally:
            await files.discard()

    async def _submit(
        self,
        body: IncomingBody,
        principal: DmsPrincipal,
        kind: MessageKind,
        idem: str | None,
        files: Files,
    ) -> SubmitResult:
        def may_send(env: Envelope) -> None:
            if env.sender not in principal.organs:
                raise Forbidden(
                    f"DMS client {principal.client_id} may not send as {env.sender} "
                    f"(it speaks for {', '.join(sorted(principal.organs))})"
                )

        checked = await check_submission(self.sealing, body, kind, may_send, files)
        env = checked.envelope
        keys: list[str] = []
        if idem is not None:
            if not 0 < len(idem) <= MAX_KEY or not idem.isprintable():
                raise bad_request("Idempotency-Key", f"must be 1 to {MAX_KEY} printable characters")
            same, reused = client_keys(principal.client_id, idem, body.sha256)
            hits = await self.store.find_keys([same, reused])
            if same in hits:
                return duplicate(hits[same])
            if reused in hits:
                raise Conflict(f"Idempotency-Key {idem!r} was already used for different bytes")
            keys += [same, reused]
        effects = None
        notes: dict[str, Any] = {}
        if isinstance(env.header, Status):
            key = _status_key(env.header)
            hits = await self.store.find_keys([key])
            if hits:
                return duplicate(hits[key])
            # An exchange node below relays statuses its own node checked; they
            # may overtake each other on the way, as between peers.
            strict = principal.client_id not in self.settings.exchange_nodes
            effects = await status_effects(self.store, env.header, relayed_to=None, strict=strict)
            if effects.already is not None:
                return SubmitResult(effects.already, env.document_id, ACCEPTED, duplicate=True)
            recipients = effects.recipients
            keys.append(key)
        else:
            found = await self._new_recipients(env, env.recipients, body.sha256)
            if isinstance(found, SubmitResult):
                return found
            recipients, doc_keys = found
            keys += doc_keys
            notes = await _business_notes(self.store, env)
        self.settings.routing.plan(recipients)  # refuse unknown destinations before signing
        intake = Intake(
            envelope=env,
            sealed=await checked.sealed(self.sealing, body, files),
            source=Source.DMS,
            source_name=principal.client_id,
            recipients=recipients,
            hops=(Hop(self.settings.node_organ, self.clock.now(), Direction.IN),),
            keys=tuple(keys),
            effects=effects,
            tracked=recipients if env.kind is MessageKind.DOCUMENT else (),
            notes=notes,
        )
        return await store_intake(self.accepting, intake, files)

    async def _new_recipients(
        self, env: Envelope, recipients: Sequence[str], sha256: str
    ) -> SubmitResult | tuple[tuple[str, ...], tuple[str, ...]]:
        """The recipients this document was not yet stored for (with their keys),
        or the first answer when it was stored for all of them. An update,
        recall or replacement is keyed by its business type and bytes too: it
        shares the original's DocumentId but is a new message (domain §4)."""
        keys = document_keys(env.document_id, env.sender, recipients, key_suffix(env, sha256))
        hits = await self.store.find_keys(keys)
        if len(hits) == len(keys):
            return duplicate(hits[keys[0]])
        fresh = tuple(r for r, k in zip(recipients, keys, strict=True) if k not in hits)
        return fresh, tuple(k for k in keys if k not in hits)

    # ------------------------------------------------------------------ receive (peer)

    async def receive(
        self, body: IncomingBody, *, peer: PeerPrincipal, meta: TransferMeta
    ) -> SubmitResult:
        files = Files(*body.files)
        try:
            body = await spilled(self.sealing, body, files)
            result = await self._receive(body, peer, meta, files)
            if result.duplicate:
                self.observer.on_accept(meta.kind, Source.PEER, duplicate=True)
            return result
        except LienthongError as exc:
            self.observer.on_refuse(Source.PEER, exc.kind)
            if not isinstance(exc, StoreUnavailable):
                await self._audit_refusal(f"peer:{peer.peer_id}", meta.message_id, exc)
            raise
        finally:
            await files.discard()

    async def _receive(
        self, body: IncomingBody, peer: PeerPrincipal, meta: TransferMeta, files: Files
    ) -> SubmitResult:
        check_hops(meta.hops, node_organ=self.settings.node_organ, limit=self.settings.hop_limit)
        if not meta.recipients or not meta.message_id:
            raise bad_request(
                "Lienthong-Recipients", "a transfer needs a message id and recipients"
            )
        tkey = transfer_key(meta.message_id, meta.recipients)
        hits = await self.store.find_keys([tkey])
        if hits:
            first = hits[tkey]
            if first.sha256 != body.sha256:
                # A redelivery carries the same bytes; other bytes under the same
                # id are a different message, never to be swallowed as a duplicate.
                raise Conflict(
                    f"message {meta.message_id} was already received with other content "
                    f"(SHA-256 {first.sha256}); a message id names one message"
                )
            return duplicate(first)

        def may_deliver(env: Envelope) -> None:
            _check_recipients(env, meta)
            self._check_peer(env.sender, peer)

        env, outcome, report = await check_transfer(self.sealing, body, meta.kind, may_deliver)
        if not outcome.accepted:
            if env.kind is MessageKind.DOCUMENT:
                await refuse_document(self.accepting, env, meta, outcome, via_peer=peer.peer_id)
            raise rejected(outcome, f"message {meta.message_id} from {env.sender}")
        keys = [tkey]
        effects = None
        notes: dict[str, Any] = {}
        if isinstance(env.header, Status):
            key = _status_key(env.header)
            hits = await self.store.find_keys([key])
            if hits:
                return duplicate(hits[key])
            effects = await status_effects(
                self.store, env.header, relayed_to=meta.recipients, strict=False
            )
            if effects.already is not None:
                return SubmitResult(effects.already, env.document_id, ACCEPTED, duplicate=True)
            if effects.problem:
                notes["status_rules"] = effects.problem
            recipients = meta.recipients
            keys.append(key)
        else:
            found = await self._new_recipients(env, meta.recipients, body.sha256)
            if isinstance(found, SubmitResult):
                return found
            recipients, doc_keys = found
            keys += doc_keys
            notes.update(await _business_notes(self.store, env))
        local = self.settings.routing.local_organs
        now = self.clock.now()
        intake = Intake(
            envelope=env,
            sealed=_sealed(body, report),
            source=Source.PEER,
            source_name=peer.peer_id,
            recipients=recipients,
            hops=(*meta.hops, Hop(self.settings.node_organ, now, Direction.IN)),
            keys=tuple(keys),
            origin_id=meta.message_id,
            via_peer=peer.peer_id,
            effects=effects,
            tracked=tuple(r for r in recipients if r in local)
            if env.kind is MessageKind.DOCUMENT
            else (),
            notes=notes,
        )
        return await store_intake(self.accepting, intake, files)

    def _check_peer(self, sender: str, peer: PeerPrincipal) -> None:
        """A peer delivers only what comes From an organ it speaks for
        (``peers[].organs``), never From a local organ, and only along the
        route back to that sender."""
        settings = self.settings
        if sender in settings.routing.local_organs:
            raise Forbidden(
                f"peer {peer.peer_id} may not deliver messages from {sender}: "
                "it is an organ of this node"
            )
        patterns = settings.speaks_for(peer)
        if not any(p.matches(sender) for p in patterns):
            spoken = ", ".join(str(p) for p in patterns) or "no organ"
            raise Forbidden(
                f"peer {peer.peer_id} may not deliver messages from {sender}: "
                f"it speaks for {spoken} (peers[].organs)"
            )
        try:
            expected = self.settings.routing.peer_expected_for(sender)
        except UnknownDestination:
            expected = None
        if expected != peer.peer_id:
            where = f"peer {expected}" if expected else "no peer (a local organ or no route back)"
            raise Forbidden(
                f"peer {peer.peer_id} may not deliver messages from {sender}: "
                f"the routing table expects {where}"
            )

    # ------------------------------------------------------------------ helpers

    async def _audit_refusal(self, actor: str, subject: str, exc: LienthongError) -> None:
        entry = NewAuditEntry(
            self.clock.now(),
            actor,
            "refuse",
            subject,
            {"kind": exc.kind, "detail": exc.detail},
        )
        try:
            await self.store.append_audit(entry)
        except StoreUnavailable as failure:
            log.warning("refusal of %s not audited: %s", subject, failure.detail)


async def _business_notes(store: Store, env: Envelope) -> dict[str, Any]:
    note = await links(store, env)
    return {} if note is None else {BUSINESS: note}


def _status_key(status: Status) -> str:
    return status_key(
        status.response_for.document_id,
        status.from_.organ_id,
        status.status_code.value,
        status.timestamp,
    )


def _check_recipients(env: Envelope, meta: TransferMeta) -> None:
    if isinstance(env.header, Status):
        return  # checked against this node's record of the document (status_effects)
    allowed = set(env.recipients)
    stray = [r for r in meta.recipients if r not in allowed]
    if stray:
        raise bad_request(
            "Lienthong-Recipients", f"{', '.join(stray)} not among the message's recipients"
        )


def _sealed(body: IncomingBody, report: Mapping[str, Any]) -> Sealed:
    return Sealed(body.source, body.size, body.sha256, report)
