"""The national edXML library (EdXML102-0.0.3, unchanged) and lienthong, both ways.

- It reads everything lienthong emits: a document as node A signed and node B
  delivered it, B's automatic 01, the 03 DMS B sent (signed by B, relayed to
  A), the 02 refusing a tampered document, A's own failure notice. Our probe
  (java/EdxmlProbe.java, compiled at test time) parses each with
  ``EdXmlParser``/``StatusXmlParser`` and the test compares, field by field,
  what the library read with what lienthong wrote.
- Lienthong accepts what its builders write: the probe builds documents and
  statuses (``EdXmlBuilder``/``StatusXmlBuilder``) from generated content
  (seeded: Vietnamese text, NFD as well as NFC, markup characters, several
  recipients, attachments) in one JVM run; each is validated and read back.
"""

from __future__ import annotations

import io
import json
import random
import subprocess
import unicodedata
import zipfile
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from node.edxml.values import format_date, format_timestamp
from node.model import VN_TZ, Envelope, MessageHeader, MessageKind, Status, StatusCode
from node.validation import parse, validate_file
from tests.integration.engine import test_signed_round_trip as round_trip
from tests.integration.engine.test_signed_round_trip import (
    DMS_G22,
    DMS_H41,
    G22,
    H41,
    _drain,
    _incoming,
)
from tests.interop.test_vdxp_sdk import compile_against_sdk
from tests.unit.engine.messages import document, status

pytestmark = pytest.mark.slow
pair = round_trip.pair  # two engines with real signing (test PKI), as a fixture here

PROBE = Path(__file__).with_name("java") / "EdxmlProbe.java"
LIST, PART = "\x1f", "\x1e"
SEED = 20261207
COUNT = 30


@pytest.fixture(scope="module")
def probe(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    return compile_against_sdk(PROBE, tmp_path_factory.mktemp("edxml-probe"))


def run_probe(probe: tuple[Path, Path], work: Path, lines: list[str]) -> list[dict[str, Any]]:
    sdk, out = probe
    script, results = work / "probe.tsv", work / "probe.jsonl"
    script.write_text("\n".join(lines) + "\n", encoding="utf-8")
    done = subprocess.run(
        [
            "java",
            "-Duser.timezone=Asia/Ho_Chi_Minh",  # edXML times are Vietnam time
            "-Dfile.encoding=UTF-8",
            "-cp",
            f"{sdk}/lib/*:{out}",
            "EdxmlProbe",
            str(script),
            str(results),
        ],
        capture_output=True,
        text=True,
        timeout=180,
        check=False,
        cwd=work,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines()]


# ----------------------------------------------------------------- field by field

Row = tuple[str, str, Any, Any]
"""(message, field, what lienthong wrote, what the library read)."""


def _rf(organ: str, code: str, document_id: str, day: date | None) -> dict[str, Any]:
    return {
        "organId": organ,
        "code": code,
        "documentId": document_id,
        "promulgationDate": None if day is None else format_date(day),
    }


def expected_fields(env: Envelope) -> dict[str, Any]:
    """What the library should read, from the Envelope of the bytes we wrote."""
    h = env.header
    if isinstance(h, Status):
        r = h.response_for
        return {
            "from": h.from_.organ_id,
            "statusCode": h.status_code.value,
            "responseFor": _rf(r.organ_id, r.code, r.document_id, r.promulgation_date),
            "description": h.description,
            "timestamp": format_timestamp(h.timestamp),
            "signature": env.signature_count > 0,
        }
    return {
        "documentId": h.document_id,
        "codeNumber": h.code.code_number,
        "codeNotation": h.code.code_notation,
        "from": h.from_.organ_id,
        "to": [o.organ_id for o in h.to],
        "subject": h.subject,
        "promulgationDate": format_date(h.promulgation_info.promulgation_date),
        "responseFor": [
            _rf(r.organ_id, r.code, r.document_id, r.promulgation_date) for r in h.response_for
        ],
        "attachments": [
            {"name": a.attachment_name, "contentType": a.content_type, "sha256": a.sha256}
            for a in env.attachments
        ],
        "signature": env.signature_count > 0,
    }


def read_fields(read: dict[str, Any]) -> dict[str, Any]:
    """The probe's reading in the same shape."""
    assert "error" not in read, read
    if read["kind"] == "status":
        return {
            "from": read["from"]["organId"],
            "statusCode": read["statusCode"],
            "responseFor": read["responseFor"],
            "description": read["description"],
            "timestamp": read["timestamp"],
            "signature": read["signature"],
        }
    return {
        "documentId": read["documentId"],
        "codeNumber": read["codeNumber"],
        "codeNotation": read["codeNotation"],
        "from": read["from"]["organId"],
        "to": [o["organId"] for o in read["to"]],
        "subject": read["subject"],
        "promulgationDate": read["promulgationDate"],
        "responseFor": read["responseFor"],
        "attachments": read["attachments"],
        "signature": read["signature"],
    }


def compare(emitted: dict[str, bytes], probe: tuple[Path, Path], work: Path) -> list[Row]:
    paths = {}
    lines = []
    for name, data in emitted.items():
        path = work / f"{name}.edxml"
        path.write_bytes(data)
        paths[name] = path
        kind = "status" if parse(data).kind is MessageKind.STATUS else "document"
        lines.append(f"read\t{kind}\t{path}")
    rows: list[Row] = []
    for (name, data), read in zip(emitted.items(), run_probe(probe, work, lines), strict=True):
        ours, theirs = expected_fields(parse(data)), read_fields(read)
        assert ours.keys() == theirs.keys()
        rows += [(name, field, ours[field], theirs[field]) for field in ours]
    return rows


def assert_all_match(rows: list[Row]) -> None:
    table = "\n".join(
        f"{'ok ' if ours == theirs else 'DIFF'} {name:18} {field:16} {ours!r} / {theirs!r}"
        for name, field, ours, theirs in rows
    )
    print(table)  # pytest -s: the field × match table
    assert all(ours == theirs for _, _, ours, theirs in rows), table


async def _inbox_bodies(engine: Any, who: Any) -> list[tuple[Any, bytes]]:
    page = await engine.exchange.inbox(who, limit=50, cursor=None)
    out = []
    for item in page.items:
        body = await engine.exchange.open_message(item.id, who)
        out.append((item, b"".join([c async for c in body.chunks()])))
    return out


async def test_the_library_reads_what_the_nodes_emit(
    pair: Any, probe: tuple[Path, Path], tmp_path: Path
) -> None:
    a, b, _, _ = await pair()
    data, doc_id = document(H41, (G22,))
    await a.exchange.submit(
        _incoming(tmp_path, data, "d.xml"), principal=DMS_H41, kind=MessageKind.DOCUMENT
    )
    await _drain(a, b)
    accepted = status(G22, doc_id, "03", datetime.now(UTC), description="Đã tiếp nhận văn bản")
    await b.exchange.submit(
        _incoming(tmp_path, accepted, "s.xml"), principal=DMS_G22, kind=MessageKind.STATUS
    )
    await _drain(a, b)

    ((_, delivered),) = await _inbox_bodies(b, DMS_G22)
    statuses = {item.status_code: body for item, body in await _inbox_bodies(a, DMS_H41)}
    assert sorted(statuses) == ["01", "03"]
    emitted = {
        "signed document": delivered,
        "automatic 01": statuses["01"],
        "relayed 03": statuses["03"],
    }
    for body in emitted.values():
        assert b"SignatureValue" in body
    assert b"<edXML:Status>" not in statuses["01"]  # written as the library reads it

    rows = compare(emitted, probe, tmp_path)

    assert_all_match(rows)
    got = {(name, field): theirs for name, field, _, theirs in rows}
    assert got["signed document", "documentId"] == doc_id  # not merely equal Nones
    assert got["signed document", "to"] == [G22]
    assert got["automatic 01", "statusCode"] == "01"
    assert got["automatic 01", "from"] == G22
    assert got["automatic 01", "responseFor"]["documentId"] == doc_id
    assert got["relayed 03", "statusCode"] == "03"


async def test_the_library_reads_the_refusals_the_nodes_emit(
    pair: Any, probe: tuple[Path, Path], tmp_path: Path
) -> None:
    a, b, _, _ = await pair(tamper=True)
    data, doc_id = document(H41, (G22,))
    await a.exchange.submit(
        _incoming(tmp_path, data, "d.xml"), principal=DMS_H41, kind=MessageKind.DOCUMENT
    )
    await _drain(a, b)
    refusals = [
        (item, body) for item, body in await _inbox_bodies(a, DMS_H41) if item.status_code == "02"
    ]
    by_sender = {item.from_: body for item, body in refusals}
    assert sorted(by_sender) == sorted({G22, H41})  # B's 02, and A's failure notice
    emitted = {"02 from the peer": by_sender[G22], "failure notice 02": by_sender[H41]}

    rows = compare(emitted, probe, tmp_path)

    assert_all_match(rows)
    got = {(name, field): theirs for name, field, _, theirs in rows}
    for name in emitted:
        assert got[name, "statusCode"] == "02"
        assert got[name, "responseFor"]["documentId"] == doc_id
        assert got[name, "description"]  # the reason travels with it


def test_why_statuses_are_written_in_message_header(
    probe: tuple[Path, Path], tmp_path: Path, sample_status: bytes
) -> None:
    """The library reads a status's header from MessageHeader only: the same
    status wrapped in Status (lienthong's former output) reads as nothing."""
    wrapped = tmp_path / "wrapped.edxml"
    wrapped.write_bytes(sample_status.replace(b"edXML:MessageHeader>", b"edXML:Status>"))
    plain = tmp_path / "plain.edxml"
    plain.write_bytes(sample_status)
    as_status, as_header = run_probe(
        probe, tmp_path, [f"read\tstatus\t{wrapped}", f"read\tstatus\t{plain}"]
    )
    assert as_status["error"] == "no MessageHeader read"
    assert read_fields(as_header) == expected_fields(parse(sample_status))


# ----------------------------------------------------------------- the other way round

_WORDS = (
    "văn bản điện tử liên thông báo cáo kết quả triển khai kế hoạch năm Ủy ban nhân dân "
    "tỉnh Sở Thông tin và Truyền thông quyết định về việc phê duyệt đề án chuyển đổi số "
    "hướng dẫn thực hiện Nghị định Thông tư công văn khẩn hỏa tốc giấy mời họp"
)
WORDS = tuple(_WORDS.split())
MARKUP = ("&", "<", ">", '"', "'", "R&D", "<b>", "a>b")
NOTATIONS = ("UBND-VP", "VPCP-TTĐT", "STTTT-CĐS", "BTTTT-THH")
CONTENT_TYPES = (
    ("application/pdf", ".pdf"),
    ("text/plain", ".txt"),
    ("image/png", ".png"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", ".docx"),
)


def _organ(rng: random.Random) -> str:
    groups = rng.randrange(1000), rng.randrange(100), rng.randrange(100), rng.randrange(100)
    return f"{groups[0]:03d}.{groups[1]:02d}.{groups[2]:02d}.{rng.choice('GHK')}{groups[3]:02d}"


def _text(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(WORDS + MARKUP) for _ in range(rng.randint(low, high))]
    text = " ".join(words)
    return unicodedata.normalize("NFD", text) if rng.random() < 0.3 else text


def _day(rng: random.Random) -> date:
    return date(2026, 1, 1) + timedelta(days=rng.randrange(365))


def generated(rng: random.Random, work: Path, index: int) -> tuple[str, dict[str, Any]]:
    """One probe line and what lienthong must read from what the builder makes."""
    sender = _organ(rng)
    day = _day(rng)
    notation = rng.choice(NOTATIONS)
    number = str(rng.randint(1, 99999))
    document_id = f"{sender},{format_date(day)},{number}/{notation}"
    if index % 3 == 2:
        code = rng.choice(list(StatusCode)).value
        at = datetime(2026, 1, 1, tzinfo=VN_TZ) + timedelta(seconds=rng.randrange(365 * 86400))
        reporter = _organ(rng)
        description = _text(rng, 2, 12)
        fields = [
            "status", str(work), reporter, _text(rng, 1, 5), sender, f"{number}/{notation}",
            document_id, format_date(day), code, description, format_timestamp(at),
            _text(rng, 1, 3), _text(rng, 1, 3),
        ]  # fmt: skip
        expected = {
            "kind": MessageKind.STATUS,
            "from": reporter,
            "statusCode": code,
            "responseFor": _rf(sender, f"{number}/{notation}", document_id, day),
            "description": unicodedata.normalize("NFC", description),
            "timestamp": format_timestamp(at),
        }
        return "\t".join(fields), expected
    recipients = [_organ(rng) for _ in range(rng.randint(1, 4))]
    attachments = []
    for n in range(rng.randint(0, 3)):
        content_type, suffix = rng.choice(CONTENT_TYPES)
        content = rng.randbytes(rng.randint(1, 4096))
        path = work / f"att-{index}-{n}{suffix}"
        path.write_bytes(content)
        name = f"Tệp đính kèm {n + 1} - {rng.choice(WORDS)}{suffix}"
        attachments.append((name, content_type, _text(rng, 1, 4), path, content))
    subject = _text(rng, 3, 20)
    fields = [
        "document", str(work), sender, LIST.join(recipients), document_id, number, notation,
        format_date(day), rng.choice(("Hà Nội", "Nghệ An", "Đà Nẵng")), str(rng.randint(1, 9)),
        rng.choice(("Công văn", "Quyết định", "Thông báo")), subject, _text(rng, 5, 30),
        str(rng.randint(0, 3)), _text(rng, 2, 4),
        LIST.join(PART.join((a[0], a[1], a[2], str(a[3]))) for a in attachments),
    ]  # fmt: skip
    expected = {
        "kind": MessageKind.DOCUMENT,
        "documentId": document_id,
        "from": sender,
        "to": recipients,
        "subject": unicodedata.normalize("NFC", subject),
        "attachments": [(unicodedata.normalize("NFC", a[0]), a[4]) for a in attachments],
    }
    return "\t".join(fields), expected


def _unwrapped(content_type: str, content: bytes | None) -> bytes | None:
    """The file the builder was given. It chooses ContentType itself from the
    file's format and zips what is not pdf/doc/docx/xls/zip (application/zip,
    one member): lienthong must read exactly that."""
    if content_type != "application/zip" or content is None:
        return content
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        (member,) = archive.namelist()
        return archive.read(member)


def lienthong_read(env: Envelope) -> dict[str, Any]:
    h = env.header
    if isinstance(h, Status):
        r = h.response_for
        return {
            "kind": env.kind,
            "from": h.from_.organ_id,
            "statusCode": h.status_code.value,
            "responseFor": _rf(r.organ_id, r.code, r.document_id, r.promulgation_date),
            "description": h.description,
            "timestamp": format_timestamp(h.timestamp),
        }
    assert isinstance(h, MessageHeader)
    return {
        "kind": env.kind,
        "documentId": h.document_id,
        "from": h.from_.organ_id,
        "to": [o.organ_id for o in h.to],
        "subject": h.subject,
        "attachments": [
            (a.attachment_name, _unwrapped(a.content_type, a.content)) for a in env.attachments
        ],
    }


def test_lienthong_accepts_what_the_national_builders_write(
    probe: tuple[Path, Path], tmp_path: Path
) -> None:
    rng = random.Random(SEED)
    cases = [generated(rng, tmp_path, i) for i in range(COUNT)]
    built = run_probe(probe, tmp_path, [line for line, _ in cases])
    assert len(built) == COUNT
    kinds = [expected["kind"] for _, expected in cases]
    assert kinds.count(MessageKind.STATUS) == COUNT // 3  # both builders exercised
    assert any(len(e.get("attachments", ())) > 1 for _, e in cases)
    assert any(len(e.get("to", ())) > 2 for _, e in cases)
    for (line, expected), result in zip(cases, built, strict=True):
        assert "error" not in result, (line, result)
        report = validate_file(Path(result["path"]))
        assert report.valid, (line, [str(i) for i in report.issues])
        assert report.envelope is not None
        assert lienthong_read(report.envelope) == expected, line
