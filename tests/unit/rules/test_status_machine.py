"""No sequence of events accepted by the status rules reaches an illegal state.

The machine offers every code from both sides at every step and compares the
rules with an oracle: the transition table of domain §3 written out state by
state, independently of node.status_rules.
"""

from __future__ import annotations

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from node.errors import IllegalTransition
from node.model import StatusCode
from node.status_rules import FeedbackState, replay

SENDER, RECIPIENT = "sender", "recipient"

# state -> {(code, side): next state}; "13/X" is "recall open, handling at X".
_HANDLING: dict[str, dict[tuple[str, str], str]] = {
    "init": {("01", RECIPIENT): "01", ("02", RECIPIENT): "02"},
    "01": {("02", RECIPIENT): "02", ("03", RECIPIENT): "03"},
    "03": {("04", RECIPIENT): "04", ("05", RECIPIENT): "05", ("06", RECIPIENT): "06"},
    "04": {("05", RECIPIENT): "05", ("06", RECIPIENT): "06"},
    "05": {("05", RECIPIENT): "05", ("06", RECIPIENT): "06"},
    "02": {},
    "06": {},
}

ORACLE: dict[str, dict[tuple[str, str], str]] = {
    "init": {("01", RECIPIENT): "01", ("02", RECIPIENT): "02", ("13", SENDER): "13/init"},
    "01": {("02", RECIPIENT): "02", ("03", RECIPIENT): "03", ("13", SENDER): "13/01"},
    "03": {
        ("04", RECIPIENT): "04",
        ("05", RECIPIENT): "05",
        ("06", RECIPIENT): "06",
        ("13", SENDER): "13/03",
    },
    "04": {("05", RECIPIENT): "05", ("06", RECIPIENT): "06", ("13", SENDER): "13/04"},
    "05": {("05", RECIPIENT): "05", ("06", RECIPIENT): "06", ("13", SENDER): "13/05"},
    "02": {},
    "06": {},
    "15": {},
    **{
        f"13/{x}": {
            ("15", RECIPIENT): "15",
            ("16", RECIPIENT): x,
            # handling codes sent before the 13 reached the recipient cross it
            **{(c, RECIPIENT): f"13/{c}" for (c, _side), _next in _HANDLING[x].items()},
        }
        for x in ("init", "01", "02", "03", "04", "05", "06")
    },
}
TERMINAL = {"02", "06", "15"}


def oracle_name(state: FeedbackState) -> str:
    if state.recalled:
        return "15"
    handling = state.handling.value if state.handling is not None else "init"
    return f"13/{handling}" if state.recall_open else handling


class StatusRules(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.state = FeedbackState(document_id="DOC", recipient="R")
        self.oracle = "init"
        self.accepted: list[tuple[StatusCode, str]] = []

    @rule(code=st.sampled_from(StatusCode), side=st.sampled_from([SENDER, RECIPIENT]))
    def receive(self, code: StatusCode, side: str) -> None:
        expected = ORACLE[self.oracle].get((code.value, side))
        if expected is None:
            with pytest.raises(IllegalTransition, match=f"status {code.value}"):
                self.state.apply(code, from_sender=side == SENDER)
            return
        self.state = self.state.apply(code, from_sender=side == SENDER)
        self.oracle = expected
        self.accepted.append((code, side))
        assert self.state.last_code is code

    @invariant()
    def agrees_with_the_oracle(self) -> None:
        assert oracle_name(self.state) == self.oracle
        assert self.state.allowed() == {StatusCode(c) for c, _ in ORACLE[self.oracle]}

    @invariant()
    def terminal_states_allow_nothing(self) -> None:
        assert self.state.finished == (self.oracle in TERMINAL)
        if self.state.finished:
            assert self.state.allowed() == frozenset()

    @invariant()
    def recall_answers_only_follow_a_recall_request(self) -> None:
        open_recalls = 0
        for code, _ in self.accepted:
            if code is StatusCode.RECALL_REQUESTED:
                open_recalls += 1
            elif code in (StatusCode.RECALLED, StatusCode.RECALL_REFUSED):
                assert open_recalls == 1, "a recall answer without an open 13"
                open_recalls -= 1
            assert open_recalls in (0, 1)

    @invariant()
    def codes_only_come_from_the_right_side(self) -> None:
        for code, side in self.accepted:
            assert (side == SENDER) == (code is StatusCode.RECALL_REQUESTED)

    @invariant()
    def replaying_the_accepted_history_gives_the_same_state(self) -> None:
        again = replay([c for c, _ in self.accepted], document_id="DOC", recipient="R")
        assert again == self.state


TestStatusRules = StatusRules.TestCase
