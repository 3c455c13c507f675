"""Property: no edit of any signed text survives verification."""

from __future__ import annotations

from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lxml import etree

from signing.envelope import SIGNATURE_TAG
from signing.pki import TestPki
from signing.policy import VerificationPolicy
from signing.verifier import DocumentVerifier
from tests.support.signing_fixtures import parse, serialise

DIGEST_MISMATCH = "signature 1: the signed content was altered after signing (digest mismatch)"


def _signed_texts(root: etree._Element) -> list[etree._Element]:
    """Elements with text outside any Signature (what the signature covers)."""
    return [
        el
        for el in root.iter()
        if isinstance(el.tag, str)
        and el.text
        and el.text.strip()
        and el.tag != SIGNATURE_TAG
        and not any(a.tag == SIGNATURE_TAG for a in el.iterancestors())
    ]


@settings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(data=st.data())
def test_editing_any_signed_text_is_refused(
    data: st.DataObject, signed_sample: bytes, pki: TestPki, tmp_path: Path
) -> None:
    root = parse(signed_sample)
    targets = _signed_texts(root)
    element = targets[data.draw(st.integers(0, len(targets) - 1), label="element")]
    text = element.text or ""
    position = data.draw(st.integers(0, len(text) - 1), label="position")
    replacement = data.draw(
        st.sampled_from("AZaz09+/=.,đĐơưẠ").filter(lambda c: c != text[position]),
        label="replacement",
    )
    element.text = text[:position] + replacement + text[position + 1 :]
    path = tmp_path / "edited.edxml"
    path.write_bytes(serialise(root))

    report = DocumentVerifier(VerificationPolicy(trust_dir=pki.directory)).report(path)

    assert not report.accepted
    assert report.reasons() == (DIGEST_MISMATCH,)
