"""A fake ExchangeApi for adapter tests: records submits and answers a repeated
idempotency key with the first result, as the engine does."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from pathlib import Path

from node.errors import LienthongError
from node.model import MessageKind
from node.ports.api import DmsPrincipal, IncomingBody, SubmitResult


@dataclass(frozen=True)
class SubmitCall:
    content: bytes
    kind: MessageKind
    principal: DmsPrincipal
    idempotency_key: str | None
    body: IncomingBody


@dataclass
class FakeExchange:
    calls: list[SubmitCall] = field(default_factory=list)
    first_answers: dict[str, SubmitResult] = field(default_factory=dict)
    fail_with: LienthongError | None = None
    submitted: asyncio.Event = field(default_factory=asyncio.Event)

    async def submit(
        self,
        body: IncomingBody,
        *,
        principal: DmsPrincipal,
        kind: MessageKind,
        idempotency_key: str | None = None,
    ) -> SubmitResult:
        content = body.path.read_bytes()
        self.calls.append(SubmitCall(content, kind, principal, idempotency_key, body))
        body.path.unlink()  # the engine takes ownership: moved into the store
        if self.fail_with is not None:
            raise self.fail_with
        self.submitted.set()
        key = idempotency_key or f"no-key-{len(self.calls)}"
        if key in self.first_answers:
            first = self.first_answers[key]
            return SubmitResult(first.id, first.document_id, first.state, duplicate=True)
        result = SubmitResult(f"msg-{len(self.first_answers) + 1}", "doc-1", "accepted")
        self.first_answers[key] = result
        return result

    def stored(self) -> int:
        return len(self.first_answers)


def spool_files(spool: Path) -> list[str]:
    return sorted(p.name for p in spool.iterdir()) if spool.exists() else []
