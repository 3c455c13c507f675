"""SHA-1 (old files use rsa-sha1) is reported weak; accepted only with allow_legacy."""

from __future__ import annotations

from typing import cast

import pytest
from lxml import etree
from signxml.algorithms import CanonicalizationMethod, DigestAlgorithm, SignatureMethod
from signxml.signer import XMLSigner

from signing.envelope import DS
from signing.keys import PemKeyFile, load_certificates
from signing.pki import TestPki
from tests.support.signing_fixtures import (
    SENDER,
    Checker,
    header,
    parse,
    sample_document,
    serialise,
)


class _LegacySigner(XMLSigner):
    """What old DMSs produce: signxml refuses to make SHA-1 signatures, so the test does."""

    def check_deprecated_methods(self) -> None:
        return None


@pytest.fixture(scope="module")
def sha1_doc(pki: TestPki) -> bytes:
    root = parse(sample_document())
    etree.SubElement(
        header(root), f"{{{DS}}}Signature", nsmap=cast(dict[str, str], {None: DS}), Id="placeholder"
    )
    material = pki.organ(SENDER)
    signer = _LegacySigner(
        signature_algorithm=SignatureMethod.RSA_SHA1,
        digest_algorithm=DigestAlgorithm.SHA1,
        c14n_algorithm=CanonicalizationMethod.EXCLUSIVE_XML_CANONICALIZATION_1_0,
    )
    signed = signer.sign(
        root,
        key=PemKeyFile(material.key).private_key(),
        cert=list(load_certificates(material.cert)),
    )
    return serialise(signed)


def test_sha1_is_refused_under_the_strict_policy(sha1_doc: bytes, checker: Checker) -> None:
    report = checker.report(sha1_doc)

    (sig,) = report.signatures
    assert sig.intact
    assert sig.valid
    assert sig.weak_algorithm
    assert report.weak_algorithm
    assert report.reasons() == (
        "signature 1: weak signature algorithm rsa-sha1 (SHA-1) is not accepted "
        "(allowed only with --allow-legacy)",
        "signature 1: weak digest algorithm sha1 (SHA-1) is not accepted "
        "(allowed only with --allow-legacy)",
    )


def test_sha1_is_accepted_but_reported_weak_with_allow_legacy(
    sha1_doc: bytes, checker: Checker
) -> None:
    report = checker.report(sha1_doc, allow_legacy=True)

    assert report.accepted, report.reasons()
    (sig,) = report.signatures
    assert sig.weak_algorithm
    assert sig.warnings[0] == (
        "weak signature algorithm rsa-sha1 (SHA-1) (accepted: legacy algorithms allowed)"
    )
