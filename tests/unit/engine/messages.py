"""edXML test messages: documents from the shared sample (fields swapped in),
statuses built with the edXML builder."""

from __future__ import annotations

import hashlib
import re
from datetime import date, datetime
from itertools import count
from pathlib import Path

from node.app.demo import messages as demo_messages
from node.model import StatusCode
from node.ports import IncomingBody

SAMPLE = Path(__file__).resolve().parents[2] / "data" / "samples" / "document.edxml"
_numbers = count(100)


def document(
    sender: str,
    recipients: tuple[str, ...],
    *,
    number: int | None = None,
    priority: int = 0,
    due: date | None = date(2026, 12, 4),
) -> tuple[bytes, str]:
    """A document (bytes) and its DocumentId."""
    text = SAMPLE.read_text(encoding="utf-8")
    n = number if number is not None else next(_numbers)
    document_id = f"{sender},2026/11/20,{n}/UBND-KGVX"
    text = re.sub(
        r"(<edXML:From>\s*<edXML:OrganId>)[^<]+", lambda m: m.group(1) + sender, text, count=1
    )
    tos = "".join(
        f"<edXML:To><edXML:OrganId>{r}</edXML:OrganId>"
        f"<edXML:OrganName>Đơn vị {i}</edXML:OrganName></edXML:To>"
        for i, r in enumerate(recipients)
    )
    text = re.sub(r"(\s*<edXML:To>.*?</edXML:To>)+", tos, text, count=1, flags=re.S)
    text = re.sub(r"<edXML:DocumentId>[^<]+", f"<edXML:DocumentId>{document_id}", text, count=1)
    text = re.sub(r"<edXML:CodeNumber>[^<]+", f"<edXML:CodeNumber>{n}", text, count=1)
    text = re.sub(r"<edXML:Priority>[^<]+", f"<edXML:Priority>{priority}", text, count=1)
    if due is None:
        text = re.sub(r"\s*<edXML:DueDate>[^<]+</edXML:DueDate>", "", text, count=1)
    else:
        text = re.sub(r"<edXML:DueDate>[^<]+", f"<edXML:DueDate>{due:%Y/%m/%d}", text, count=1)
    return text.encode("utf-8"), document_id


def status(
    reporter: str,
    document_id: str,
    code: str,
    at: datetime,
    *,
    description: str | None = None,
) -> bytes:
    return demo_messages.status(reporter, document_id, StatusCode(code), at, description)


def spooled(folder: Path, data: bytes) -> IncomingBody:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"spool-{next(_numbers)}.xml"
    path.write_bytes(data)
    return IncomingBody(path, len(data), hashlib.sha256(data).hexdigest())


def status_code(data: bytes) -> str | None:
    """The StatusCode in a status message's bytes (any namespace prefix)."""
    found = re.search(rb"<(?:[\w.-]+:)?StatusCode>\s*(\d\d)\s*<", data)
    return found.group(1).decode() if found else None
