"""The thread pool that runs validation, signing and verification for a
serving node, with the edXML schema compiled in each thread as it starts.

lxml compiles one XSD per thread (node.validation keeps a schema per thread);
compiled at the same moment in several threads, a copy once came out broken
("element edXMLEnvelope is not allowed here; expected edXMLEnvelope"), and
right after a restart under load that refused good documents with 400. Here
each new worker thread validates a small status message before its first
task, one thread at a time, so no request ever compiles a schema; ``serve``
warms the event loop's own thread the same way before it listens (small
messages are validated there, see node.engine.context.SMALL_BYTES)."""

from __future__ import annotations

import asyncio
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import date, datetime

log = logging.getLogger("lienthong.node")
_ONE_AT_A_TIME = threading.Lock()


def probe_message() -> bytes:
    """A small valid status message (built, not read from a file)."""
    from node import edxml
    from node.model import VN_TZ, Envelope, Organ, ResponseFor, Status, StatusCode

    return edxml.build(
        Envelope(
            header=Status(
                from_=Organ("000.00.00.G22"),
                response_for=ResponseFor(
                    organ_id="000.00.00.H41",
                    code="1/UBND",
                    promulgation_date=date(2026, 1, 2),
                    document_id="000.00.00.H41,2026/01/02,1/UBND",
                ),
                status_code=StatusCode.ARRIVED,
                timestamp=datetime(2026, 1, 2, 8, 0, tzinfo=VN_TZ),
            )
        )
    )


def warm_thread() -> None:
    """Executor initializer: compile this thread's schema, one thread at a time."""
    from node.validation import validate_bytes

    try:
        with _ONE_AT_A_TIME:
            report = validate_bytes(probe_message())
        if not report.valid:
            log.warning("schema warm-up: the probe message did not validate: %s", report.issues)
    except Exception as exc:  # noqa: BLE001 - never break the pool over a warm-up
        log.warning("schema warm-up failed: %s: %s", type(exc).__name__, exc)


def warm_process() -> None:
    """node.offload's worker process, as it starts: the imports and the schema
    its first big message needs (validation, the signature's digest)."""
    import signing.streamc14n  # noqa: F401 - imported now, not at the first message

    warm_thread()


def use_warm_executor(loop: asyncio.AbstractEventLoop) -> ThreadPoolExecutor:
    """Install the warmed pool as ``loop``'s default executor (same size as
    asyncio's own default); asyncio.run shuts it down at the end."""
    executor = ThreadPoolExecutor(
        max_workers=min(32, (os.cpu_count() or 1) + 4),
        thread_name_prefix="lienthong-work",
        initializer=warm_thread,
    )
    loop.set_default_executor(executor)
    return executor
