"""The upstream link's send journal (adapters.transport.vdxp_upstream.SendJournal):
what a send that began, was answered, or was refused leaves for the next
attempt, across a new process (a new journal on the same directory)."""

from __future__ import annotations

import os
import time
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from adapters.transport.vdxp_upstream import SendJournal


def test_a_first_send_finds_nothing_and_leaves_a_note(tmp_path: Path) -> None:
    journal = SendJournal(tmp_path)
    assert journal.begin("m-1") is None
    assert SendJournal(tmp_path).begin("m-1") == ""  # began, answer unknown


def test_an_answered_send_leaves_its_doc_id_for_the_next_process(tmp_path: Path) -> None:
    journal = SendJournal(tmp_path)
    journal.begin("m-1")
    journal.sent("m-1", "doc-7")
    assert SendJournal(tmp_path).begin("m-1") == "doc-7"
    assert SendJournal(tmp_path).begin("m-2") is None  # one note per message


def test_a_refused_send_leaves_no_note(tmp_path: Path) -> None:
    journal = SendJournal(tmp_path)
    journal.begin("m-1")
    journal.forget("m-1")
    assert SendJournal(tmp_path).begin("m-1") is None


def test_old_notes_are_pruned_and_recent_ones_kept(tmp_path: Path) -> None:
    journal = SendJournal(tmp_path)
    journal.begin("old")
    journal.sent("old", "doc-1")
    journal.begin("new")
    journal.sent("new", "doc-2")
    (old,) = [p for p in tmp_path.iterdir() if p.read_text() == "doc-1"]
    two_days_ago = time.time() - 2 * 86400
    os.utime(old, (two_days_ago, two_days_ago))
    later = SendJournal(tmp_path)  # a new process prunes on its first send
    assert later.begin("other") is None
    assert later.begin("old") is None  # pruned: forgotten
    assert later.begin("new") == "doc-2"


@given(st.text(min_size=1, max_size=300))
def test_any_message_id_names_one_file_in_the_directory(message_id: str) -> None:
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        journal = SendJournal(Path(tmp))
        journal.begin(message_id)
        journal.sent(message_id, "doc-1")
        (only,) = Path(tmp).iterdir()
        assert only.parent == Path(tmp)
        assert SendJournal(Path(tmp)).begin(message_id) == "doc-1"
