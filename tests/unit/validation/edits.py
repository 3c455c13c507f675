"""Small helpers that break a sample in one precise way."""

from __future__ import annotations


def remove(data: bytes, element: str, occurrence: int = 1) -> bytes:
    """Drop the n-th ``<edXML:element>…</edXML:element>`` block."""
    text = data.decode()
    start = -1
    for _ in range(occurrence):
        start = text.index(f"<edXML:{element}>", start + 1)
    end = text.index(f"</edXML:{element}>", start) + len(f"</edXML:{element}>")
    return (text[:start] + text[end:]).encode()


def set_text(data: bytes, element: str, value: str, occurrence: int = 1) -> bytes:
    """Replace the text of the n-th ``<edXML:element>``."""
    text = data.decode()
    start = -1
    for _ in range(occurrence):
        start = text.index(f"<edXML:{element}>", start + 1)
    start += len(f"<edXML:{element}>")
    end = text.index("</", start)
    return (text[:start] + value + text[end:]).encode()


def attachment_block(data: bytes) -> bytes:
    start = data.index(b"<Attachment>")
    end = data.index(b"</Attachment>") + len(b"</Attachment>")
    return data[start:end]
