"""Who signed: how an organ id (mã định danh, domain §2) travels in a certificate.

lienthong's rule for organisation certificates (ký số tổ chức):

- the subject attribute ``UID`` (OID 0.9.2342.19200300.100.1.1) carries the
  organ id, either bare (``UID=000.00.00.G22``) or behind a short type prefix
  as some Vietnamese CAs write identifiers (``UID=MDD:000.00.00.G22``);
- failing that, the subject ``serialNumber`` attribute (OID 2.5.4.5), with the
  same optional prefix;
- ``CN`` is the organisation's name, for people to read.

Only a value that is a well-formed organ id (domain §2) counts, so a tax code or
a personal id in ``UID`` is never mistaken for an organ. A certificate without
one still verifies; its signature simply names no organ (``organ_id`` None).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.x509.oid import NameOID

from node.organ import is_organ_id

_ORGAN_ATTRIBUTES = (NameOID.USER_ID, NameOID.SERIAL_NUMBER)


def organ_id_of(cert: x509.Certificate) -> str | None:
    """The organ id a certificate is issued to, or None when it names none."""
    for oid in _ORGAN_ATTRIBUTES:
        for attribute in cert.subject.get_attributes_for_oid(oid):
            value = attribute.value
            if not isinstance(value, str):
                continue
            candidate = value.rsplit(":", 1)[-1].strip()
            if is_organ_id(candidate):
                return candidate
    return None


def _first(name: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    for attribute in name.get_attributes_for_oid(oid):
        if isinstance(attribute.value, str):
            return attribute.value
    return None


@dataclass(frozen=True)
class SignerInfo:
    """The signer as its certificate names it."""

    subject: str
    common_name: str | None
    organ_id: str | None
    issuer: str
    serial: str
    not_before: datetime
    not_after: datetime
    sha256: str

    @classmethod
    def of(cls, cert: x509.Certificate) -> SignerInfo:
        return cls(
            subject=cert.subject.rfc4514_string(),
            common_name=_first(cert.subject, NameOID.COMMON_NAME),
            organ_id=organ_id_of(cert),
            issuer=cert.issuer.rfc4514_string(),
            serial=format(cert.serial_number, "x"),
            not_before=cert.not_valid_before_utc,
            not_after=cert.not_valid_after_utc,
            sha256=cert.fingerprint(hashes.SHA256()).hex(),
        )

    def label(self) -> str:
        """Short human name: ``CN (organ id)`` or the subject."""
        name = self.common_name or self.subject
        return f"{name} ({self.organ_id})" if self.organ_id else name

    def as_dict(self) -> dict[str, object]:
        return {
            "subject": self.subject,
            "common_name": self.common_name,
            "organ_id": self.organ_id,
            "issuer": self.issuer,
            "serial": self.serial,
            "not_before": self.not_before.isoformat(),
            "not_after": self.not_after.isoformat(),
            "sha256": self.sha256,
        }
