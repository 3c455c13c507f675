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
from node.ports.api import IncomingBody

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
    response_organ: str | None = None,
) -> bytes:
    """A status; ``response_organ``: the ResponseFor/OrganId to write instead of
    the document's sender (the national 13 names the recipient there)."""
    data = demo_messages.status(reporter, document_id, StatusCode(code), at, description)
    if response_organ is None:
        return data
    new, n = re.subn(
        rb"(<(?:[\w.-]+:)?ResponseFor>\s*<(?:[\w.-]+:)?OrganId>)[^<]+",
        lambda m: m.group(1) + response_organ.encode(),
        data,
        count=1,
    )
    assert n == 1, "no ResponseFor/OrganId in the status"
    return new


def spooled(folder: Path, data: bytes) -> IncomingBody:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"spool-{next(_numbers)}.xml"
    path.write_bytes(data)
    return IncomingBody(path, len(data), hashlib.sha256(data).hexdigest())


def status_code(data: bytes) -> str | None:
    """The StatusCode in a status message's bytes (any namespace prefix)."""
    found = re.search(rb"<(?:[\w.-]+:)?StatusCode>\s*(\d\d)\s*<", data)
    return found.group(1).decode() if found else None


def business_document(
    sender: str,
    recipients: tuple[str, ...],
    *,
    number: int,
    doc_type: int,
    reason: str = "",
    subject: str | None = None,
    receivers: tuple[tuple[str, int], ...] = (),
    replaces: tuple[tuple[str, tuple[str, ...]], ...] = (),
) -> tuple[bytes, str]:
    """A document of a business flow (domain §4): 0 new, 1 recall, 2 update
    (``receivers``: its ReceiverList), 3 replacement (``replaces``: DocumentId
    and organs of each ReplacementInfo). Same ``number``: same DocumentId."""
    data, document_id = document(sender, recipients, number=number)
    text = data.decode("utf-8")
    parts = [f"<edXML:BussinessDocType>{doc_type}</edXML:BussinessDocType>"]
    parts.append(f"<edXML:BussinessDocReason>{reason or 'flow'}</edXML:BussinessDocReason>")
    parts.append("<edXML:Paper>0</edXML:Paper>")
    if doc_type == 2:
        listed = "".join(
            f"<edXML:Receiver><edXML:OrganId>{o}</edXML:OrganId>"
            f"<edXML:ReceiverType>{t}</edXML:ReceiverType></edXML:Receiver>"
            for o, t in receivers
        )
        parts.append(
            "<edXML:BussinessDocumentInfo>"
            f"<edXML:DocumentInfo>{1 if subject else 0}</edXML:DocumentInfo>"
            f"<edXML:DocumentReceiver>{1 if receivers else 0}</edXML:DocumentReceiver>"
            f"<edXML:ReceiverList>{listed}</edXML:ReceiverList>"
            "</edXML:BussinessDocumentInfo>"
        )
    if replaces:
        infos = "".join(
            f"<edXML:ReplacementInfo><edXML:DocumentId>{d}</edXML:DocumentId><edXML:OrganIdList>"
            + "".join(f"<edXML:OrganId>{o}</edXML:OrganId>" for o in organs)
            + "</edXML:OrganIdList></edXML:ReplacementInfo>"
            for d, organs in replaces
        )
        parts.append(f"<edXML:ReplacementInfoList>{infos}</edXML:ReplacementInfoList>")
    block = f"<edXML:Bussiness>{''.join(parts)}</edXML:Bussiness>"
    text, n = re.subn(r"<edXML:Bussiness>.*?</edXML:Bussiness>", block, text, count=1, flags=re.S)
    assert n == 1
    if subject is not None:
        text = re.sub(r"<edXML:Subject>[^<]+", f"<edXML:Subject>{subject}", text, count=1)
    return text.encode("utf-8"), document_id
