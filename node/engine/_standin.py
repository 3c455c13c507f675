"""TEMPORARY stand-in for ``node.edxml.build`` and ``node.validation.validate_file``
(helper "core", not merged yet). Just enough edXML for the engine and its
tests: reads the header of a document or status, writes a status. Delete this
module and ``_core.py`` when the core branch lands."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from lxml import etree

from node.errors import Issue, LienthongError, ValidationFailed
from node.model import (
    NAMESPACE,
    VN_TZ,
    Code,
    DocumentType,
    Envelope,
    MessageHeader,
    MessageKind,
    Organ,
    OtherInfo,
    PromulgationInfo,
    ResponseFor,
    Status,
    StatusCode,
)
from node.xmlsafe import parse_bytes

_NS = {"e": NAMESPACE}


@dataclass(frozen=True)
class ValidationReport:
    kind: MessageKind | None
    issues: tuple[Issue, ...]
    envelope: Envelope | None

    @property
    def valid(self) -> bool:
        return not self.issues

    def raise_for_issues(self) -> None:
        if self.issues:
            raise ValidationFailed(self.issues)


def validate_file(path: Path) -> ValidationReport:
    try:
        tree = parse_bytes(path.read_bytes())
        header = tree.find(".//e:edXMLHeader", _NS)
        if header is None:
            raise ValueError("no edXMLHeader")
        status = header.find("e:Status", _NS)
        if status is not None:
            return ValidationReport(MessageKind.STATUS, (), Envelope(header=_status(status)))
        message = header.find("e:MessageHeader", _NS)
        if message is None:
            raise ValueError("no MessageHeader or Status")
        return ValidationReport(MessageKind.DOCUMENT, (), Envelope(header=_document(message)))
    except LienthongError as exc:
        return ValidationReport(None, (Issue(None, "/", exc.detail),), None)
    except (ValueError, AttributeError, TypeError) as exc:
        return ValidationReport(None, (Issue(None, "/edXML", str(exc)),), None)


def _text(el: etree._Element, path: str) -> str:
    found = el.find(path, _NS)
    if found is None or not (found.text or "").strip():
        raise ValueError(f"missing {path}")
    return str(found.text).strip()


def _opt(el: etree._Element, path: str) -> str | None:
    found = el.find(path, _NS)
    return None if found is None or found.text is None else str(found.text).strip()


def _date(text: str) -> date:
    return datetime.strptime(text, "%Y/%m/%d").date()


def _document(h: etree._Element) -> MessageHeader:
    due = _opt(h, "e:DueDate")
    return MessageHeader(
        from_=Organ(_text(h, "e:From/e:OrganId")),
        to=tuple(Organ(str(t.text).strip()) for t in h.findall("e:To/e:OrganId", _NS)),
        document_id=_text(h, "e:DocumentId"),
        code=Code(_text(h, "e:Code/e:CodeNumber"), _text(h, "e:Code/e:CodeNotation")),
        promulgation_info=PromulgationInfo(
            _opt(h, "e:PromulgationInfo/e:Place"),
            _date(_text(h, "e:PromulgationInfo/e:PromulgationDate")),
        ),
        document_type=DocumentType(int(_text(h, "e:DocumentType/e:Type"))),
        subject=_text(h, "e:Subject"),
        due_date=_date(due) if due else None,
        other_info=OtherInfo(priority=int(_opt(h, "e:OtherInfo/e:Priority") or 0)),
    )


def _status(s: etree._Element) -> Status:
    promulgated = _opt(s, "e:ResponseFor/e:PromulgationDate")
    return Status(
        from_=Organ(_text(s, "e:From/e:OrganId")),
        response_for=ResponseFor(
            organ_id=_text(s, "e:ResponseFor/e:OrganId"),
            code=_text(s, "e:ResponseFor/e:Code"),
            promulgation_date=_date(promulgated) if promulgated else None,
            document_id=_text(s, "e:ResponseFor/e:DocumentId"),
        ),
        status_code=StatusCode(_text(s, "e:StatusCode")),
        timestamp=datetime.strptime(_text(s, "e:Timestamp"), "%Y/%m/%d %H:%M:%S").replace(
            tzinfo=VN_TZ
        ),
        description=_opt(s, "e:Description"),
    )


def build(env: Envelope) -> bytes:
    if not isinstance(env.header, Status):
        raise NotImplementedError("the stand-in only builds status messages")
    st = env.header
    root = etree.Element(f"{{{NAMESPACE}}}edXML", nsmap={None: NAMESPACE})  # type: ignore[dict-item]
    envelope = etree.SubElement(root, f"{{{NAMESPACE}}}edXMLEnvelope")
    header = etree.SubElement(envelope, f"{{{NAMESPACE}}}edXMLHeader")
    status = etree.SubElement(header, f"{{{NAMESPACE}}}Status")

    def add(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
        child = etree.SubElement(parent, f"{{{NAMESPACE}}}{name}")
        if text is not None:
            child.text = text
        return child

    add(add(status, "From"), "OrganId", st.from_.organ_id)
    rf = add(status, "ResponseFor")
    add(rf, "OrganId", st.response_for.organ_id)
    add(rf, "Code", st.response_for.code)
    if st.response_for.promulgation_date:
        add(rf, "PromulgationDate", st.response_for.promulgation_date.strftime("%Y/%m/%d"))
    add(rf, "DocumentId", st.response_for.document_id)
    add(status, "StatusCode", st.status_code.value)
    if st.description:
        add(status, "Description", st.description)
    add(status, "Timestamp", st.timestamp.astimezone(VN_TZ).strftime("%Y/%m/%d %H:%M:%S"))
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))
