"""Issue 14's hostile suite: two real nodes on loopback (conftest.py), attacked
through node B's DMS listener and, as node A, through its peer listener:
XML, signature wrapping, identity, malformed HTTP and bad input.

Every case must be refused cleanly: a 4xx problem+json answer; where a peer's
document is refused after it could be read, a status 02 back to its sender
(stored by B, received by A); nothing else stored on either node; both nodes
still ready (/readyz); and in the captured logs no traceback, no error-level
record, no token.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import logging
import re
import ssl
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import pytest

from tests.integration.hostile.conftest import Pair
from tests.support.harness.nodes import G22, H41
from tests.support.messages import document

pytestmark = pytest.mark.asyncio(loop_scope="module")

DS = "http://www.w3.org/2000/09/xmldsig#"
DEPARTMENT = "000.00.12.H41"  # a department of H41: no route on B gives it to peer h41
UNRELATED = "000.00.00.K99"

Answer = tuple[int, str, Any]


@dataclass(frozen=True)
class Sent:
    answer: Answer
    refused_document: str | None = None
    """DocumentId of a peer's document B must answer with 02."""


Attack = Callable[[Pair, str], Awaitable[Sent]]


def _doc(sender: str = H41) -> tuple[bytes, str]:
    return document(sender, (G22,))


def _late_doctype(xml: bytes, doctype: bytes = b'<!DOCTYPE edXML SYSTEM "/etc/passwd">') -> bytes:
    declaration, _, rest = xml.partition(b"?>")
    return declaration + b"?>" + b"<!--" + b"x" * (70 * 1024) + b"-->" + doctype + rest


def _entities(xml: bytes) -> bytes:
    laughs = b'<!ENTITY a "aaaaaaaaaa">' + b"".join(
        b'<!ENTITY %s "%s">' % (n, (b"&%s;" % p) * 10)
        for p, n in zip([b"a", b"b", b"c", b"d"], [b"b", b"c", b"d", b"e"], strict=True)
    )
    declaration, _, rest = xml.partition(b"?>")
    body = rest.replace(b"</edXML:Subject>", b"&e;</edXML:Subject>", 1)
    return declaration + b"?><!DOCTYPE edXML [" + laughs + b"]>" + body


def _external_entity(xml: bytes) -> bytes:
    declaration, _, rest = xml.partition(b"?>")
    body = rest.replace(b"</edXML:Subject>", b"&x;</edXML:Subject>", 1)
    return declaration + b'?><!DOCTYPE edXML [<!ENTITY x SYSTEM "file:///etc/passwd">]>' + body


def _deep(xml: bytes) -> bytes:
    return xml.replace(b"</edXML:Subject>", b"</edXML:Subject>" + b"<x>" * 5000 + b"</x>" * 5000, 1)


def _latin1(xml: bytes) -> bytes:
    text = xml.decode("utf-8")
    text = re.sub(r"encoding=['\"][Uu][Tt][Ff]-8['\"]", 'encoding="ISO-8859-1"', text, count=1)
    return text.encode("iso-8859-1", errors="xmlcharrefreplace").replace(
        b"Subject>", b"Subject>\xe9", 1
    )


def _in_signature(signed: bytes, element: bytes) -> bytes:
    return signed.replace(b"</Signature>", element + b"</Signature>", 1)


def _forged_header_object(signed: bytes) -> bytes:
    start = signed.index(b"<edXML:MessageHeader")
    end = signed.index(b"</edXML:MessageHeader>") + len(b"</edXML:MessageHeader>")
    forged = signed[start:end].replace(b"<edXML:Subject>", b"<edXML:Subject>GI\xe1\xba\xa2 ", 1)
    return _in_signature(signed, b"<Object>" + forged + b"</Object>")


def _pdf_object(signed: bytes) -> bytes:
    pdf = base64.b64encode(b"%PDF-1.7 forged attachment")
    return _in_signature(signed, b"<Object>" + pdf + b"</Object>")


def _altered(signed: bytes) -> bytes:
    return re.sub(rb"(<edXML:Subject>)", rb"\1[forged] ", signed, count=1)


def _signature_copied_outside(signed: bytes) -> bytes:
    start = signed.index(b'<Signature xmlns="' + DS.encode())
    end = signed.index(b"</Signature>") + len(b"</Signature>")
    copied = re.sub(
        rb"(</(?:\w+:)?edXMLEnvelope>)", lambda m: signed[start:end] + m.group(1), signed, count=1
    )
    assert copied != signed
    return copied


# ------------------------------------------------------------------- the attacks


def peer_sends(build: Callable[[Pair], tuple[bytes, str | None]], **meta: str) -> Attack:
    """B's peer API gets ``build``'s bytes from A; the DocumentId it returns
    (or None) is the one B must answer with 02."""

    async def attack(pair: Pair, message_id: str) -> Sent:
        body, refused = build(pair)
        answer = await pair.post_peer(body, message_id=message_id, **meta)
        return Sent(answer, refused)

    return attack


def peer_headers(**headers: str) -> Attack:
    async def attack(pair: Pair, message_id: str) -> Sent:
        body = pair.signer(H41).sign(_doc()[0])
        values = {"Lienthong-Message-Id": message_id, **headers}
        return Sent(await pair.post_peer(body, message_id=message_id, headers=values))

    return attack


def dms_sends(build: Callable[[Pair], bytes], **options: Any) -> Attack:
    async def attack(pair: Pair, message_id: str) -> Sent:
        del message_id
        return Sent(await pair.post_dms(build(pair), **options))

    return attack


def signed_by(organ: str, then: Callable[[bytes], bytes] = lambda x: x, sender: str = H41):  # type: ignore[no-untyped-def]
    def build(pair: Pair) -> tuple[bytes, str | None]:
        xml, document_id = _doc(sender)
        return then(pair.signer(organ).sign(xml)), document_id

    return build


def unsigned(then: Callable[[bytes], bytes]):  # type: ignore[no-untyped-def]
    def build(pair: Pair) -> tuple[bytes, str | None]:
        return then(_doc()[0]), None

    return build


def raw_http(listener: str, request: Callable[[Pair], bytes]) -> Attack:
    async def attack(pair: Pair, message_id: str) -> Sent:
        del message_id
        url = pair.b_service.dms_url if listener == "dms" else pair.b_peer_url
        context = pair.as_a if listener == "peer" else None
        return Sent(await raw_exchange(url, request(pair), context))

    return attack


async def raw_exchange(url: str, data: bytes, context: ssl.SSLContext | None) -> Answer:
    import json

    parts = urlsplit(url)
    assert parts.hostname == "127.0.0.1"
    assert parts.port is not None
    reader, writer = await asyncio.open_connection(parts.hostname, parts.port, ssl=context)
    try:
        writer.write(data)
        await writer.drain()
        answer = b""
        for _ in range(100):  # bounded: read to EOF
            more = await asyncio.wait_for(reader.read(1 << 20), 10)
            if not more:
                break
            answer += more
    finally:
        writer.close()
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (h.partition(":") for h in lines[1:])}
    content_type = headers.get("content-type", "").split(";")[0]
    return int(lines[0].split()[1]), content_type, json.loads(body)


def _obs_fold(pair: Pair) -> bytes:
    return (
        "POST /api/v1/documents HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer\r\n"
        f" {pair.b.dms_token}\r\nContent-Length: 0\r\n\r\n"
    ).encode()


def _te_cl(pair: Pair) -> bytes:
    return (
        f"POST /api/v1/documents HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer {pair.b.dms_token}"
        "\r\nTransfer-Encoding: chunked\r\nContent-Length: 4\r\n\r\n0\r\n\r\n"
    ).encode()


def _oversized(pair: Pair) -> bytes:
    return (
        f"GET /api/v1/inbox HTTP/1.1\r\nHost: b\r\nAuthorization: Bearer {pair.b.dms_token}"
        f"\r\nX-Pad: {'p' * 20000}\r\n\r\n"
    ).encode()


def _bad_line(pair: Pair) -> bytes:
    return (
        f"GET /api/v1/inbox HTTP/1.1 x\r\nAuthorization: Bearer {pair.b.dms_token}\r\n\r\n".encode()
    )


def _peer_obs_fold(pair: Pair) -> bytes:
    del pair
    return (
        b"POST /peer/v1/messages HTTP/1.1\r\nHost: b\r\nLienthong-Kind:\r\n document\r\n"
        b"Content-Length: 0\r\n\r\n"
    )


async def _admin_with_dms_token(pair: Pair, message_id: str) -> Sent:
    del message_id
    async with pair.http.get(
        f"{pair.b_service.dms_url}/admin/v1/messages",
        headers={"Authorization": f"Bearer {pair.b.dms_token}"},
    ) as resp:
        return Sent((resp.status, resp.content_type, await resp.json()))


async def _wrong_content_type(pair: Pair, message_id: str) -> Sent:
    del message_id
    async with pair.http.post(
        f"{pair.b_service.dms_url}/api/v1/documents",
        data=_doc(G22)[0],
        headers={"Authorization": f"Bearer {pair.b.dms_token}", "Content-Type": "text/html"},
    ) as resp:
        return Sent((resp.status, resp.content_type, await resp.json()))


# name -> (attack, accepted answer statuses)
CASES: dict[str, tuple[Attack, frozenset[int]]] = {
    # XML: nothing that could open a file or blow up memory is processed
    "xml: DOCTYPE after 70 KiB of comments, peer": (
        peer_sends(unsigned(_late_doctype)),
        frozenset({400}),
    ),
    "xml: DOCTYPE after 70 KiB of comments, DMS": (
        dms_sends(lambda p: _late_doctype(_doc(G22)[0])),
        frozenset({400}),
    ),
    "xml: DOCTYPE naming a FIFO, DMS": (
        dms_sends(lambda p: _late_doctype(_doc(G22)[0], b'<!DOCTYPE edXML SYSTEM "/dev/stdin">')),
        frozenset({400}),
    ),
    "xml: billion laughs, peer": (peer_sends(unsigned(_entities)), frozenset({400})),
    "xml: external entity /etc/passwd, DMS": (
        dms_sends(lambda p: _external_entity(_doc(G22)[0])),
        frozenset({400}),
    ),
    "xml: 5000 nested elements, peer": (peer_sends(unsigned(_deep)), frozenset({400})),
    "xml: ISO-8859-1, peer": (peer_sends(unsigned(_latin1)), frozenset({400})),
    "xml: ISO-8859-1, DMS": (dms_sends(lambda p: _latin1(_doc(G22)[0])), frozenset({400})),
    "xml: bytes before the declaration, peer": (
        peer_sends(unsigned(lambda x: b"\x00junk" + x)),
        frozenset({400}),
    ),
    # signature wrapping: nothing unsigned travels, the 02 tells the sender
    "wrapping: forged MessageHeader in ds:Object": (
        peer_sends(signed_by(H41, _forged_header_object)),
        frozenset({400}),
    ),
    "wrapping: PDF in ds:Object": (peer_sends(signed_by(H41, _pdf_object)), frozenset({400})),
    "wrapping: content altered after signing": (
        peer_sends(signed_by(H41, _altered)),
        frozenset({400}),
    ),
    "wrapping: signature copied outside the header": (
        peer_sends(lambda p: (signed_by(H41, _signature_copied_outside)(p)[0], None)),
        frozenset({400}),
    ),
    "wrapping: no signature at all": (
        peer_sends(lambda p: _doc()),
        frozenset({400}),
    ),
    # identity: who signs, who speaks
    "identity: From H41, signed by G22's trusted key": (
        peer_sends(signed_by(G22)),
        frozenset({400}),
    ),
    "identity: default peer claims a department it was not given": (
        peer_sends(lambda p: (p.signer(H41).sign(_doc(DEPARTMENT)[0]), None)),
        frozenset({403}),
    ),
    "identity: peer claims an unrelated organ": (
        peer_sends(lambda p: (p.signer(H41).sign(_doc(UNRELATED)[0]), None)),
        frozenset({403}),
    ),
    "identity: peer claims B's own organ": (
        peer_sends(lambda p: (p.signer(G22).sign(_doc(G22)[0]), None)),
        frozenset({403}),
    ),
    "identity: DMS sends From an organ it does not own": (
        dms_sends(lambda p: _doc(H41)[0]),
        frozenset({403}),
    ),
    "identity: DMS with a wrong token": (
        dms_sends(lambda p: _doc(G22)[0], token="lt_" + "w" * 43),
        frozenset({401}),
    ),
    "identity: admin API with a DMS token": (_admin_with_dms_token, frozenset({401, 403})),
    # HTTP the parser refuses (hole 6)
    "http: obs-fold Authorization carrying the token": (
        raw_http("dms", _obs_fold),
        frozenset({400}),
    ),
    "http: Transfer-Encoding with Content-Length": (raw_http("dms", _te_cl), frozenset({400})),
    "http: 20 KB header": (raw_http("dms", _oversized), frozenset({431})),
    "http: bad request line": (raw_http("dms", _bad_line), frozenset({400})),
    "http: obs-fold on the peer listener (TLS)": (
        raw_http("peer", _peer_obs_fold),
        frozenset({400}),
    ),
    # bad input around the bytes
    "input: not XML, peer": (peer_sends(lambda p: (b"hello", None)), frozenset({400})),
    "input: empty body, DMS": (dms_sends(lambda p: b""), frozenset({400})),
    "input: Content-SHA256 mismatch": (
        peer_headers(**{"Lienthong-Content-SHA256": hashlib.sha256(b"x").hexdigest()}),
        frozenset({400}),
    ),
    "input: Recipients not in the document": (
        peer_headers(**{"Lienthong-Recipients": "000.00.00.Z01"}),
        frozenset({400}),
    ),
    "input: unknown Lienthong-Kind": (
        peer_headers(**{"Lienthong-Kind": "payload"}),
        frozenset({400}),
    ),
    "input: Lienthong-Hops not JSON": (
        peer_headers(**{"Lienthong-Hops": "[{"}),
        frozenset({400}),
    ),
    "input: empty Lienthong-Message-Id": (
        peer_headers(**{"Lienthong-Message-Id": ""}),
        frozenset({400}),
    ),
    "input: wrong content type, DMS": (_wrong_content_type, frozenset({400, 415})),
}

REFUSED_WITH_02 = {
    "wrapping: forged MessageHeader in ds:Object",
    "wrapping: PDF in ds:Object",
    "wrapping: content altered after signing",
    "wrapping: no signature at all",
    "identity: From H41, signed by G22's trusted key",
}
"""Documents refused by their signature. What cannot be read or breaks the
schema (a Signature copied outside the header is a schema error) is refused
before any sender is trusted: the 400 is the answer, and A's node, taking it
as permanent, dead-letters the delivery with a notice to its DMS."""


def _signature(item: dict[str, Any]) -> tuple[str, str | None, str | None]:
    return (item["kind"], item["document_id"], item["status_code"])


@pytest.mark.parametrize("case", list(CASES))
async def test_a_hostile_input_is_refused_cleanly(
    pair: Pair, caplog: pytest.LogCaptureFixture, case: str
) -> None:
    caplog.set_level(logging.INFO)
    attack, statuses = CASES[case]
    before = {n: {m["id"] for m in await pair.messages(n)} for n in ("a", "b")}
    message_id = "hostile-" + hashlib.sha256(case.encode()).hexdigest()[:12]

    sent = await attack(pair, message_id)

    status, content_type, problem = sent.answer
    assert status in statuses, problem
    assert content_type == "application/problem+json"
    assert isinstance(problem, dict)
    assert problem["status"] == status
    assert problem["type"].startswith("https://lienthong.dev/problems/")
    if case in REFUSED_WITH_02:
        assert sent.refused_document is not None
        await pair.wait_for_status("b", sent.refused_document, "02")  # B sent it
        await pair.wait_for_status("a", sent.refused_document, "02")  # A received it
    else:
        assert sent.refused_document is None
    for node in ("a", "b"):
        new = [m for m in await pair.messages(node) if m["id"] not in before[node]]
        allowed = {("status", sent.refused_document, "02")} if sent.refused_document else set()
        assert {_signature(m) for m in new} <= allowed, (node, new)
    assert await pair.ready() == (200, 200)
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR], [
        (r.name, r.getMessage()) for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR
    ]
    assert "Traceback" not in caplog.text
    for secret in pair.secrets():
        assert secret not in caplog.text
        assert secret not in str(problem)
