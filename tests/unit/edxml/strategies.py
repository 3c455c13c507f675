"""Hypothesis strategies for valid Envelopes (documents and status messages)."""

from __future__ import annotations

import hashlib
import unicodedata
from datetime import date, datetime

from hypothesis import strategies as st

from node.edxml.values import format_date
from node.model import (
    VN_TZ,
    Attachment,
    Business,
    BusinessDocType,
    BusinessDocumentInfo,
    Code,
    DocumentType,
    Envelope,
    MessageHeader,
    Organ,
    OtherInfo,
    PromulgationInfo,
    Receiver,
    Reference,
    ReplacementInfo,
    ResponseFor,
    SignerInfo,
    StaffInfo,
    Status,
    StatusCode,
    TraceHeader,
)

organ_ids = st.from_regex(r"[0-9A-Z]{1,4}(\.[0-9A-Z]{1,4}){0,4}", fullmatch=True)

_chars = st.characters(
    blacklist_categories=("Cs", "Cc"), blacklist_characters="\ufffe\uffff"
) | st.sampled_from("\n\t\r ")
texts = st.text(_chars, max_size=30).map(lambda s: unicodedata.normalize("NFC", s))
optional_texts = st.none() | texts
tokens = st.from_regex(r"[0-9A-Za-zĐđ][0-9A-Za-zĐđ.\-]{0,12}", fullmatch=True)
dates = st.dates(min_value=date(1900, 1, 1), max_value=date(2100, 12, 31))
timestamps = st.datetimes(
    min_value=datetime(1900, 1, 2), max_value=datetime(2100, 12, 30), timezones=st.just(VN_TZ)
).map(lambda d: d.replace(microsecond=0))
integers = st.integers(min_value=-1000, max_value=10**9)


@st.composite
def organs(draw: st.DrawFn, organ_id: str | None = None) -> Organ:
    return Organ(
        organ_id=organ_id if organ_id is not None else draw(organ_ids),
        organization_in_charge=draw(optional_texts),
        organ_name=draw(optional_texts),
        organ_add=draw(optional_texts),
        email=draw(optional_texts),
        telephone=draw(optional_texts),
        fax=draw(optional_texts),
        website=draw(optional_texts),
    )


@st.composite
def document_ids(draw: st.DrawFn, organ_id: str | None = None) -> tuple[str, Code, date]:
    organ = organ_id if organ_id is not None else draw(organ_ids)
    code = Code(draw(tokens), draw(tokens))
    day = draw(dates)
    return f"{organ},{format_date(day)},{code}", code, day


@st.composite
def response_fors(draw: st.DrawFn) -> ResponseFor:
    organ = draw(organ_ids)
    document_id, code, day = draw(document_ids(organ))
    return ResponseFor(
        organ_id=organ,
        code=str(code),
        promulgation_date=draw(st.none() | st.just(day)),
        document_id=document_id,
    )


staff_infos = st.none() | st.builds(
    StaffInfo,
    department=optional_texts,
    staff=optional_texts,
    email=optional_texts,
    mobile=optional_texts,
)


@st.composite
def message_headers(draw: st.DrawFn) -> MessageHeader:
    sender = draw(organs())
    document_id, code, day = draw(document_ids(sender.organ_id))
    return MessageHeader(
        from_=sender,
        to=tuple(draw(st.lists(organs(), min_size=1, max_size=3))),
        document_id=document_id,
        code=code,
        promulgation_info=PromulgationInfo(place=draw(optional_texts), promulgation_date=day),
        document_type=DocumentType(
            type=draw(integers),
            type_detail=draw(st.none() | integers),
            type_name=draw(optional_texts),
        ),
        subject=draw(texts),
        content=draw(optional_texts),
        signer_info=draw(
            st.none()
            | st.builds(
                SignerInfo,
                competence=optional_texts,
                position=optional_texts,
                full_name=optional_texts,
            )
        ),
        due_date=draw(st.none() | dates),
        other_info=OtherInfo(
            priority=draw(st.integers(0, 3)),
            sphere_of_promulgation=draw(optional_texts),
            typer_notation=draw(optional_texts),
            promulgation_amount=draw(st.none() | integers),
            page_amount=draw(st.none() | integers),
            direction=draw(st.none() | st.booleans()),
            appendixes=tuple(draw(st.lists(texts, max_size=2))),
        ),
        response_for=tuple(draw(st.lists(response_fors(), max_size=2))),
        steering_type=draw(st.none() | integers),
        to_places=tuple(draw(st.lists(texts, max_size=2))),
    )


@st.composite
def statuses(draw: st.DrawFn) -> Status:
    return Status(
        from_=draw(organs()),
        response_for=draw(response_fors()),
        status_code=draw(st.sampled_from(StatusCode)),
        timestamp=draw(timestamps),
        staff_info=draw(staff_infos),
        description=draw(optional_texts),
    )


businesses = st.none() | st.builds(
    Business,
    document_id=st.none() | tokens,
    doc_type=st.sampled_from(BusinessDocType),
    reason=optional_texts,
    paper=st.none() | st.integers(0, 1),
    staff_info=staff_infos,
    document_info=st.none()
    | st.builds(
        BusinessDocumentInfo,
        document_info=st.booleans(),
        document_receiver=st.booleans(),
        receivers=st.lists(
            st.builds(Receiver, organ_id=organ_ids, receiver_type=st.integers(0, 3)), max_size=2
        ).map(tuple),
    ),
    replacements=st.lists(
        st.builds(
            ReplacementInfo,
            document_id=tokens,
            organ_ids=st.lists(organ_ids, max_size=2).map(tuple),
        ),
        max_size=2,
    ).map(tuple),
)


@st.composite
def attachment_pairs(draw: st.DrawFn) -> tuple[tuple[Reference, ...], tuple[Attachment, ...]]:
    cids = draw(st.lists(tokens.map(lambda t: "cid:" + t), unique=True, max_size=3))
    refs, atts = [], []
    for cid in cids:
        kind = draw(st.sampled_from(["application/pdf", "text/plain", "application/zip"]))
        name = draw(optional_texts)
        description = draw(optional_texts)
        content = draw(st.binary(max_size=200))
        refs.append(Reference(cid, kind, description, name))
        atts.append(
            Attachment(
                content_id=cid,
                attachment_name=name,
                content_type=kind,
                description=description,
                content=content,
                size=len(content),
                sha256=hashlib.sha256(content).hexdigest(),
            )
        )
    return tuple(refs), tuple(atts)


@st.composite
def envelopes(draw: st.DrawFn, kind: str | None = None) -> Envelope:
    if kind is None:
        kind = draw(st.sampled_from(["document", "status"]))
    header: MessageHeader | Status = draw(message_headers() if kind == "document" else statuses())
    refs, atts = draw(attachment_pairs()) if kind == "document" else ((), ())
    return Envelope(
        header=header,
        traces=tuple(
            draw(
                st.lists(
                    st.builds(TraceHeader, organ_id=organ_ids, timestamp=timestamps), max_size=2
                )
            )
        ),
        business=draw(businesses),
        references=refs,
        attachments=atts,
    )
