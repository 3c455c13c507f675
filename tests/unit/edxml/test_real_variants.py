"""What real national files carry, made from our own sample: accepted where it
can be read safely, refused with one specific reason where it cannot; the same
verdict on the fast and the streaming path.

tests/interop/test_vdxp_sdk.py sends the real files themselves through the SDK."""

from __future__ import annotations

import itertools
import re
import string

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.transport.peek import peek_bytes
from node.errors import MalformedXml
from node.validation import ValidationReport, Validator
from node.xmlsafe import PrologScanner
from tests.conftest import SAMPLES

FAST = Validator()
STREAMING = Validator(stream_threshold=0)
H = "/edXML/edXMLEnvelope/edXMLHeader"
SAMPLE = (SAMPLES / "document.edxml").read_bytes()
FIRST_TRACE_ORGAN = re.compile(rb"(<edXML:TraceHeader>\s*<edXML:OrganId>)[^<]*(</edXML:OrganId>)")


def both(data: bytes) -> ValidationReport:
    fast = FAST.validate_bytes(data)
    streamed = STREAMING.validate_bytes(data)
    assert (streamed.kind, streamed.issues) == (fast.kind, fast.issues)
    return fast


def with_trace_organ(data: bytes, organ: bytes | None) -> bytes:
    if organ is None:
        changed = re.sub(
            rb"(<edXML:TraceHeader>)\s*<edXML:OrganId>[^<]*</edXML:OrganId>", rb"\1", data, count=1
        )
    else:
        changed = FIRST_TRACE_ORGAN.sub(rb"\g<1>" + organ + rb"\g<2>", data, count=1)
    assert changed != data
    return changed


def test_an_empty_response_for_in_a_document_names_nothing(sample_document: bytes) -> None:
    for empty in (
        b"<edXML:ResponseFor/>",
        b"<edXML:ResponseFor><edXML:OrganId></edXML:OrganId><edXML:Code/>"
        b"<edXML:PromulgationDate></edXML:PromulgationDate><edXML:DocumentId>"
        b"</edXML:DocumentId></edXML:ResponseFor>",  # as the SDK's own edoc.edxml
    ):
        data = sample_document.replace(b"<edXML:SteeringType>", empty + b"<edXML:SteeringType>")
        report = both(data)
        assert report.valid, report.issues
        assert report.envelope is not None
        assert report.envelope.header.response_for == ()  # type: ignore[union-attr]


def test_a_status_with_an_empty_response_for_is_refused(sample_status: bytes) -> None:
    data = re.sub(
        rb"<edXML:ResponseFor>.*?</edXML:ResponseFor>",
        b"<edXML:ResponseFor/>",
        sample_status,
        flags=re.S,
    )
    report = both(data)
    assert [(i.path, i.message) for i in report.issues] == [
        (H + "/MessageHeader", "a status message needs ResponseFor (the document it reports on)")
    ]


@pytest.mark.parametrize("organ", [b"null", b"NULL", b"", b"  ", None])
def test_a_trace_header_naming_no_organ_is_dropped(
    sample_document: bytes, organ: bytes | None
) -> None:
    report = both(with_trace_organ(sample_document, organ))
    assert report.valid, report.issues
    assert report.envelope is not None
    assert report.envelope.traces == ()


def test_a_connected_system_code_is_accepted_in_a_trace(sample_document: bytes) -> None:
    report = both(with_trace_organ(sample_document, b"vxp.saas.02"))
    assert report.valid, report.issues
    assert report.envelope is not None
    assert [t.organ_id for t in report.envelope.traces] == ["vxp.saas.02"]


@pytest.mark.parametrize(
    ("pattern", "path"),
    [
        (rb"(<edXML:From>\s*<edXML:OrganId>)[^<]+", H + "/MessageHeader/From/OrganId"),
        (rb"(<edXML:To>\s*<edXML:OrganId>)[^<]+", H + "/MessageHeader/To[1]/OrganId"),
    ],
)
def test_a_connected_system_code_names_no_organ(
    sample_document: bytes, pattern: bytes, path: str
) -> None:
    data = re.sub(pattern, rb"\g<1>vxp.saas.02", sample_document, count=1)
    report = both(data)
    assert [i.path for i in report.issues] == [path]
    assert report.issues[0].message.startswith(
        "'vxp.saas.02' is a connected system's code (VDXP systemid), not an organ id"
    )


def test_a_system_code_names_no_organ_in_a_status_either(sample_status: bytes) -> None:
    data = re.sub(
        rb"(<edXML:From>\s*<edXML:OrganId>)[^<]+", rb"\g<1>vxp.saas.02", sample_status, count=1
    )
    (issue,) = both(data).issues
    assert issue.path == H + "/MessageHeader/From/OrganId"
    assert "connected system's code" in issue.message


def test_a_legacy_signature_in_the_edxml_namespace_is_counted(sample_document: bytes) -> None:
    """Unprefixed under the root's default namespace, as national files carry it:
    validated as an XML-DSig signature and counted, never read as no signature
    (the verifier verifies it: tests/unit/signing)."""
    legacy = (
        b"<Signature><SignedInfo>"
        b'<CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315"/>'
        b'<SignatureMethod Algorithm="http://www.w3.org/2000/09/xmldsig#rsa-sha1"/>'
        b'<Reference URI=""><Transforms><Transform '
        b'Algorithm="http://www.w3.org/2000/09/xmldsig#enveloped-signature"/></Transforms>'
        b'<DigestMethod Algorithm="http://www.w3.org/2000/09/xmldsig#sha1"/>'
        b"<DigestValue>PrlYKdD8sksgnxFvUVtPIQ0pAqM=</DigestValue></Reference></SignedInfo>"
        b"<SignatureValue>R2JWYg==</SignatureValue></Signature>"
    )
    data = sample_document.replace(b"</edXML:edXMLHeader>", legacy + b"</edXML:edXMLHeader>")
    report = both(data)
    assert report.valid, report.issues
    assert report.envelope is not None
    assert report.envelope.signature_count == 1


def test_bytes_before_the_xml_declaration_are_one_clear_refusal(sample_document: bytes) -> None:
    data = b"1212" + sample_document  # as the SDK's own edoc_new.edxml starts
    expected = (
        "4 byte(s) before the XML declaration ('1212'): an edXML file must begin with '<?xml'"
    )
    for validator in (FAST, STREAMING):
        with pytest.raises(MalformedXml) as caught:
            validator.validate_bytes(data)
        assert caught.value.detail.startswith(expected)
        assert caught.value.line == 1
    with pytest.raises(MalformedXml, match=re.escape(expected)):
        peek_bytes(data)


@pytest.mark.parametrize("junk", [b"\n", b"  ", b"\xef\xbb\xbfjunk", b"x" * 40])
def test_whatever_precedes_the_declaration_is_named(sample_document: bytes, junk: bytes) -> None:
    with pytest.raises(MalformedXml, match=r"byte\(s\) before the XML declaration"):
        FAST.validate_bytes(junk + sample_document)


def test_a_bom_alone_is_fine(sample_document: bytes) -> None:
    assert both(b"\xef\xbb\xbf" + sample_document).valid


def test_an_undeclared_prefix_is_one_clear_refusal(sample_document: bytes) -> None:
    """Refused, not repaired: namespace well-formedness is what the schema and
    XML-DSig canonicalisation rest on (the national library reads such files
    only because it parses without namespaces)."""
    data = sample_document.replace(b"<edXML:Reference>", b'<edXML:Reference xlink:href="">', 1)
    assert data != sample_document
    with pytest.raises(MalformedXml) as fast:
        FAST.validate_bytes(data)
    assert fast.value.detail.startswith(
        "namespace prefix 'xlink' is used (attribute xlink:href of Reference) but never declared"
    )
    assert 'xmlns:xlink="http://www.w3.org/1999/xlink"' in fast.value.detail
    with pytest.raises(MalformedXml) as streamed:
        STREAMING.validate_bytes(data)
    assert (streamed.value.detail, streamed.value.line) == (fast.value.detail, fast.value.line)


def test_an_undeclared_element_prefix_is_named_on_both_paths(sample_document: bytes) -> None:
    data = sample_document.replace(b"<edXML:Subject>", b"<x:Subject>", 1)
    data = data.replace(b"</edXML:Subject>", b"</x:Subject>", 1)
    messages = set()
    for validator in (FAST, STREAMING):
        with pytest.raises(MalformedXml) as caught:
            validator.validate_bytes(data)
        messages.add(caught.value.detail)
    assert messages == {
        "namespace prefix 'x' is used (element Subject) but never declared: the file is not "
        "namespace-well-formed XML, so neither the schema nor a signature can be checked on "
        'it; declare it on the root element (xmlns:x="its namespace URI")'
    }


@given(
    junk=st.text(
        alphabet=string.ascii_letters + string.digits + " \t\r\n", min_size=1, max_size=300
    ),
    cuts=st.lists(st.integers(min_value=1, max_value=2000), max_size=6),
)
def test_bytes_before_the_declaration_are_found_however_the_bytes_arrive(
    junk: str, cuts: list[int]
) -> None:
    data = junk.encode() + SAMPLE[:1500]
    points = [0, *sorted({c for c in cuts if c < len(data)}), len(data)]
    with pytest.raises(MalformedXml, match=rf"^{len(junk)} byte\(s\) before the XML declaration"):
        _scan(data, points)


def _scan(data: bytes, points: list[int]) -> None:
    scanner = PrologScanner()
    for start, end in itertools.pairwise(points):
        if scanner.feed(data[start:end]):
            break
    scanner.finish()
