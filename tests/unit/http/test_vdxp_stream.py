"""getEdoc's streamed base64 answer is exactly the JSON a VDXP client expects,
however the store cuts the message into chunks."""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import AsyncIterator

from hypothesis import given
from hypothesis import strategies as st

from adapters.http.vdxp import _answer_pieces


class ChoppedBody:
    def __init__(self, parts: list[bytes]) -> None:
        self.parts = parts
        self.size = sum(len(p) for p in parts)
        self.sha256 = ""

    async def chunks(self, chunk_size: int = 1 << 20) -> AsyncIterator[bytes]:
        for part in self.parts:
            yield part


async def _collect(body: ChoppedBody) -> bytes:
    return b"".join([piece async for piece in _answer_pieces(body)])


@given(st.lists(st.binary(max_size=50), max_size=8))
def test_pieces_make_one_json_answer_with_the_bytes(parts: list[bytes]) -> None:
    answer = json.loads(asyncio.run(_collect(ChoppedBody(parts))))
    assert answer["status"] == "OK"
    assert base64.b64decode(answer["data"], validate=True) == b"".join(parts)
