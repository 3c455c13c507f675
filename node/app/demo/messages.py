"""The demo's edXML: a document from the packaged sample, addressed from one
organ to another and carrying a signed PDF as its attachment, and statuses."""

from __future__ import annotations

import dataclasses
from datetime import date, datetime

from node.edxml import build
from node.model import (
    VN_TZ,
    Attachment,
    Code,
    Envelope,
    MessageHeader,
    Organ,
    PromulgationInfo,
    Reference,
    ResponseFor,
    Status,
    StatusCode,
)
from node.validation import parse

NOTATION = "UBND-VP"


def document_id(sender: str, day: date, number: int) -> str:
    return f"{sender},{day:%Y/%m/%d},{number}/{NOTATION}"


def document(
    sender: str, recipient: str, number: int, pdf: bytes, *, subject: str, today: date
) -> bytes:
    """A document from ``sender`` to ``recipient`` with ``pdf`` attached."""
    from schemas import SAMPLE_DOCUMENT, schema_path

    sample = parse(schema_path(SAMPLE_DOCUMENT).read_bytes())
    header = sample.header
    assert isinstance(header, MessageHeader)
    name = f"{number}-{NOTATION}.pdf"
    header = dataclasses.replace(
        header,
        from_=dataclasses.replace(header.from_, organ_id=sender),
        to=(Organ(recipient, organ_name="Văn phòng Chính phủ"),),
        document_id=document_id(sender, today, number),
        code=Code(str(number), NOTATION),
        promulgation_info=PromulgationInfo("Nghệ An", today),
        subject=subject,
        due_date=None,
        to_places=(),
    )
    business = sample.business and dataclasses.replace(
        sample.business, document_id=header.document_id
    )
    description = "Văn bản ký số (PDF)"
    envelope = Envelope(
        header=header,
        business=business,
        references=(Reference("cid:1", "application/pdf", description, name),),
        attachments=(Attachment("cid:1", name, "application/pdf", description, content=pdf),),
    )
    return build(envelope)


def status(
    reporter: str, about: str, code: StatusCode, at: datetime, description: str | None = None
) -> bytes:
    """A status message from ``reporter`` about document ``about``."""
    sender, day, doc_code = about.split(",", 2)
    return build(
        Envelope(
            header=Status(
                from_=Organ(reporter),
                response_for=ResponseFor(
                    organ_id=sender,
                    code=doc_code,
                    promulgation_date=datetime.strptime(day, "%Y/%m/%d").date(),
                    document_id=about,
                ),
                status_code=code,
                timestamp=at.astimezone(VN_TZ).replace(microsecond=0),
                description=description,
            )
        )
    )


def tamper(signed: bytes, old_subject: str, new_subject: str) -> bytes:
    """The signed bytes with the subject rewritten: what a forger would do."""
    old, new = old_subject.encode(), new_subject.encode()
    if old not in signed:
        raise ValueError("subject not found in the signed document")
    return signed.replace(old, new, 1)
