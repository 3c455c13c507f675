"""Validation throughput and memory, measured side by side in one run.

For a 20 KB and a 1 MB edXML document (the packaged sample with an attachment
grown to size) it prints documents/s of

- ``bare``: lxml parse (hardened parser) + ``XMLSchema.validate`` with the
  packaged edXML schema, nothing else;
- ``lienthong``: ``Validator.validate_bytes`` — the verdict: hardened parse,
  normalisation, XSD (the strict first pass), business rules, strict base64
  check of attachments. The Envelope is built when first read (the engine
  reads it in its worker thread);
- ``+envelope``: the same, then reading ``report.envelope`` (the frozen model,
  attachments decoded and hashed);

and the ratios to bare (goal: >= 0.7). Rates are CPU time of this process
(``time.process_time``): the machine is shared, so wall time measures the
neighbours. Each rate is the best of ``--rounds`` rounds, bare and ours
alternating. Then the peak RSS of a fresh process that validates one document
with a 200 MB attachment via ``validate_file`` (the streaming path), next to
the peak RSS of the same process doing nothing.

    python bench/validate.py [--quick] [--rounds N]

``--quick`` runs fewer rounds and uses a 20 MB attachment.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from lxml import etree

from node.edxml import build
from node.model import Envelope
from node.validation import Validator
from schemas import SAMPLE_DOCUMENT, load_edxml_schema, schema_path

MiB = 1024 * 1024


def sample_envelope(validator: Validator) -> Envelope:
    report = validator.validate_file(schema_path(SAMPLE_DOCUMENT))
    report.raise_for_issues()
    assert report.envelope is not None
    return report.envelope


def document_of_size(env: Envelope, target: int) -> bytes:
    """The sample with its attachment grown so the whole file is about ``target`` bytes."""
    base = len(build(env))
    raw = max(0, (target - base) * 3 // 4)
    content = os.urandom(raw)
    attachment = dataclasses.replace(env.attachments[0], content=content, size=None, sha256=None)
    return build(dataclasses.replace(env, attachments=(attachment,)))


def best_seconds(fn: Callable[[], object], rounds: int, per_round: int) -> float:
    """Best CPU seconds per call over ``rounds`` rounds of ``per_round`` calls."""
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        for _ in range(per_round):
            fn()
        best = min(best, (time.process_time() - started) / per_round)
    return best


def throughput(data: bytes, validator: Validator, rounds: int) -> tuple[float, float, float]:
    """Documents/s of bare, lienthong (verdict) and lienthong reading the Envelope."""
    schema = load_edxml_schema().xmlschema
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

    def bare() -> None:
        if not schema.validate(etree.fromstring(data, parser).getroottree()):
            raise SystemExit("bare validation failed")

    def ours() -> None:
        if not validator.validate_bytes(data).valid:
            raise SystemExit("lienthong validation failed")

    def with_envelope() -> None:
        if validator.validate_bytes(data).envelope is None:
            raise SystemExit("lienthong validation failed")

    per_round = max(3, int(1_000_000 / max(len(data), 1)))
    best = [float("inf")] * 3
    for _ in range(rounds):  # interleaved, so all see the same machine load
        for i, fn in enumerate((bare, ours, with_envelope)):
            best[i] = min(best[i], best_seconds(fn, 1, per_round))
    return 1 / best[0], 1 / best[1], 1 / best[2]


def write_large(env: Envelope, path: Path, attachment_bytes: int) -> None:
    """A valid document whose attachment is ``attachment_bytes`` long, written in
    chunks (76-character base64 lines) without holding it in memory."""
    placeholder = b"QUJD"
    small = dataclasses.replace(env.attachments[0], content=b"ABC")
    text = build(dataclasses.replace(env, attachments=(small,)))
    head, tail = text.split(placeholder)
    chunk = 57 * 1024 * 16  # a multiple of 57 bytes -> whole 76-char lines
    with path.open("wb") as out:
        out.write(head + b"\n")
        left = attachment_bytes
        while left > 0:
            n = min(chunk, left - left % 3 if left > chunk else left)
            block = os.urandom(n)
            out.write(_b64_lines(block))
            left -= n
        out.write(tail)


def _b64_lines(block: bytes) -> bytes:
    import base64

    return base64.encodebytes(block)


_RSS_CHILD = """
import resource, sys
from pathlib import Path
from node.validation import Validator
validator = Validator()
if sys.argv[1] != "-":
    report = validator.validate_file(Path(sys.argv[1]))
    att = report.envelope.attachments[0] if report.envelope else None
    print("valid", report.valid, att.size if att else None)
print("maxrss_kib", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_rss(path: str) -> tuple[int, str]:
    out = subprocess.run(
        [sys.executable, "-c", _RSS_CHILD, path], capture_output=True, text=True, check=True
    ).stdout
    values = dict(line.split(" ", 1) for line in out.strip().splitlines())
    return int(values["maxrss_kib"]), values.get("valid", "")


def main(argv: list[str] | None = None) -> int:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--quick", action="store_true", help="fewer rounds, 20 MB attachment")
    args.add_argument("--rounds", type=int, help="alternating rounds (default 15, quick 5)")
    opts = args.parse_args(argv)
    rounds = opts.rounds or (5 if opts.quick else 15)
    validator = Validator()
    env = sample_envelope(validator)

    print(
        f"{'document':<9} {'bytes':>8} {'bare docs/s':>12} {'lienthong docs/s':>17} {'ratio':>6} "
        f"{'+envelope docs/s':>17} {'ratio':>6}"
    )
    for label, target in (("20KB", 20 * 1024), ("1MB", MiB)):
        data = document_of_size(env, target)
        bare, ours, full = throughput(data, validator, rounds)
        print(
            f"{label:<9} {len(data):>8} {bare:>12.0f} {ours:>17.0f} {ours / bare:>6.2f} "
            f"{full:>17.0f} {full / bare:>6.2f}"
        )

    size = (20 if opts.quick else 200) * MiB
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "large.edxml"
        write_large(env, path, size)
        started = time.perf_counter()
        rss, verdict = peak_rss(str(path))
        seconds = time.perf_counter() - started
        idle, _ = peak_rss("-")
        print(
            f"rss: attachment {size // MiB} MB, file {path.stat().st_size // MiB} MB, "
            f"{verdict}, peak RSS {rss // 1024} MiB (idle process {idle // 1024} MiB, "
            f"+{(rss - idle) // 1024} MiB), {seconds:.1f} s"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
