"""Small signed PDFs for tests and the demo (pyHanko does the PDF signing).

:func:`minimal_pdf` writes a one-page PDF with a line of text; :func:`sign_pdf`
adds a PAdES-style signature (``/adbe.pkcs7.detached`` with signing time) by the
given key and certificate chain as an incremental update.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from typing import Any

from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from pyhanko.pdf_utils import generic as _generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.writer import PdfFileWriter as _PdfFileWriter
from pyhanko.sign import fields, signers
from pyhanko_certvalidator.registry import SimpleCertificateStore as _CertStore

from signing.keys import PrivateKey

# pyHanko's PDF object layer is untyped; treat it as such, here only.
generic: Any = _generic
PdfFileWriter: Any = _PdfFileWriter
SimpleCertificateStore: Any = _CertStore
pdf_name: Any = _generic.pdf_name


def _pdf_string(text: str) -> str:
    ascii_text = text.encode("ascii", "replace").decode("ascii")
    return ascii_text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def minimal_pdf(text: str) -> bytes:
    """A valid one-page A4 PDF showing ``text`` (ASCII; other characters become '?')."""
    writer = PdfFileWriter()
    font = writer.add_object(
        generic.DictionaryObject(
            {
                pdf_name("/Type"): pdf_name("/Font"),
                pdf_name("/Subtype"): pdf_name("/Type1"),
                pdf_name("/BaseFont"): pdf_name("/Helvetica"),
            }
        )
    )
    content = writer.add_object(
        generic.StreamObject(
            stream_data=f"BT /F1 14 Tf 72 770 Td ({_pdf_string(text)}) Tj ET".encode("ascii")
        )
    )
    page = generic.DictionaryObject(
        {
            pdf_name("/Type"): pdf_name("/Page"),
            pdf_name("/MediaBox"): generic.ArrayObject(
                [generic.NumberObject(n) for n in (0, 0, 595, 842)]
            ),
            pdf_name("/Resources"): generic.DictionaryObject(
                {pdf_name("/Font"): generic.DictionaryObject({pdf_name("/F1"): font})}
            ),
            pdf_name("/Contents"): content,
        }
    )
    writer.insert_page(page)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _asn1_cert(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


def sign_pdf(
    pdf: bytes,
    key: PrivateKey,
    chain: Sequence[x509.Certificate],
    *,
    field_name: str = "Signature1",
    reason: str | None = None,
) -> bytes:
    """``pdf`` with one more signature by ``key`` (``chain[0]`` is its certificate)."""
    key_der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    signer = signers.SimpleSigner(
        signing_cert=_asn1_cert(chain[0]),
        signing_key=asn1_keys.PrivateKeyInfo.load(key_der),
        cert_registry=SimpleCertificateStore.from_certs([_asn1_cert(c) for c in chain[1:]]),
    )
    meta = signers.PdfSignatureMetadata(field_name=field_name, reason=reason)
    out = signers.sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False),
        meta,
        signer=signer,
        new_field_spec=fields.SigFieldSpec(sig_field_name=field_name),
    )
    return bytes(out.getvalue())
