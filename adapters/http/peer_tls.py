"""Server side of the peer API's mutual TLS: the listener's ssl context and
reading the client's certificate off a request.

Interim: adapters/tls.py (transport helper) will own TLS contexts for both
directions; when it lands, build_server_context delegates to it.
"""

from __future__ import annotations

import ssl
from pathlib import Path

from aiohttp import web

from adapters.http.inventory import der_sha256
from node.errors import ConfigError


def build_server_context(
    *,
    cert: Path,
    key: Path,
    ca: Path,
    password: str | None = None,
    extra_trust: tuple[Path, ...] = (),
) -> ssl.SSLContext:
    """TLS 1.2+ server context that requires a client certificate chaining to
    ``ca`` (or to one of ``extra_trust``: pinned, possibly self-signed peers)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.verify_mode = ssl.CERT_REQUIRED
    try:
        context.load_cert_chain(cert, key, password=password)
    except (ssl.SSLError, OSError) as exc:
        raise ConfigError(f"tls.key: cannot load the node's certificate and key: {exc}") from None
    for where, path in (("tls.ca", ca), *(("peers[].certificate", p) for p in extra_trust)):
        try:
            context.load_verify_locations(cafile=path)
        except (ssl.SSLError, OSError) as exc:
            raise ConfigError(f"{where}: cannot load {path}: {exc}") from None
    return context


def client_certificate_sha256(request: web.Request) -> str | None:
    """SHA-256 (hex) of the DER client certificate of the TLS connection, if any."""
    ssl_object = request.transport.get_extra_info("ssl_object") if request.transport else None
    if ssl_object is None:
        return None
    der = ssl_object.getpeercert(binary_form=True)
    return der_sha256(der) if der else None
