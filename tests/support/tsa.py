"""A local RFC 3161 timestamp authority for tests: pyHanko's DummyTimeStamper
behind an aiohttp server on 127.0.0.1, with a TSA certificate issued by the
test CA of a ``make_test_pki`` directory (so that directory is the auditor's
trust directory for both the node's checkpoints and their timestamps)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiohttp import web
from asn1crypto import keys as asn1_keys
from asn1crypto import tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from signing.pki import TestCa


@dataclass
class LocalTsa:
    url: str
    failing: bool = False
    """When True the TSA answers 503 (as one that is down)."""
    requests: int = 0


def issue_tsa_cert(ca: TestCa) -> tuple[x509.Certificate, rsa.RSAPrivateKey]:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "TEST ONLY TSA")]))
        .issuer_name(ca.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(ca.key, hashes.SHA256())
    )
    return cert, key


@asynccontextmanager
async def local_tsa(pki_dir: Path) -> AsyncIterator[LocalTsa]:
    """A TSA on 127.0.0.1 (a free port) until the context exits."""
    from pyhanko.sign.timestamps.dummy_client import DummyTimeStamper

    cert, key = issue_tsa_cert(TestCa.load(pki_dir))
    stamper = DummyTimeStamper(
        tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
        tsa_key=asn1_keys.PrivateKeyInfo.load(
            key.private_bytes(
                serialization.Encoding.DER,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        ),
    )
    state = LocalTsa(url="")

    async def answer(request: web.Request) -> web.Response:
        state.requests += 1
        if state.failing:
            return web.Response(status=503, text="TSA down")
        req = tsp.TimeStampReq.load(await request.read())
        reply = await stamper.async_request_tsa_response(req)
        return web.Response(body=reply.dump(), content_type="application/timestamp-reply")

    app = web.Application()
    app.router.add_post("/tsa", answer)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    state.url = f"http://127.0.0.1:{port}/tsa"
    try:
        yield state
    finally:
        await runner.cleanup()
