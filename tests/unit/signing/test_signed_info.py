"""What a Signature claims is inspected before verifying: only one shape passes."""

from __future__ import annotations

import pytest
from lxml import etree

from signing.signedinfo import inspect_signed_info, signing_certificates

DS = "http://www.w3.org/2000/09/xmldsig#"
ENV = "http://www.w3.org/2000/09/xmldsig#enveloped-signature"
EXC = "http://www.w3.org/2001/10/xml-exc-c14n#"
XPATH = "http://www.w3.org/TR/1999/REC-xpath-19991116"


def _signature(*references: tuple[str | None, tuple[str, ...]]) -> etree._Element:
    refs = []
    for uri, transforms in references:
        uri_attr = "" if uri is None else f' URI="{uri}"'
        body = "".join(f'<Transform Algorithm="{t}"/>' for t in transforms)
        refs.append(
            f"<Reference{uri_attr}><Transforms>{body}</Transforms>"
            f'<DigestMethod Algorithm="http://www.w3.org/2001/04/xmlenc#sha256"/>'
            "<DigestValue>AA==</DigestValue></Reference>"
        )
    return etree.fromstring(
        f'<Signature xmlns="{DS}"><SignedInfo>'
        f'<CanonicalizationMethod Algorithm="{EXC}"/>'
        '<SignatureMethod Algorithm="http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"/>'
        f"{''.join(refs)}</SignedInfo><SignatureValue>AA==</SignatureValue></Signature>"
    )


def test_whole_document_reference_passes() -> None:
    facts = inspect_signed_info(_signature(("", (ENV, EXC))))

    assert facts.problems == ()
    assert facts.covers_whole_document
    assert (facts.algorithm, facts.digest) == ("rsa-sha256", "sha256")


@pytest.mark.parametrize(
    ("references", "problem"),
    [
        ((("#hdr", (ENV, EXC)),), "covers only the element '#hdr'"),
        (((None, (ENV, EXC)),), "has no URI"),
        ((("http://evil.example/x", (ENV, EXC)),), "external resource"),
        ((("", (EXC,)),), "does not use the enveloped-signature transform"),
        ((("", (ENV, XPATH)),), "unsupported transform"),
        ((("", (ENV, EXC)), ("#x", (EXC,))), "exactly one"),
        ((), "no Reference"),
    ],
)
def test_other_shapes_are_refused(
    references: tuple[tuple[str | None, tuple[str, ...]], ...], problem: str
) -> None:
    facts = inspect_signed_info(_signature(*references))

    assert not facts.covers_whole_document
    assert any(problem in p for p in facts.problems), facts.problems


def test_signature_without_certificate() -> None:
    certs, problem = signing_certificates(_signature(("", (ENV, EXC))))

    assert certs == ()
    assert problem == "no X.509 certificate in KeyInfo/X509Data"


def test_unreadable_certificate() -> None:
    sig = _signature(("", (ENV, EXC)))
    key_info = etree.SubElement(sig, f"{{{DS}}}KeyInfo")
    data = etree.SubElement(key_info, f"{{{DS}}}X509Data")
    etree.SubElement(data, f"{{{DS}}}X509Certificate").text = "bm90IGEgY2VydA=="

    certs, problem = signing_certificates(sig)
    assert certs == ()
    assert problem is not None
    assert problem.startswith("certificate in KeyInfo is not valid DER/X.509: X509Certificate 1: ")
