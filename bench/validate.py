"""Validation throughput and memory, measured side by side in one run.

For a 20 KB and a 1 MB edXML document (the packaged sample with an attachment
grown to size) it prints documents/s of

- ``bare``: lxml parse (hardened parser) + ``XMLSchema.validate`` with the same
  compiled edXML schema, nothing else;
- ``lienthong``: ``Validator.validate_bytes`` (hardened parse, normalisation,
  XSD, business rules, strict base64 check + decode + SHA-256 of attachments,
  Envelope built) — the fast path;

and their ratio (goal: >= 0.7). Then the peak RSS of a fresh process that
validates one document with a 200 MB attachment via ``validate_file`` (the
streaming path), next to the peak RSS of the same process doing nothing.

    python bench/validate.py [--quick]

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
    best = float("inf")
    for _ in range(rounds):
        started = time.perf_counter()
        for _ in range(per_round):
            fn()
        best = min(best, (time.perf_counter() - started) / per_round)
    return best


def throughput(data: bytes, validator: Validator, rounds: int) -> tuple[float, float]:
    schema = load_edxml_schema().xmlschema
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)

    def bare() -> None:
        if not schema.validate(etree.fromstring(data, parser).getroottree()):
            raise SystemExit("bare validation failed")

    def ours() -> None:
        if validator.validate_bytes(data).envelope is None:
            raise SystemExit("lienthong validation failed")

    per_round = max(1, int(2_000_000 / max(len(data), 1)))
    bare_best = ours_best = float("inf")
    for _ in range(rounds):  # interleaved, so both see the same machine load
        bare_best = min(bare_best, best_seconds(bare, 1, per_round))
        ours_best = min(ours_best, best_seconds(ours, 1, per_round))
    return 1 / bare_best, 1 / ours_best


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
    opts = args.parse_args(argv)
    rounds = 3 if opts.quick else 15
    validator = Validator()
    env = sample_envelope(validator)

    print(
        f"{'document':<10} {'bytes':>9} {'bare docs/s':>12} {'lienthong docs/s':>17} {'ratio':>6}"
    )
    for label, target in (("20KB", 20 * 1024), ("1MB", MiB)):
        data = document_of_size(env, target)
        bare, ours = throughput(data, validator, rounds)
        print(f"{label:<10} {len(data):>9} {bare:>12.0f} {ours:>17.0f} {ours / bare:>6.2f}")

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
