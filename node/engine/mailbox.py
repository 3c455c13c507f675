"""The DMS's mailbox (the reading half of :class:`node.ports.api.ExchangeApi`):
its inbox, a message's bytes, acknowledgement and trace, each only of what the
DMS may see."""

from __future__ import annotations

from dataclasses import dataclass, replace

from node.engine.business import chain
from node.engine.views import check_limit, decode_cursor, encode_cursor, trace_view
from node.errors import NotFound
from node.ports.api import DmsPrincipal, InboxPage, Trace
from node.ports.driven import Clock, StoredBody
from node.store.port import Store
from node.store.records import AckResult


@dataclass(eq=False, kw_only=True)
class Mailbox:
    store: Store
    clock: Clock

    async def inbox(self, principal: DmsPrincipal, *, limit: int, cursor: str | None) -> InboxPage:
        items, after = await self.store.inbox(
            sorted(principal.organs), limit=check_limit(limit), after=decode_cursor(cursor)
        )
        return InboxPage(items, encode_cursor(after))

    async def open_message(self, message_id: str, principal: DmsPrincipal) -> StoredBody:
        await self._visible(message_id, principal)
        return await self.store.body(message_id)

    async def ack(self, message_id: str, principal: DmsPrincipal) -> None:
        result = await self.store.ack(
            message_id,
            sorted(principal.organs),
            at=self.clock.now(),
            actor=f"dms:{principal.client_id}",
        )
        if result is AckResult.NOT_FOUND:
            raise NotFound(f"message {message_id} is not in the inbox of {principal.client_id}")

    async def trace(self, message_id: str, principal: DmsPrincipal) -> Trace:
        await self._visible(message_id, principal)
        record = await self.store.trace(message_id)
        if record is None:
            raise NotFound(f"no message {message_id}")
        links = await chain(self.store, record.message, visible_to=principal.organs)
        return replace(trace_view(record), chain=links)

    async def _visible(self, message_id: str, principal: DmsPrincipal) -> None:
        """A DMS sees what it sent and what reached its organs' inboxes; for
        anything else the answer is the same as for a message that does not exist."""
        record = await self.store.message(message_id)
        if record is not None and (
            record.sender in principal.organs
            or await self.store.in_inbox_of(message_id, sorted(principal.organs))
        ):
            return
        raise NotFound(f"no message {message_id} for {principal.client_id}")
