"""Mutated envelopes against `lienthong validate`, the DMS API and the peer API.

Mutants come from a seeded byte- and element-level mutator (the same seed gives
the same mutants). Per target the report counts:

- ``crashes``: a traceback or an exit code outside 0/1/2 (CLI); the node
  process died or stopped answering (APIs);
- ``server_errors``: any 5xx answer;
- ``wrongly_accepted``: the CLI said "valid" for bytes that are not even
  well-formed XML; the DMS API accepted (2xx) what ``validate`` refuses; the
  peer API accepted (2xx) bytes whose canonical XML (C14N) differs from the
  signed original, i.e. the signature should have failed.
"""

from __future__ import annotations

import contextlib
import io
import random
import re
import ssl
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
from lxml import etree

from tests.support.harness.dms import TRANSIENT, Dms

TOKENS = [
    b"<",
    b">",
    b"&",
    b"&amp;",
    b"&xxe;",
    b'<!DOCTYPE edXML [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>',
    b'<!DOCTYPE a [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;">]>',
    b"<![CDATA[",
    b"]]>",
    b"\x00",
    b"\xff\xfe",
    b"\xc3\x28",
    b'"',
    b"'",
    b"9" * 400,
    b"-1",
    b"<edXML:To><edXML:OrganId>000.00.00.G22</edXML:OrganId></edXML:To>",
    b'<x xmlns="urn:x"/>',
    b"<a>" * 200,
    b"<?xml-stylesheet href='x'?>",
    b"<!-- -->",
]
VALUES = [
    b"",
    b" ",
    b"0",
    b"-5",
    b"99999999999999999999",
    b"2026/13/45",
    b"2026-11-20",
    b"000.00.00.G22",
    b"000.00.00.H41",
    b"999.99.99.Z99",
    b"*",
    "Đơn vị thử nghiệm".encode(),
    b"A" * 5000,
    b"\t\n",
    b"&lt;b&gt;",
]
ELEMENT = re.compile(rb"<([A-Za-z]+:[A-Za-z]+)>([^<]*)</\1>")


def _flip(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data))
    return data[:i] + bytes([data[i] ^ (1 << rng.randrange(8))]) + data[i + 1 :]


def _delete(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data))
    return data[:i] + data[i + rng.randint(1, 64) :]


def _duplicate(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data))
    j = min(len(data), i + rng.randint(1, 200))
    return data[:j] + data[i:j] + data[j:]


def _insert(rng: random.Random, data: bytes) -> bytes:
    i = rng.randrange(len(data))
    return data[:i] + rng.choice(TOKENS) + data[i:]


def _truncate(rng: random.Random, data: bytes) -> bytes:
    return data[: rng.randrange(len(data))]


def _value(rng: random.Random, data: bytes) -> bytes:
    found = list(ELEMENT.finditer(data))
    if not found:
        return _flip(rng, data)
    m = rng.choice(found)
    return data[: m.start(2)] + rng.choice(VALUES) + data[m.end(2) :]


def _drop_element(rng: random.Random, data: bytes) -> bytes:
    found = list(ELEMENT.finditer(data))
    if not found:
        return _delete(rng, data)
    m = rng.choice(found)
    return data[: m.start()] + data[m.end() :]


def _copy_element(rng: random.Random, data: bytes) -> bytes:
    found = list(ELEMENT.finditer(data))
    if not found:
        return _duplicate(rng, data)
    m = rng.choice(found)
    return data[: m.end()] + m.group(0) + data[m.end() :]


def _swap_lines(rng: random.Random, data: bytes) -> bytes:
    lines = data.split(b"\n")
    if len(lines) < 3:
        return _flip(rng, data)
    i, j = rng.sample(range(len(lines)), 2)
    lines[i], lines[j] = lines[j], lines[i]
    return b"\n".join(lines)


MUTATORS: list[Callable[[random.Random, bytes], bytes]] = [
    _flip,
    _delete,
    _duplicate,
    _insert,
    _truncate,
    _value,
    _value,
    _drop_element,
    _copy_element,
    _swap_lines,
]


def mutants(original: bytes, count: int, seed: int) -> Iterator[bytes]:
    """``count`` mutants of ``original`` (1 to 3 mutations each), none equal to it."""
    rng = random.Random(seed)
    made = 0
    for _ in range(count * 10):  # bounded: a mutation may give the original back
        if made == count:
            return
        data = original
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            if data:
                data = rng.choice(MUTATORS)(rng, data)
        if data and data != original:
            made += 1
            yield data


def canonical(data: bytes) -> bytes | None:
    """Canonical XML (C14N 1.0 without comments, as XML signatures see it) of
    ``data``; None when it does not parse safely."""
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError:
        return None
    if root.getroottree().docinfo.doctype:
        return None
    out: bytes = etree.tostring(root.getroottree(), method="c14n", with_comments=False)
    return out


@dataclass
class FuzzReport:
    target: str
    cases: int = 0
    outcomes: Counter[str] = field(default_factory=Counter)
    crashes: list[str] = field(default_factory=list)
    server_errors: list[str] = field(default_factory=list)
    wrongly_accepted: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def clean(self) -> bool:
        return not (self.crashes or self.server_errors or self.wrongly_accepted)

    def row(self) -> str:
        top = ", ".join(f"{k}: {v}" for k, v in self.outcomes.most_common(5))
        return (
            f"{self.target:<9} {self.cases:>6} {len(self.crashes):>7} "
            f"{len(self.server_errors):>5} {len(self.wrongly_accepted):>16} "
            f"{self.seconds:>7.1f}   {top}"
        )


HEADER = (
    f"{'target':<9} {'cases':>6} {'crashes':>7} {'5xx':>5} {'wrongly accepted':>16} "
    f"{'seconds':>7}   answers"
)


def _sample(data: bytes) -> str:
    return repr(data[:120]) + ("…" if len(data) > 120 else "")


def fuzz_validate(original: bytes, count: int, seed: int, workdir: Path) -> FuzzReport:
    """In process: ``lienthong --debug validate FILE`` (so a bug shows its traceback)."""
    from node.app.cli.main import main

    report = FuzzReport("validate")
    started = time.monotonic()
    path = workdir / "mutant.edxml"
    for data in mutants(original, count, seed):
        report.cases += 1
        path.write_bytes(data)
        out, err = io.StringIO(), io.StringIO()
        try:
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(["--debug", "validate", str(path)])
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else 2
        except Exception:
            report.crashes.append(f"{traceback.format_exc(limit=3)}\n{_sample(data)}")
            report.outcomes["crash"] += 1
            continue
        report.outcomes[f"exit {code}"] += 1
        if code not in (0, 1, 2) or "Traceback" in err.getvalue():
            report.crashes.append(f"exit {code}: {err.getvalue()[-300:]} {_sample(data)}")
        elif code == 0 and canonical(data) is None:
            report.wrongly_accepted.append(_sample(data))
    report.seconds = time.monotonic() - started
    return report


async def fuzz_dms(dms: Dms, original: bytes, count: int, seed: int) -> FuzzReport:
    from node.validation import validate_bytes

    report = FuzzReport("dms-api")
    started = time.monotonic()
    for data in mutants(original, count, seed):
        report.cases += 1
        answer = await dms.post_once(data)
        report.outcomes[str(answer)] += 1
        if answer == "down":
            report.crashes.append(f"no answer: {_sample(data)}")
        elif isinstance(answer, int) and answer >= 500:
            report.server_errors.append(f"{answer}: {_sample(data)}")
        elif isinstance(answer, int) and answer < 300 and not validate_bytes(data).valid:
            report.wrongly_accepted.append(f"{answer}: {_sample(data)}")
    report.seconds = time.monotonic() - started
    return report


def peer_ssl(cert: Path, key: Path, ca: Path) -> ssl.SSLContext:
    context = ssl.create_default_context(cafile=str(ca))
    context.check_hostname = False
    context.load_cert_chain(str(cert), str(key))
    return context


async def fuzz_peer(
    http: aiohttp.ClientSession,
    url: str,
    context: ssl.SSLContext,
    original: bytes,
    count: int,
    seed: int,
    *,
    recipient: str,
) -> FuzzReport:
    """Mutants of a signed ``original`` as transfers from the peer whose TLS
    identity ``context`` holds; each with a message id of its own."""
    import hashlib
    import json

    report = FuzzReport("peer-api")
    started = time.monotonic()
    reference = canonical(original)

    async def post(data: bytes, message_id: str) -> int | str:
        headers = {
            "Content-Type": "application/xml",
            "Lienthong-Message-Id": message_id,
            "Lienthong-Kind": "document",
            "Lienthong-Recipients": recipient,
            "Lienthong-Hops": json.dumps([]),
            "Lienthong-Content-SHA256": hashlib.sha256(data).hexdigest(),
        }
        try:
            async with http.post(
                f"{url}/peer/v1/messages", data=data, headers=headers, ssl=context
            ) as resp:
                await resp.read()
                return resp.status
        except TRANSIENT:
            return "down"

    baseline = await post(original, f"fuzz-{seed}-original")
    if baseline not in (200, 202):
        raise AssertionError(f"the unmutated signed document was answered {baseline}")
    for n, data in enumerate(mutants(original, count, seed)):
        report.cases += 1
        answer = await post(data, f"fuzz-{seed}-{n}")
        report.outcomes[str(answer)] += 1
        if answer == "down":
            report.crashes.append(f"no answer: {_sample(data)}")
        elif isinstance(answer, int) and answer >= 500:
            report.server_errors.append(f"{answer}: {_sample(data)}")
        elif isinstance(answer, int) and answer < 300 and canonical(data) != reference:
            report.wrongly_accepted.append(f"{answer}: {_sample(data)}")
    report.seconds = time.monotonic() - started
    return report


def describe(reports: list[FuzzReport]) -> str:
    lines = [HEADER, *(r.row() for r in reports)]
    for r in reports:
        for name in ("crashes", "server_errors", "wrongly_accepted"):
            items: list[Any] = getattr(r, name)
            for item in items[:3]:
                lines.append(f"  {r.target} {name}: {item}")
    return "\n".join(lines)
