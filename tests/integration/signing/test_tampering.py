"""Altered documents are refused, each with a precise reason."""

from __future__ import annotations

import base64
import copy

from signing.pki import TestPki
from tests.support.signing_fixtures import (
    SENDER,
    Checker,
    ds,
    first_signature,
    header,
    parse,
    serialise,
    signer_for,
)

DIGEST_MISMATCH = "signature 1: the signed content was altered after signing (digest mismatch)"


def test_tampered_header_fails_the_digest(signed_sample: bytes, checker: Checker) -> None:
    forged = signed_sample.replace("báo cáo tình hình".encode(), "hủy bỏ tình hình".encode())
    assert forged != signed_sample

    report = checker.report(forged)

    assert not report.accepted
    (sig,) = report.signatures
    assert (sig.intact, sig.valid, sig.trusted) == (False, True, False)
    assert report.reasons() == (DIGEST_MISMATCH,)


def test_tampered_attachment_fails_the_digest(signed_sample: bytes, checker: Checker) -> None:
    root = parse(signed_sample)
    (encoded,) = [el for el in root.iter() if el.tag.endswith("ContentTransferEncoded")]
    encoded.text = base64.b64encode(b"Noi dung da bi sua.").decode()

    report = checker.report(serialise(root))

    assert report.reasons() == (DIGEST_MISMATCH,)


def test_removed_signature_leaves_an_unsigned_envelope(
    signed_sample: bytes, checker: Checker
) -> None:
    root = parse(signed_sample)
    header(root).remove(first_signature(root))

    report = checker.report(serialise(root))

    assert not report.accepted
    assert report.reasons() == ("the envelope carries no signature",)


def test_altered_signature_value_is_invalid(signed_sample: bytes, checker: Checker) -> None:
    root = parse(signed_sample)
    value = first_signature(root).find(ds("SignatureValue"))
    assert value is not None
    assert value.text
    raw = bytearray(base64.b64decode(value.text))
    raw[10] ^= 0x01
    value.text = base64.b64encode(bytes(raw)).decode()

    report = checker.report(serialise(root))

    (sig,) = report.signatures
    assert (sig.intact, sig.valid) == (False, False)
    assert sig.problems[0].startswith("the signature value does not verify")


def test_second_forged_signature_is_reported_and_refused(
    signed_sample: bytes, checker: Checker
) -> None:
    root = parse(signed_sample)
    forged = copy.deepcopy(first_signature(root))
    digest = forged.find(ds("SignedInfo/Reference/DigestValue"))
    assert digest is not None
    digest.text = base64.b64encode(b"\x00" * 32).decode()
    header(root).append(forged)

    report = checker.report(serialise(root))

    assert not report.accepted
    first, second = report.signatures
    assert first.ok, "the genuine signature still verifies on what it signed"
    assert not second.ok
    assert not second.valid
    assert all(r.startswith("signature 2: ") for r in report.reasons())
    assert report.signer_organs == (SENDER,)


def test_second_signature_by_an_untrusted_key_is_refused(
    signed_sample: bytes, foreign_pki: TestPki, checker: Checker
) -> None:
    countersigned = signer_for(foreign_pki, SENDER).sign(signed_sample)

    report = checker.report(countersigned)

    assert not report.accepted
    assert [s.ok for s in report.signatures] == [True, False]
    assert report.signatures[1].intact
    assert report.signatures[1].valid
    assert report.reasons() == ("signature 2: certificate does not chain to a trusted root",)


def test_a_flood_of_signatures_is_refused_without_checking_them(
    signed_sample: bytes, checker: Checker
) -> None:
    root = parse(signed_sample)
    for _ in range(20):
        header(root).append(copy.deepcopy(first_signature(root)))

    report = checker.report(serialise(root))

    assert report.signatures == ()
    assert report.reasons() == ("the envelope carries 21 signatures; at most 16 are accepted",)
