"""Benchmark documents: valid edXML from the shared sample, grown to a size with
an attachment, each with its own DocumentId (so nothing is a duplicate)."""

from __future__ import annotations

import base64
import dataclasses
import os
import re
from pathlib import Path

from node.edxml import build
from node.validation import parse
from tests.unit.engine.messages import document

KB = 1024
MB = 1024 * 1024


class Documents:
    """``n``-th document from ``sender`` to ``recipient`` of about ``size`` bytes:
    one template, only DocumentId and CodeNumber change (cheap to make many)."""

    def __init__(self, sender: str, recipient: str, size: int = 20 * KB) -> None:
        data, self._template_id = document(sender, (recipient,), number=1)
        env = parse(data)
        raw = max(0, (size - len(data)) * 3 // 4)
        attachment = dataclasses.replace(
            env.attachments[0], content=os.urandom(raw), size=None, sha256=None
        )
        self.template = build(dataclasses.replace(env, attachments=(attachment,)))
        self.sender = sender

    def __call__(self, n: int) -> bytes:
        doc_id = f"{self.sender},2026/11/20,{n}/UBND-BENCH"
        text = self.template.replace(self._template_id.encode(), doc_id.encode(), 1)
        return re.sub(rb"<edXML:CodeNumber>[^<]+", f"<edXML:CodeNumber>{n}".encode(), text, count=1)


def write_large(path: Path, sender: str, recipient: str, attachment_bytes: int) -> int:
    """A valid document with an attachment of ``attachment_bytes`` random bytes,
    written in 76-character base64 lines without holding it in memory."""
    data, _ = document(sender, (recipient,), number=7)
    env = parse(data)
    small = dataclasses.replace(env.attachments[0], content=b"ABC", size=None, sha256=None)
    head, tail = build(dataclasses.replace(env, attachments=(small,))).split(b"QUJD")
    chunk = 57 * 1024 * 16  # a multiple of 57 bytes: whole 76-character lines
    with path.open("wb") as out:
        out.write(head + b"\n")
        left = attachment_bytes
        while left > 0:
            n = min(chunk, left)
            out.write(base64.encodebytes(os.urandom(n)))
            left -= n
        out.write(tail)
    return path.stat().st_size
