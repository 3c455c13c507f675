"""The legal order of status codes per (document, recipient), by example."""

from __future__ import annotations

import pytest

from node.errors import IllegalTransition
from node.model import StatusCode as S
from node.status_rules import FeedbackState, replay, sent_by_sender

DOC = "000.00.00.G22,2024/09/04,12/VPCP-TTĐT"
RCPT = "000.00.12.H41"


def state(*codes: str) -> FeedbackState:
    return replay([S(c) for c in codes], document_id=DOC, recipient=RCPT)


@pytest.mark.parametrize(
    "history",
    [
        ("01", "03", "06"),
        ("01", "03", "04", "05", "05", "05", "06"),
        ("01", "03", "05", "06"),
        ("01", "02"),
        ("02",),
        ("13", "15"),
        ("13", "16", "01", "03", "06"),
        ("01", "13", "16", "03", "13", "16", "04", "13", "15"),
        ("01", "03", "04", "05", "13", "16", "05", "06"),
    ],
)
def test_legal_histories_replay(history: tuple[str, ...]) -> None:
    assert state(*history).last_code == S(history[-1])


@pytest.mark.parametrize(
    ("history", "code"),
    [
        ((), "03"),
        (("01",), "01"),  # a repeated 01 is not idempotent here
        (("01",), "04"),
        (("01",), "06"),
        (("01", "03"), "02"),
        (("01", "03", "05"), "04"),
        (("01", "03", "06"), "05"),
        (("01", "02"), "03"),
        (("01", "13"), "04"),  # handling goes on in order beside an open recall
        ((), "15"),
        (("01", "03"), "16"),
        (("01", "13", "16"), "15"),
    ],
)
def test_illegal_next_codes_are_refused(history: tuple[str, ...], code: str) -> None:
    with pytest.raises(IllegalTransition, match=f"status {code} not allowed"):
        state(*history).apply(S(code), from_sender=False)


def test_refusal_names_code_pair_state_and_what_is_allowed() -> None:
    with pytest.raises(IllegalTransition) as caught:
        state("01").apply(S.DONE, from_sender=False)
    assert caught.value.detail == (
        f"status 06 not allowed for {RCPT} on {DOC}: current 01 (arrived); allowed next: 02, 03, 13"
    )
    assert caught.value.kind == "illegal-status-transition"
    assert caught.value.http_status == 409


def test_refusal_during_an_open_recall_shows_where_handling_stands() -> None:
    with pytest.raises(IllegalTransition) as caught:
        state("01", "03", "13").apply(S.ARRIVED, from_sender=False)
    assert "current 13 (recall requested), handling at 03 (accepted)" in caught.value.detail
    assert caught.value.detail.endswith("allowed next: 04, 05, 06, 15, 16")


def test_refusal_before_anything_and_after_the_end() -> None:
    with pytest.raises(IllegalTransition, match=r"current nothing yet; allowed next: 01, 02, 13"):
        state().apply(S.ACCEPTED, from_sender=False)
    with pytest.raises(IllegalTransition, match=r"current 15 \(recalled\); allowed next: nothing"):
        state("13", "15").apply(S.ARRIVED, from_sender=False)


def test_recall_request_comes_from_the_sender_only() -> None:
    with pytest.raises(
        IllegalTransition, match=r"status 13 .* must come from the document's sender"
    ):
        state("01").apply(S.RECALL_REQUESTED, from_sender=False)
    assert state("01").apply(S.RECALL_REQUESTED, from_sender=True).recall_open


@pytest.mark.parametrize("code", ["01", "02", "15", "16", "03"])
def test_other_codes_come_from_the_recipient_side_only(code: str) -> None:
    with pytest.raises(IllegalTransition, match=rf"status {code} .* must come from the recipient"):
        state("01", "13").apply(S(code), from_sender=True)


def test_recall_is_possible_before_arrival() -> None:
    assert state().allowed() == {S.ARRIVED, S.REFUSED, S.RECALL_REQUESTED}
    pending = state("13")
    assert pending.allowed() == {S.ARRIVED, S.REFUSED, S.RECALLED, S.RECALL_REFUSED}
    assert state("13", "16").allowed() == {S.ARRIVED, S.REFUSED, S.RECALL_REQUESTED}


def test_handling_codes_crossing_a_recall_are_legal() -> None:
    """A 05 sent before the 13 reached the recipient arrives after it at the sender."""
    crossed = state("01", "03", "13").apply(S.IN_PROGRESS, from_sender=False)
    assert crossed.recall_open
    assert crossed.handling is S.IN_PROGRESS
    assert crossed.allowed() == {S.IN_PROGRESS, S.DONE, S.RECALLED, S.RECALL_REFUSED}
    done_while_open = crossed.apply(S.DONE, from_sender=False)
    assert not done_while_open.finished
    assert done_while_open.allowed() == {S.RECALLED, S.RECALL_REFUSED}
    assert done_while_open.apply(S.RECALL_REFUSED, from_sender=False).finished


def test_refused_recall_resumes_handling_where_it_was() -> None:
    resumed = state("01", "03", "04", "13", "16")
    assert resumed.handling is S.ASSIGNED
    assert resumed.last_code is S.RECALL_REFUSED
    assert resumed.allowed() == {S.IN_PROGRESS, S.DONE, S.RECALL_REQUESTED}
    assert not resumed.finished


@pytest.mark.parametrize(("history"), [("02",), ("01", "02"), ("01", "03", "06"), ("13", "15")])
def test_finished_pairs_allow_nothing(history: tuple[str, ...]) -> None:
    done = state(*history)
    assert done.finished
    assert done.allowed() == frozenset()


def test_recalled_is_only_set_by_15() -> None:
    assert state("01", "13", "15").recalled
    assert not state("01", "13", "16").recalled
    assert not state("01", "13").recalled


def test_apply_does_not_change_the_state_it_is_called_on() -> None:
    before = state("01")
    after = before.apply(S.ACCEPTED, from_sender=False)
    assert before.last_code is S.ARRIVED
    assert after.last_code is S.ACCEPTED


def test_codes_may_be_given_as_strings_from_storage() -> None:
    assert replay(["01", "03"]).handling is S.ACCEPTED  # type: ignore[list-item]


def test_unknown_code_is_refused_by_name() -> None:
    with pytest.raises(IllegalTransition, match=r"status '07' for .* is not a known status code"):
        state("01").apply("07", from_sender=False)  # type: ignore[arg-type]


def test_replay_refuses_an_illegal_stored_history() -> None:
    with pytest.raises(IllegalTransition, match="status 06 not allowed"):
        replay([S.ARRIVED, S.DONE])


def test_only_13_is_sent_by_the_sender() -> None:
    assert [c.value for c in S if sent_by_sender(c)] == ["13"]
