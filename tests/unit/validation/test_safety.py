"""Hostile input is refused quickly on both validation paths, never resolved."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from node.errors import LienthongError, MalformedXml, UnsafeXml
from node.validation import Validator

XXE = b"""<?xml version="1.0"?>
<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&xxe;</edXML>"""

EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE edXML SYSTEM "http://127.0.0.1:9/evil.dtd">
<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016"/>"""

BOMB = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [\n <!ENTITY lol "lol">\n'
    + b"".join(
        f' <!ENTITY lol{i} "{("&lol" + (str(i - 1) if i > 1 else "") + ";") * 10}">\n'.encode()
        for i in range(1, 10)
    )
    + b']>\n<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">&lol9;</edXML>'
)

PARAMETER_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>
<x/>"""


def _deep(levels: int) -> bytes:
    return (
        b'<edXML xmlns="http://www.mic.gov.vn/TBT/QCVN_102_2016">'
        + b"<a>" * levels
        + b"</a>" * levels
        + b"</edXML>"
    )


VALIDATORS = {"fast": Validator(), "streaming": Validator(stream_threshold=0)}


@pytest.mark.parametrize("path", VALIDATORS)
@pytest.mark.parametrize(
    "payload",
    [XXE, EXTERNAL_DTD, BOMB, PARAMETER_ENTITY],
    ids=["xxe", "external-dtd", "billion-laughs", "parameter-entity"],
)
def test_doctype_payloads_refused_quickly(path: str, payload: bytes) -> None:
    started = time.monotonic()
    with pytest.raises(UnsafeXml, match="DOCTYPE"):
        VALIDATORS[path].validate_bytes(payload)
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("path", VALIDATORS)
@pytest.mark.parametrize("levels", [70, 5_000, 200_000])
def test_deep_nesting_refused_quickly(path: str, levels: int) -> None:
    started = time.monotonic()
    with pytest.raises((UnsafeXml, MalformedXml)):
        VALIDATORS[path].validate_bytes(_deep(levels))
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize("path", VALIDATORS)
def test_xxe_file_refused_and_not_read(path: str, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP SECRET")
    payload = XXE.replace(b"file:///etc/passwd", secret.as_uri().encode())
    file = tmp_path / "x.edxml"
    file.write_bytes(payload)
    with pytest.raises(UnsafeXml) as caught:
        VALIDATORS[path].validate_file(file)
    assert "TOP SECRET" not in str(caught.value)


@pytest.mark.parametrize("path", VALIDATORS)
def test_undeclared_entity_is_malformed(path: str, sample_document: bytes) -> None:
    data = sample_document.replace(b"<edXML:Subject>", b"<edXML:Subject>&nbsp;")
    with pytest.raises(MalformedXml):
        VALIDATORS[path].validate_bytes(data)


@pytest.mark.parametrize("path", VALIDATORS)
def test_utf16_refused(path: str, sample_status: bytes) -> None:
    data = sample_status.decode().replace("UTF-8", "UTF-16").encode("utf-16")
    with pytest.raises(LienthongError):
        VALIDATORS[path].validate_bytes(data)
