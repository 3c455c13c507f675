"""Webhook push to a DMS: signed so a real receiver using
``verify_webhook_signature`` accepts it; its answers map to outcomes."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest

from adapters.transport import NodeTransport, Timeouts, WebhookEndpoint
from adapters.transport.webhook import SIGNATURE
from node.ports.driven import Destination, DestinationKind, Outcome
from tests.helpers.bodies import BytesBody
from tests.helpers.peer_server import FakeDmsWebhook

from .conftest import meta

SECRET = "s3cret-shared-with-the-dms"
HOOK = Destination(DestinationKind.WEBHOOK, "dms-g22")
FAST = Timeouts(connect=1.0, read=0.5, base=5.0, retry_wait=0.0)


class FixedClock:
    def __init__(self, at: datetime) -> None:
        self.at = at

    def now(self) -> datetime:
        return self.at


@pytest.fixture
async def dms() -> AsyncIterator[FakeDmsWebhook]:
    server = FakeDmsWebhook(SECRET)
    await server.start(server.app())
    yield server
    await server.close()


def transport(
    dms: FakeDmsWebhook, secret: str = SECRET, clock: FixedClock | None = None
) -> NodeTransport:
    hook = WebhookEndpoint("dms-g22", dms.url + "/hook", secret)
    return NodeTransport(tls=None, webhooks=[hook], timeouts=FAST, clock=clock)


async def test_signed_delivery_accepted(dms: FakeDmsWebhook, sample_document: bytes) -> None:
    async with transport(dms) as t:
        got = await t.send(HOOK, meta("w-1"), BytesBody(sample_document))

    assert got.outcome is Outcome.DELIVERED
    assert got.http_status == 204
    [received] = dms.received
    assert received.sha256 == hashlib.sha256(sample_document).hexdigest()
    assert received.headers["Lienthong-Message-Id"] == "w-1"
    assert received.headers["Content-Type"] == "application/xml"
    assert received.headers[SIGNATURE].startswith("t=")


async def test_wrong_secret_refused_by_dms(dms: FakeDmsWebhook) -> None:
    async with transport(dms, secret="not-the-shared-secret") as t:
        got = await t.send(HOOK, meta(), BytesBody(b"<x/>"))

    assert got.outcome is Outcome.PERMANENT
    assert got.http_status == 401
    assert dms.refusals == ["signature does not match (wrong secret or altered headers)"]
    assert dms.received == []


async def test_signature_from_a_stale_clock_refused(dms: FakeDmsWebhook) -> None:
    stale = FixedClock(datetime.now(UTC) - timedelta(minutes=10))
    async with transport(dms, clock=stale) as t:
        got = await t.send(HOOK, meta(), BytesBody(b"<x/>"))

    assert got.outcome is Outcome.PERMANENT
    assert "a replay or a wrong clock" in got.detail
    assert dms.received == []


@pytest.mark.parametrize(
    ("mode", "outcome"),
    [
        ("status:400", Outcome.PERMANENT),
        ("status:429", Outcome.TRANSIENT),
        ("status:500", Outcome.TRANSIENT),
        ("hang", Outcome.TRANSIENT),
    ],
)
async def test_dms_answers_map_to_outcomes(
    dms: FakeDmsWebhook, mode: str, outcome: Outcome
) -> None:
    dms.mode = mode
    async with transport(dms) as t:
        got = await t.send(HOOK, meta(), BytesBody(b"<x/>"))

    assert got.outcome is outcome


async def test_unknown_webhook_client_is_permanent(dms: FakeDmsWebhook) -> None:
    async with transport(dms) as t:
        got = await t.send(
            Destination(DestinationKind.WEBHOOK, "dms-x"), meta(), BytesBody(b"<x/>")
        )
    assert got.outcome is Outcome.PERMANENT
