"""Idempotency keys: what makes a second arrival of the same message a
duplicate (one document per DocumentId, sender and recipient; one status per
fact; a DMS's Idempotency-Key; a peer's transfer)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime

from node.store.rows import iso


def document_keys(
    document_id: str, sender: str, recipients: Iterable[str], suffix: str = ""
) -> tuple[str, ...]:
    """``suffix``: the business type and body hash of an update, recall or
    replacement (``node.engine.business.key_suffix``); empty for a new document."""
    return tuple(f"doc|{document_id}|{sender}|{r}{suffix}" for r in recipients)


def status_key(document_id: str, reporter: str, code: str, at: datetime) -> str:
    return f"status|{document_id}|{reporter}|{code}|{iso(at)}"


def client_keys(client_id: str, key: str, sha256: str) -> tuple[str, str]:
    """(same key and same body, same key): the first hit means duplicate, the
    second alone means the key was reused for different bytes."""
    return (f"idem|{client_id}|{key}|{sha256}", f"idem|{client_id}|{key}")


def transfer_key(message_id: str, recipients: Sequence[str]) -> str:
    return f"transfer|{message_id}|{','.join(sorted(recipients))}"
