"""The legal order of status codes per (document, recipient) (domain §3 [our rule]).

Handling moves forward only::

    (nothing) → 01 | 02        02 is the automatic refusal on receipt
    01 → 02 | 03
    03 → 04 | 05 | 06
    04 → 05 | 06
    05 → 05 | 06               05 may repeat
    02, 06                     handling ended

Recall runs beside it: the sender may send 13 at any point until handling has
ended (even before 01 arrives); it is answered by the recipient with 15 (taken
back: nothing else ever) or 16 (refused: handling continues where it was).
While the recall is open, the recipient's handling codes stay legal: a 01 or 05
sent before the 13 reached the recipient crosses it in transit, and refusing it
at the sender's node would dead-letter a true status. 13 comes from the sender;
every other code from the recipient side, and a code from the wrong side is illegal too.

A repeated 01 is illegal here; the engine never asks: redeliveries are
recognised by idempotency keys, and a 01 for a pair that already has one (a
DMS's own 01 after the node's automatic 01) is answered as a duplicate of the
first (``node.engine.intake.status_effects``). Which side an organ is on comes
from the node's record of the document, not from these rules.

:class:`FeedbackState` is the fold of a history; it is pure and immutable.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from node.errors import IllegalTransition
from node.model import StatusCode

S = StatusCode

HANDLING_NEXT: dict[StatusCode | None, frozenset[StatusCode]] = {
    None: frozenset({S.ARRIVED, S.REFUSED}),
    S.ARRIVED: frozenset({S.REFUSED, S.ACCEPTED}),
    S.ACCEPTED: frozenset({S.ASSIGNED, S.IN_PROGRESS, S.DONE}),
    S.ASSIGNED: frozenset({S.IN_PROGRESS, S.DONE}),
    S.IN_PROGRESS: frozenset({S.IN_PROGRESS, S.DONE}),
    S.REFUSED: frozenset(),
    S.DONE: frozenset(),
}
"""Handling codes allowed after each handling state (None: nothing yet)."""

HANDLING_ENDED = frozenset({S.REFUSED, S.DONE})
RECALL_ANSWERS = frozenset({S.RECALLED, S.RECALL_REFUSED})
FINISHING = frozenset({S.REFUSED, S.DONE, S.RECALLED})
"""Codes after which nothing more is allowed."""

MEANING: dict[StatusCode, str] = {
    S.ARRIVED: "arrived",
    S.REFUSED: "refused",
    S.ACCEPTED: "accepted",
    S.ASSIGNED: "assigned",
    S.IN_PROGRESS: "in progress",
    S.DONE: "done",
    S.RECALL_REQUESTED: "recall requested",
    S.RECALLED: "recalled",
    S.RECALL_REFUSED: "recall refused",
}


def sent_by_sender(code: StatusCode) -> bool:
    """True for the codes the document's sender sends (only 13); the recipient
    side sends every other code."""
    return code is S.RECALL_REQUESTED


@dataclass(frozen=True)
class FeedbackState:
    """Where the feedback of one recipient on one document stands.

    ``document_id`` and ``recipient`` only name the pair in error messages."""

    document_id: str = ""
    recipient: str = ""
    handling: StatusCode | None = None
    """The last handling code (01–06), or None before any."""
    recall_open: bool = False
    """A 13 awaits its answer (15 or 16)."""
    recalled: bool = False
    """15 came: the document was taken back; nothing else is allowed."""
    last_code: StatusCode | None = None

    @property
    def finished(self) -> bool:
        """Nothing more can happen: 15, or 02/06 with no recall awaiting its answer."""
        return self.recalled or (self.handling in HANDLING_ENDED and not self.recall_open)

    def allowed(self) -> frozenset[StatusCode]:
        """The codes that may come next (13 from the sender, the rest from the recipient)."""
        if self.recalled:
            return frozenset()
        following = HANDLING_NEXT[self.handling]
        if self.recall_open:
            return RECALL_ANSWERS | following
        if self.handling in HANDLING_ENDED:
            return following
        return following | {S.RECALL_REQUESTED}

    def apply(self, code: StatusCode, *, from_sender: bool) -> FeedbackState:
        """The state after ``code``; IllegalTransition (naming what was received, the
        current state and what is allowed) when the rules refuse it."""
        code = _as_code(code, self)
        if from_sender != sent_by_sender(code):
            raise IllegalTransition(self._wrong_side(code))
        if code not in self.allowed():
            raise IllegalTransition(self._not_allowed(code))
        if code is S.RECALL_REQUESTED:
            return replace(self, recall_open=True, last_code=code)
        if code is S.RECALLED:
            return replace(self, recall_open=False, recalled=True, last_code=code)
        if code is S.RECALL_REFUSED:
            return replace(self, recall_open=False, last_code=code)
        return replace(self, handling=code, last_code=code)

    def describe(self) -> str:
        """The current state in words, e.g. ``01 (arrived)``."""
        if self.last_code is None:
            return "nothing yet"
        text = f"{self.last_code} ({MEANING[self.last_code]})"
        if self.last_code in (S.RECALL_REQUESTED, S.RECALL_REFUSED):
            handling = self.handling
            where = "not arrived" if handling is None else f"{handling} ({MEANING[handling]})"
            text += f", handling at {where}"
        return text

    def _pair(self) -> str:
        who = f" for {self.recipient}" if self.recipient else ""
        on = f" on {self.document_id}" if self.document_id else ""
        return f"{who}{on}"

    def _not_allowed(self, code: StatusCode) -> str:
        allowed = ", ".join(sorted(self.allowed())) or "nothing (handling has ended)"
        return (
            f"status {code} not allowed{self._pair()}: current {self.describe()}; "
            f"allowed next: {allowed}"
        )

    def _wrong_side(self, code: StatusCode) -> str:
        if sent_by_sender(code):
            return (
                f"status {code}{self._pair()} must come from the document's sender, "
                "not from the recipient side"
            )
        return (
            f"status {code}{self._pair()} must come from the recipient side, "
            "not from the document's sender"
        )


def replay(
    history: Iterable[StatusCode], *, document_id: str = "", recipient: str = ""
) -> FeedbackState:
    """Fold a stored history (oldest first) into its state. 13 is taken as sent by
    the sender, every other code by the recipient side."""
    state = FeedbackState(document_id=document_id, recipient=recipient)
    for code in history:
        code = _as_code(code, state)
        state = state.apply(code, from_sender=sent_by_sender(code))
    return state


def fold(
    history: Iterable[tuple[datetime, StatusCode]], document_id: str, recipient: str
) -> tuple[FeedbackState, tuple[str, ...]]:
    """The state of a stored history. Entries the rules refuse are skipped and
    reported instead of poisoning the pair. Taken in the order recorded; if that
    breaks the rules, in the order of the statuses' own timestamps (statuses may
    overtake each other between nodes), whichever breaks fewer."""
    entries = list(history)
    recorded = _fold(entries, document_id, recipient)
    if not recorded[1]:
        return recorded
    stamped = _fold(sorted(entries, key=lambda item: item[0]), document_id, recipient)
    return stamped if len(stamped[1]) < len(recorded[1]) else recorded


def _fold(
    entries: Iterable[tuple[datetime, StatusCode]], document_id: str, recipient: str
) -> tuple[FeedbackState, tuple[str, ...]]:
    state = FeedbackState(document_id=document_id, recipient=recipient)
    problems: list[str] = []
    for _, code in entries:
        try:
            state = state.apply(code, from_sender=sent_by_sender(code))
        except IllegalTransition as exc:
            problems.append(exc.detail)
    return state, tuple(problems)


def _as_code(code: StatusCode | str, state: FeedbackState) -> StatusCode:
    try:
        return StatusCode(code)
    except ValueError:
        raise IllegalTransition(
            f"status {code!r}{state._pair()} is not a known status code "
            f"(known: {', '.join(c.value for c in StatusCode)})"
        ) from None
