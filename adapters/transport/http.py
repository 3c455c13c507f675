"""One HTTP hand-over of a stored body (peer node or DMS webhook) and the mapping
of what happened to a :class:`node.ports.driven.DeliveryOutcome`.

- 2xx: delivered (for peers, 200 means the peer already had it: duplicate).
- 408, 425, 429: transient (the receiver is busy, not refusing the message).
- other 4xx: permanent; the detail carries the receiver's problem+json detail.
- 5xx, 1xx/3xx (redirects are never followed), timeouts, connection and TLS
  failures: transient, retried on the engine's schedule.
- a stored body that no longer matches its hash: permanent (retrying cannot fix it).

In-call retries (tenacity) only cover a connection that cannot be set up or is
dropped before the first chunk went out, e.g. a pooled keep-alive connection the
receiver had just closed. That is safe because receivers deduplicate by message
id. Everything else is left to the engine's retry schedule.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from dataclasses import dataclass

import aiohttp
from tenacity import AsyncRetrying, retry_if_exception, stop_after_attempt, wait_fixed

from adapters.transport.body import CHUNK_SIZE, VerifiedStream
from adapters.transport.config import Timeouts
from node.ports.driven import DeliveryOutcome, Outcome, StoredBody

MAX_ANSWER = 64 * 1024
MAX_DETAIL = 1000
BUSY_STATUSES = frozenset({408, 425, 429})
DOWN_STATUSES = frozenset({429, 502, 503, 504})
"""Answers about the receiver as a whole (overloaded, its store or upstream
down), not about this message: its other deliveries would get the same."""


@dataclass(frozen=True)
class Answer:
    status: int
    body: bytes
    content_type: str


@dataclass(frozen=True)
class HttpTarget:
    """Where one hand-over goes, and how its answers read."""

    label: str
    """For details and logs: ``peer B`` or ``webhook of dms-a``."""
    url: str
    ssl: ssl.SSLContext | None
    peer_semantics: bool
    """Peer API: 200 is a duplicate, 202 a fresh delivery."""


async def deliver(
    session: aiohttp.ClientSession,
    target: HttpTarget,
    headers: dict[str, str],
    body: StoredBody,
    timeouts: Timeouts,
) -> DeliveryOutcome:
    """POST ``body`` to ``target``; never raises for delivery failures."""
    streams: list[VerifiedStream] = []

    def setup_failure(exc: BaseException) -> bool:
        return _setup_failure(exc, streams[-1])

    retrying = AsyncRetrying(
        stop=stop_after_attempt(timeouts.connect_attempts),
        wait=wait_fixed(timeouts.retry_wait),
        retry=retry_if_exception(setup_failure),
        reraise=True,
    )
    try:
        async for attempt in retrying:
            with attempt:
                streams.append(VerifiedStream(body))
                answer = await _post(session, target, headers, streams[-1], body.size, timeouts)
    except (aiohttp.ClientError, TimeoutError, OSError) as exc:
        if streams and streams[-1].corruption is not None:
            return DeliveryOutcome(
                Outcome.PERMANENT, f"{streams[-1].corruption}; transfer aborted before its end"
            )
        return DeliveryOutcome(
            Outcome.TRANSIENT,
            _failure_detail(exc, target, timeouts, body.size),
            destination_down=isinstance(
                exc, aiohttp.ClientConnectorError | aiohttp.ConnectionTimeoutError
            ),
        )
    return classify(answer, target)


async def _post(
    session: aiohttp.ClientSession,
    target: HttpTarget,
    headers: dict[str, str],
    stream: VerifiedStream,
    size: int,
    timeouts: Timeouts,
) -> Answer:
    timeout = aiohttp.ClientTimeout(
        total=timeouts.total_for(size),
        connect=timeouts.connect,
        sock_connect=timeouts.connect,
        sock_read=timeouts.read,
    )
    all_headers = {
        **headers,
        "Content-Type": "application/xml",
        "Content-Length": str(size),
    }
    async with session.post(
        target.url,
        data=stream,
        headers=all_headers,
        ssl=target.ssl if target.ssl is not None else True,
        timeout=timeout,
        allow_redirects=False,
    ) as resp:
        data = await _read_bounded(resp, MAX_ANSWER)
        return Answer(resp.status, data, resp.content_type)


async def _read_bounded(resp: aiohttp.ClientResponse, limit: int) -> bytes:
    parts: list[bytes] = []
    size = 0
    while size < limit:
        chunk = await resp.content.read(limit - size)
        if not chunk:
            break
        parts.append(chunk)
        size += len(chunk)
    return b"".join(parts)


def _setup_failure(exc: BaseException, stream: VerifiedStream) -> bool:
    if stream.corruption is not None or isinstance(exc, aiohttp.ClientSSLError):
        return False
    if isinstance(exc, aiohttp.ClientConnectorError):
        return True
    early = stream.bytes_out <= CHUNK_SIZE
    return early and isinstance(exc, aiohttp.ServerDisconnectedError | aiohttp.ClientOSError)


def classify(answer: Answer, target: HttpTarget) -> DeliveryOutcome:
    status = answer.status
    if 200 <= status < 300:
        if target.peer_semantics and status == 200:
            return DeliveryOutcome(
                Outcome.DUPLICATE, f"{target.label} already had it{_accepted_id(answer)}", status
            )
        return DeliveryOutcome(
            Outcome.DELIVERED, f"accepted by {target.label}{_accepted_id(answer)}", status
        )
    if status in BUSY_STATUSES or status >= 500:
        return DeliveryOutcome(
            Outcome.TRANSIENT,
            f"{target.label} answered {status}{_problem(answer)}",
            status,
            destination_down=status in DOWN_STATUSES,
        )
    if 400 <= status < 500:
        return DeliveryOutcome(
            Outcome.PERMANENT, f"{target.label} refused it: {status}{_problem(answer)}", status
        )
    return DeliveryOutcome(
        Outcome.TRANSIENT,
        f"{target.label} answered unexpected {status} (redirects are not followed)",
        status,
    )


def _json(answer: Answer) -> dict[str, object] | None:
    if "json" not in answer.content_type:
        return None
    try:
        data = json.loads(answer.body)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None


def _accepted_id(answer: Answer) -> str:
    data = _json(answer)
    ident = data.get("id") if data else None
    return f" as {ident}" if isinstance(ident, str) else ""


def _problem(answer: Answer) -> str:
    """``: title: detail [errors]`` from a problem+json answer, else a text excerpt."""
    data = _json(answer)
    if data is None:
        text = answer.body.decode("utf-8", "replace").strip()
        return f": {text[:200]}" if text else ""
    parts = [str(data[k]) for k in ("title", "detail") if isinstance(data.get(k), str)]
    errors = data.get("errors")
    if isinstance(errors, list) and errors:
        shown = "; ".join(_issue_text(e) for e in errors[:5])
        more = f" (+{len(errors) - 5} more)" if len(errors) > 5 else ""
        parts.append(f"[{shown}{more}]")
    detail = ": ".join(parts)
    return f": {detail[:MAX_DETAIL]}" if detail else ""


def _issue_text(issue: object) -> str:
    if isinstance(issue, dict):
        return f"{issue.get('line', '?')}: {issue.get('path', '')}: {issue.get('message', '')}"
    return str(issue)


def _failure_detail(exc: BaseException, target: HttpTarget, timeouts: Timeouts, size: int) -> str:
    where = f"{target.label} ({target.url})"
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        reason = getattr(exc.certificate_error, "verify_message", None) or exc.certificate_error
        return f"TLS certificate of {where} refused: {reason}"
    if isinstance(exc, aiohttp.ClientSSLError):
        return f"TLS handshake with {where} failed: {exc}"
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return f"connecting to {where} timed out after {timeouts.connect:g}s"
    if isinstance(exc, aiohttp.SocketTimeoutError):
        return f"{where} sent nothing for {timeouts.read:g}s"
    if isinstance(exc, TimeoutError | asyncio.TimeoutError):
        return f"transfer to {where} exceeded {timeouts.total_for(size):g}s"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot connect to {where}: {exc.strerror or exc}"
    if isinstance(exc, aiohttp.ServerDisconnectedError):
        return f"{where} closed the connection before answering"
    return f"transfer to {where} failed: {type(exc).__name__}: {exc}"
