"""Errors cross node/offload.py's process boundary whole: kind, detail and
each class's own attributes survive pickling, whatever ``__init__`` takes."""

from __future__ import annotations

import pickle

import pytest

from node.errors import (
    BadRequest,
    Issue,
    LienthongError,
    MalformedXml,
    SignatureRejected,
    UnsafeXml,
    ValidationFailed,
)

ERRORS = [
    ValidationFailed([Issue(3, "/edXML/edXMLEnvelope", "bad")], "1 validation error(s)"),
    ValidationFailed((Issue(None, "/", "x"), Issue(9, "/a", "y"))),
    MalformedXml("not well-formed", line=7),
    UnsafeXml("DOCTYPE declarations are not accepted"),
    SignatureRejected("signature of it not accepted", ("broken", "untrusted")),
    BadRequest("no", [Issue(1, "/p", "m")]),
]


@pytest.mark.parametrize("error", ERRORS, ids=lambda e: type(e).__name__)
def test_an_error_comes_back_from_pickle_whole(error: LienthongError) -> None:
    back = pickle.loads(pickle.dumps(error))
    assert type(back) is type(error)
    assert (back.kind, back.detail, str(back), back.args) == (
        error.kind,
        error.detail,
        str(error),
        error.args,
    )
    assert vars(back) == vars(error)
