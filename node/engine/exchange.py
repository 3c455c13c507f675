"""The exchange facade (:class:`node.ports.ExchangeApi`): what the DMS API and
the peer API call."""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from node.engine.accepting import ACCEPTED, Intake, duplicate, store_intake
from node.engine.business import KEY as BUSINESS
from node.engine.business import chain, key_suffix, links
from node.engine.context import EngineContext
from node.engine.intake import (
    Files,
    Sealed,
    check_submission,
    check_transfer,
    rejected,
    status_effects,
)
from node.engine.plan import client_keys, document_keys, status_key, transfer_key
from node.engine.refusal import refuse_document
from node.engine.views import bad_request, check_limit, decode_cursor, encode_cursor, trace_view
from node.errors import (
    Conflict,
    Forbidden,
    LienthongError,
    NotFound,
    SignatureRejected,
    StoreUnavailable,
    UnknownDestination,
)
from node.model import Envelope, MessageKind, Status
from node.ports.api import DmsPrincipal, InboxPage, IncomingBody, PeerPrincipal, SubmitResult, Trace
from node.ports.driven import Direction, Hop, StoredBody, TransferMeta
from node.routing import check_hops
from node.store.records import AckResult, NewAuditEntry, Source

log = logging.getLogger("lienthong.engine")
MAX_KEY = 200
"""Longest Idempotency-Key accepted."""


class Exchange:
    def __init__(self, ctx: EngineContext) -> None:
        self._ctx = ctx

    # ------------------------------------------------------------------ submit (DMS)

    async def submit(
        self,
        body: IncomingBody,
        *,
        principal: DmsPrincipal,
        kind: MessageKind,
        idempotency_key: str | None = None,
    ) -> SubmitResult:
        files = Files(body.path)
        try:
            result = await self._submit(body, principal, kind, idempotency_key, files)
            if result.duplicate:
                self._ctx.observer.on_accept(kind, Source.DMS, duplicate=True)
            return result
        except LienthongError as exc:
            self._ctx.observer.on_refuse(Source.DMS, exc.kind)
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
        ctx = self._ctx

        def may_send(env: Envelope) -> None:
            if env.sender not in principal.organs:
                raise Forbidden(
                    f"DMS client {principal.client_id} may not send as {env.sender} "
                    f"(it speaks for {', '.join(sorted(principal.organs))})"
                )

        checked = await check_submission(ctx, body, kind, may_send, files)
        env = checked.envelope
        keys: list[str] = []
        if idem is not None:
            if not 0 < len(idem) <= MAX_KEY or not idem.isprintable():
                raise bad_request("Idempotency-Key", f"must be 1 to {MAX_KEY} printable characters")
            same, reused = client_keys(principal.client_id, idem, body.sha256)
            hits = await ctx.store.find_keys([same, reused])
            if same in hits:
                return duplicate(hits[same])
            if reused in hits:
                raise Conflict(f"Idempotency-Key {idem!r} was already used for different bytes")
            keys += [same, reused]
        effects = None
        notes: dict[str, Any] = {}
        if isinstance(env.header, Status):
            key = _status_key(env.header)
            hits = await ctx.store.find_keys([key])
            if hits:
                return duplicate(hits[key])
            # An exchange node below relays statuses its own node checked; they
            # may overtake each other on the way, as between peers.
            strict = principal.client_id not in ctx.settings.exchange_nodes
            effects = await status_effects(ctx, env.header, relayed_to=None, strict=strict)
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
            notes = await _business_notes(ctx, env)
        ctx.settings.routing.plan(recipients)  # refuse unknown destinations before signing
        intake = Intake(
            envelope=env,
            sealed=await checked.sealed(ctx, body, files),
            source=Source.DMS,
            source_name=principal.client_id,
            recipients=recipients,
            hops=(Hop(ctx.node_organ, ctx.clock.now(), Direction.IN),),
            keys=tuple(keys),
            effects=effects,
            tracked=recipients if env.kind is MessageKind.DOCUMENT else (),
            notes=notes,
        )
        return await store_intake(ctx, intake, files)

    async def _new_recipients(
        self, env: Envelope, recipients: Sequence[str], sha256: str
    ) -> SubmitResult | tuple[tuple[str, ...], tuple[str, ...]]:
        """The recipients this document was not yet stored for (with their keys),
        or the first answer when it was stored for all of them. An update,
        recall or replacement is keyed by its business type and bytes too: it
        shares the original's DocumentId but is a new message (domain §4)."""
        keys = document_keys(env.document_id, env.sender, recipients, key_suffix(env, sha256))
        hits = await self._ctx.store.find_keys(keys)
        if len(hits) == len(keys):
            return duplicate(hits[keys[0]])
        fresh = tuple(r for r, k in zip(recipients, keys, strict=True) if k not in hits)
        return fresh, tuple(k for k in keys if k not in hits)

    # ------------------------------------------------------------------ receive (peer)

    async def receive(
        self, body: IncomingBody, *, peer: PeerPrincipal, meta: TransferMeta
    ) -> SubmitResult:
        files = Files(body.path)
        try:
            result = await self._receive(body, peer, meta, files)
            if result.duplicate:
                self._ctx.observer.on_accept(meta.kind, Source.PEER, duplicate=True)
            return result
        except LienthongError as exc:
            self._ctx.observer.on_refuse(Source.PEER, exc.kind)
            if not isinstance(exc, StoreUnavailable):
                await self._audit_refusal(f"peer:{peer.peer_id}", meta.message_id, exc)
            raise
        finally:
            await files.discard()

    async def _receive(
        self, body: IncomingBody, peer: PeerPrincipal, meta: TransferMeta, files: Files
    ) -> SubmitResult:
        ctx = self._ctx
        check_hops(meta.hops, node_organ=ctx.node_organ, limit=ctx.settings.hop_limit)
        if not meta.recipients or not meta.message_id:
            raise bad_request(
                "Lienthong-Recipients", "a transfer needs a message id and recipients"
            )
        tkey = transfer_key(meta.message_id, meta.recipients)
        hits = await ctx.store.find_keys([tkey])
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

        env, outcome, report = await check_transfer(ctx, body, meta.kind, may_deliver)
        if not outcome.accepted:
            if env.kind is MessageKind.DOCUMENT:
                await refuse_document(ctx, env, meta, outcome, via_peer=peer.peer_id)
            raise rejected(outcome, f"message {meta.message_id} from {env.sender}")
        keys = [tkey]
        effects = None
        notes: dict[str, Any] = {}
        if isinstance(env.header, Status):
            key = _status_key(env.header)
            hits = await ctx.store.find_keys([key])
            if hits:
                return duplicate(hits[key])
            effects = await status_effects(
                ctx, env.header, relayed_to=meta.recipients, strict=False
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
            notes.update(await _business_notes(ctx, env))
        local = ctx.settings.routing.local_organs
        now = ctx.clock.now()
        intake = Intake(
            envelope=env,
            sealed=_sealed(body, report),
            source=Source.PEER,
            source_name=peer.peer_id,
            recipients=recipients,
            hops=(*meta.hops, Hop(ctx.node_organ, now, Direction.IN)),
            keys=tuple(keys),
            origin_id=meta.message_id,
            via_peer=peer.peer_id,
            effects=effects,
            tracked=tuple(r for r in recipients if r in local)
            if env.kind is MessageKind.DOCUMENT
            else (),
            notes=notes,
        )
        return await store_intake(ctx, intake, files)

    def _check_peer(self, sender: str, peer: PeerPrincipal) -> None:
        """A peer delivers only what comes From an organ it speaks for
        (``peers[].organs``), never From a local organ, and only along the
        route back to that sender."""
        settings = self._ctx.settings
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
            expected = self._ctx.settings.routing.peer_expected_for(sender)
        except UnknownDestination:
            expected = None
        if expected != peer.peer_id:
            where = f"peer {expected}" if expected else "no peer (a local organ or no route back)"
            raise Forbidden(
                f"peer {peer.peer_id} may not deliver messages from {sender}: "
                f"the routing table expects {where}"
            )

    # ------------------------------------------------------------------ inbox

    async def inbox(self, principal: DmsPrincipal, *, limit: int, cursor: str | None) -> InboxPage:
        items, after = await self._ctx.store.inbox(
            sorted(principal.organs), limit=check_limit(limit), after=decode_cursor(cursor)
        )
        return InboxPage(items, encode_cursor(after))

    async def open_message(self, message_id: str, principal: DmsPrincipal) -> StoredBody:
        await self._visible(message_id, principal)
        return await self._ctx.store.body(message_id)

    async def ack(self, message_id: str, principal: DmsPrincipal) -> None:
        result = await self._ctx.store.ack(
            message_id,
            sorted(principal.organs),
            at=self._ctx.clock.now(),
            actor=f"dms:{principal.client_id}",
        )
        if result is AckResult.NOT_FOUND:
            raise NotFound(f"message {message_id} is not in the inbox of {principal.client_id}")

    async def trace(self, message_id: str, principal: DmsPrincipal) -> Trace:
        await self._visible(message_id, principal)
        record = await self._ctx.store.trace(message_id)
        if record is None:
            raise NotFound(f"no message {message_id}")
        links = await chain(self._ctx, record.message, visible_to=principal.organs)
        return replace(trace_view(record), chain=links)

    async def _visible(self, message_id: str, principal: DmsPrincipal) -> None:
        """A DMS sees what it sent and what reached its organs' inboxes; for
        anything else the answer is the same as for a message that does not exist."""
        record = await self._ctx.store.message(message_id)
        if record is not None and (
            record.sender in principal.organs
            or await self._ctx.store.in_inbox_of(message_id, sorted(principal.organs))
        ):
            return
        raise NotFound(f"no message {message_id} for {principal.client_id}")

    # ------------------------------------------------------------------ helpers

    async def _audit_refusal(self, actor: str, subject: str, exc: LienthongError) -> None:
        entry = NewAuditEntry(
            self._ctx.clock.now(),
            actor,
            "refuse",
            subject,
            {"kind": exc.kind, "detail": exc.detail},
        )
        try:
            await self._ctx.store.append_audit(entry)
        except StoreUnavailable as failure:
            log.warning("refusal of %s not audited: %s", subject, failure.detail)


async def _business_notes(ctx: EngineContext, env: Envelope) -> dict[str, Any]:
    note = await links(ctx, env)
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
    return Sealed(body.path, body.size, body.sha256, report)
