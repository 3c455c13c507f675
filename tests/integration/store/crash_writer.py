"""Child process of test_crash: accepts messages in a loop and prints each id
only after its commit returned, until it is killed.

    python -m tests.integration.store.crash_writer STORE_URL SPOOL_DIR SEED
"""

from __future__ import annotations

import asyncio
import hashlib
import random
import sys
from datetime import UTC, datetime
from pathlib import Path

from node.model import MessageKind
from node.ports.driven import Destination, DestinationKind, Direction, Hop
from node.store import store_from_url
from node.store.records import (
    NewDelivery,
    NewInboxEntry,
    NewMessage,
    NewStatusEntry,
    Source,
    new_id,
)


def build(spool_dir: Path, rng: random.Random) -> NewMessage:
    mid = new_id()
    data = rng.randbytes(rng.choice((200, 50_000, 1_500_000)))
    spool = spool_dir / f"{mid}.part"
    spool.write_bytes(data)
    now = datetime.now(UTC)
    document_id = f"000.00.00.H41,2026/11/20,{mid}/UBND"
    return NewMessage(
        id=mid,
        origin_id=mid,
        kind=MessageKind.DOCUMENT,
        document_id=document_id,
        sender="000.00.00.H41",
        recipients=("000.00.12.H41", "000.00.00.G22"),
        source=Source.DMS,
        source_name="dms-a",
        received_at=now,
        body=spool,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        hops=(Hop("000.00.00.H41", now, Direction.IN),),
        deliveries=(
            NewDelivery(new_id(), Destination(DestinationKind.PEER, "g22"), ("000.00.00.G22",)),
        ),
        inbox=(NewInboxEntry("000.00.12.H41", "dms-b"),),
        statuses=(NewStatusEntry(document_id, "000.00.12.H41", "01", now),),
        keys=(
            f"doc|{document_id}|000.00.00.H41|000.00.12.H41",
            f"doc|{document_id}|000.00.00.H41|000.00.00.G22",
        ),
        tracked=("000.00.12.H41", "000.00.00.G22"),
    )


async def main(url: str, spool_dir: Path, seed: int) -> None:
    rng = random.Random(seed)
    store = store_from_url(url)
    await store.open()
    print("ready", flush=True)
    while True:
        message = build(spool_dir, rng)
        await store.accept([message])
        sys.stdout.write(f"{message.id} {message.sha256}\n")
        sys.stdout.flush()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), int(sys.argv[3])))
