"""The node's outgoing transport (peer nodes over mutual TLS, DMS webhooks, DMS
drop folders); see :mod:`adapters.transport.dispatch`."""

from adapters.transport.config import (
    DropFolderEndpoint,
    PeerEndpoint,
    Timeouts,
    WebhookEndpoint,
)
from adapters.transport.dispatch import NodeTransport
from adapters.transport.headers import (
    BadTransferHeaders,
    parse_transfer_headers,
    transfer_headers,
)
from adapters.transport.webhook import WebhookSignatureInvalid, verify_webhook_signature

__all__ = [
    "BadTransferHeaders",
    "DropFolderEndpoint",
    "NodeTransport",
    "PeerEndpoint",
    "Timeouts",
    "WebhookEndpoint",
    "WebhookSignatureInvalid",
    "parse_transfer_headers",
    "transfer_headers",
    "verify_webhook_signature",
]
