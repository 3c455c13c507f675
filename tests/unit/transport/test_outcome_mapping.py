"""HTTP answers → delivery outcomes (adapters.transport.http.classify)."""

from __future__ import annotations

import json

import pytest

from adapters.transport.http import Answer, HttpTarget, classify
from node.ports.driven import Outcome

PEER = HttpTarget("peer B", "https://b/peer/v1/messages", None, peer_semantics=True)
HOOK = HttpTarget("webhook of d", "http://d/hook", None, peer_semantics=False)


def answer(status: int, body: object = None, ctype: str = "application/json") -> Answer:
    data = json.dumps(body).encode() if body is not None else b""
    return Answer(status, data, ctype)


@pytest.mark.parametrize(
    ("target", "status", "outcome"),
    [
        (PEER, 202, Outcome.DELIVERED),
        (PEER, 200, Outcome.DUPLICATE),
        (PEER, 201, Outcome.DELIVERED),
        (HOOK, 200, Outcome.DELIVERED),
        (HOOK, 204, Outcome.DELIVERED),
        (PEER, 400, Outcome.PERMANENT),
        (PEER, 404, Outcome.PERMANENT),
        (PEER, 413, Outcome.PERMANENT),
        (HOOK, 401, Outcome.PERMANENT),
        (PEER, 408, Outcome.TRANSIENT),
        (PEER, 425, Outcome.TRANSIENT),
        (HOOK, 429, Outcome.TRANSIENT),
        (PEER, 500, Outcome.TRANSIENT),
        (HOOK, 502, Outcome.TRANSIENT),
        (PEER, 301, Outcome.TRANSIENT),
        (PEER, 101, Outcome.TRANSIENT),
    ],
)
def test_status_to_outcome(target: HttpTarget, status: int, outcome: Outcome) -> None:
    got = classify(answer(status), target)
    assert got.outcome is outcome
    assert got.http_status == status


@pytest.mark.parametrize(
    ("status", "down"),
    [(503, True), (502, True), (504, True), (429, True), (500, False), (408, False), (400, False)],
)
def test_answers_about_the_whole_receiver_mark_it_down(status: int, down: bool) -> None:
    """A busy or broken receiver fails every delivery alike; a 500 or a 408 may
    be about this message only."""
    assert classify(answer(status), PEER).destination_down is down


def test_accepted_id_is_reported() -> None:
    got = classify(answer(202, {"id": "X-9", "document_id": "d", "state": "s"}), PEER)
    assert got.detail == "accepted by peer B as X-9"


def test_problem_detail_is_reported_and_bounded() -> None:
    errors = [{"line": i, "path": "/p", "message": "m" * 500} for i in range(9)]
    body = {"title": "edXML validation failed", "detail": "9 errors", "errors": errors}
    got = classify(answer(400, body, "application/problem+json"), PEER)
    assert got.detail.startswith(
        "peer B refused it: 400: edXML validation failed: 9 errors: [0: /p:"
    )
    assert len(got.detail) < 1100


def test_plain_text_answer_is_quoted_briefly() -> None:
    got = classify(Answer(503, b"upstream down " * 100, "text/plain"), PEER)
    assert got.outcome is Outcome.TRANSIENT
    assert got.detail.startswith("peer B answered 503: upstream down")
    assert len(got.detail) < 300
