"""Test material for signing/: PKIs, signed envelopes, edits an attacker would make.

Fixtures are re-exported by the conftest of each test directory that needs them.
"""

from __future__ import annotations

import base64
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from lxml import etree

from signing.envelope import DS, find_header, header_signatures
from signing.keys import PemKeyFile, load_certificates
from signing.pki import TestCa, TestPki, generate_key, make_test_pki, write_cert, write_key
from signing.policy import VerificationPolicy
from signing.verifier import DocumentVerifier
from signing.xmlsign import XmlSigner
from tests.support.env import missing

SAMPLES = Path(__file__).parents[1] / "data" / "samples"
SENDER = "000.00.00.H41"
OTHER = "000.00.00.G22"


def sample_document() -> bytes:
    return (SAMPLES / "document.edxml").read_bytes()


def with_attachment(
    xml: bytes, data: bytes, name: str = "van-ban.pdf", content_type: str = "application/pdf"
) -> bytes:
    """``xml`` with one more attachment (unsigned envelopes only)."""
    encoded = base64.b64encode(data).decode()
    block = (
        f"<Attachment><ContentId>cid:{name}</ContentId><AttachmentName>{name}</AttachmentName>"
        f"<ContentType>{content_type}</ContentType>"
        f"<ContentTransferEncoded>{encoded}</ContentTransferEncoded></Attachment>"
    )
    return xml.replace(b"</AttachmentEncoded>", block.encode() + b"</AttachmentEncoded>")


def signer_for(pki: TestPki, organ: str) -> XmlSigner:
    material = pki.organ(organ)
    return XmlSigner.from_source(organ, PemKeyFile(material.key), material.cert)


def signer_from(cert: Path, key: Path) -> XmlSigner:
    from signing.identity import organ_id_of

    organ = organ_id_of(load_certificates(cert)[0]) or ""
    return XmlSigner.from_source(organ, PemKeyFile(key), cert)


def parse(xml: bytes) -> etree._Element:
    return etree.fromstring(xml)


def serialise(root: etree._Element) -> bytes:
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8"))


def first_signature(root: etree._Element) -> etree._Element:
    return header_signatures(root)[0]


def header(root: etree._Element) -> etree._Element:
    found = find_header(root)
    assert found is not None
    return found


def ds(path: str) -> str:
    return "/".join(f"{{{DS}}}{p}" for p in path.split("/"))


@dataclass
class Checker:
    """Writes a document to a temp file and verifies it under a policy."""

    tmp: Path
    trust: Path

    def report(self, xml: bytes, **policy: object):  # type: ignore[no-untyped-def]
        path = self.tmp / f"doc-{len(list(self.tmp.iterdir()))}.edxml"
        path.write_bytes(xml)
        settings: dict[str, object] = {"trust_dir": self.trust, **policy}
        at = settings.pop("at", None)
        return DocumentVerifier(VerificationPolicy(**settings)).report(path, at=at)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    return make_test_pki(tmp_path_factory.mktemp("pki"), [SENDER, OTHER])


@pytest.fixture(scope="session")
def foreign_pki(tmp_path_factory: pytest.TempPathFactory) -> TestPki:
    """Another test PKI: its CA is trusted by nobody in these tests."""
    return make_test_pki(tmp_path_factory.mktemp("foreign-pki"), [SENDER])


@pytest.fixture(scope="session")
def ec_material(pki: TestPki, tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(cert, key) of an EC P-256 signing certificate for SENDER from ``pki``'s CA."""
    directory = tmp_path_factory.mktemp("ec")
    ca = TestCa.load(pki.directory)
    key = generate_key("ec")
    now = datetime.now(UTC)
    cert = ca.issue_signing(
        key.public_key(),
        SENDER,
        not_before=now - timedelta(days=1),
        not_after=now + timedelta(days=30),
    )
    write_cert(directory / "ec.pem", cert)
    write_key(directory / "ec.key", key)
    return directory / "ec.pem", directory / "ec.key"


@pytest.fixture(scope="session")
def signed_sample(pki: TestPki) -> bytes:
    return signer_for(pki, SENDER).sign(sample_document())


@pytest.fixture
def checker(tmp_path: Path, pki: TestPki) -> Checker:
    docs = tmp_path / "docs"
    docs.mkdir()
    return Checker(docs, pki.directory)


# --------------------------------------------------------------------------- SoftHSM2

SOFTHSM_MODULES = (
    Path("/usr/lib/softhsm/libsofthsm2.so"),
    Path("/usr/lib/x86_64-linux-gnu/softhsm/libsofthsm2.so"),
    Path("/usr/lib/aarch64-linux-gnu/softhsm/libsofthsm2.so"),
    Path("/usr/local/lib/softhsm/libsofthsm2.so"),
)
TOKEN_LABEL = "lienthong-test"
USER_PIN = "246810"


@dataclass(frozen=True)
class SoftHsm:
    module: Path
    token_label: str
    pin: str


def softhsm_module() -> Path | None:
    if shutil.which("softhsm2-util") is None:
        return None
    return next((m for m in SOFTHSM_MODULES if m.exists()), None)


@pytest.fixture(scope="session")
def softhsm(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SoftHsm]:
    module = softhsm_module()
    if module is None:
        missing(
            "SoftHSM2 is not installed (Debian package softhsm2; `make test` installs it "
            "when apt-get is usable as root)"
        )
    directory = tmp_path_factory.mktemp("softhsm")
    (directory / "tokens").mkdir()
    conf = directory / "softhsm2.conf"
    conf.write_text(
        f"directories.tokendir = {directory / 'tokens'}\nobjectstore.backend = file\n"
        "log.level = ERROR\n"
    )
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SOFTHSM2_CONF", str(conf))
        subprocess.run(
            [
                "softhsm2-util",
                "--init-token",
                "--free",
                "--label",
                TOKEN_LABEL,
                "--pin",
                USER_PIN,
                "--so-pin",
                "13579111",
            ],
            check=True,
            capture_output=True,
        )
        yield SoftHsm(module, TOKEN_LABEL, USER_PIN)
