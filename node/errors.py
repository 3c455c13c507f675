"""One exception root for everything lienthong refuses or fails on.

Each error carries a stable ``kind`` slug. Adapters turn it into an RFC 9457
problem type (``https://lienthong.dev/problems/<kind>``) and an HTTP status; the
CLI turns it into one line on stderr and an exit code. Driver exceptions
(sqlite3, asyncpg, lxml, ssl) are translated into these where they enter.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Issue:
    """One specific problem found in a message: where it is and what is wrong."""

    line: int | None
    path: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return {"line": self.line, "path": self.path, "message": self.message}

    def __str__(self) -> str:
        return f"{self.line if self.line is not None else '?'}: {self.path}: {self.message}"


class LienthongError(Exception):
    """Root of every error lienthong raises on purpose."""

    kind = "error"
    http_status = 500
    title = "Internal error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail

    def __reduce__(self) -> tuple[object, ...]:
        """Pickled with its attributes, whatever its ``__init__`` takes (an
        error raised in node.offload's worker process arrives whole)."""
        return (_rebuilt, (type(self), self.args, self.__dict__))


def _rebuilt(
    cls: type[LienthongError], args: tuple[object, ...], state: dict[str, object]
) -> LienthongError:
    error = cls.__new__(cls)
    error.args = args
    error.__dict__.update(state)
    return error


class UnsafeXml(LienthongError):
    """DTDs, entities, excessive depth or size: refused before any resolution."""

    kind = "unsafe-xml"
    http_status = 400
    title = "Unsafe XML refused"


class MalformedXml(LienthongError):
    kind = "malformed-xml"
    http_status = 400
    title = "Malformed XML"

    def __init__(self, detail: str, line: int | None = None) -> None:
        super().__init__(detail)
        self.line = line


class ValidationFailed(LienthongError):
    """The message is well-formed XML but breaks the schema or a business rule."""

    kind = "validation-failed"
    http_status = 400
    title = "edXML validation failed"

    def __init__(self, issues: list[Issue] | tuple[Issue, ...], detail: str | None = None) -> None:
        self.issues = tuple(issues)
        super().__init__(detail or f"{len(self.issues)} validation error(s)")


class BadRequest(LienthongError):
    """A request that cannot be taken as sent: a bad header, query parameter or
    empty body (as opposed to a message whose content is invalid)."""

    kind = "bad-request"
    http_status = 400
    title = "Bad request"

    def __init__(self, detail: str, issues: list[Issue] | tuple[Issue, ...] = ()) -> None:
        super().__init__(detail)
        self.issues = tuple(issues)


class UnsupportedMediaType(LienthongError):
    kind = "unsupported-media-type"
    http_status = 415
    title = "Unsupported media type"


class SignatureRejected(LienthongError):
    """A signature is missing, broken, untrusted, revoked or too weak under policy."""

    kind = "signature-rejected"
    http_status = 400
    title = "Signature rejected"

    def __init__(self, detail: str, reasons: tuple[str, ...] = ()) -> None:
        super().__init__(detail)
        self.reasons = reasons or (detail,)


class SigningFailed(LienthongError):
    kind = "signing-failed"
    http_status = 500
    title = "Signing failed"


class Unauthorized(LienthongError):
    kind = "unauthorized"
    http_status = 401
    title = "Authentication required"


class Forbidden(LienthongError):
    kind = "forbidden"
    http_status = 403
    title = "Not allowed"


class NotAParty(Forbidden):
    """A status about a document from an organ that is not the side allowed to
    send it: only a recipient reports 01-06/15/16, only the sender 13 (domain §3)."""

    kind = "not-a-party"
    title = "Not a party to the document"


class NotFound(LienthongError):
    kind = "not-found"
    http_status = 404
    title = "Not found"


class UnknownDestination(LienthongError):
    kind = "unknown-destination"
    http_status = 422
    title = "No route to destination"


class LoopDetected(LienthongError):
    kind = "loop-detected"
    http_status = 422
    title = "Routing loop or hop limit exceeded"


class IllegalTransition(LienthongError):
    """A status that the feedback rules (domain §3) do not allow at this point."""

    kind = "illegal-status-transition"
    http_status = 409
    title = "Status not allowed now"


class Conflict(LienthongError):
    kind = "conflict"
    http_status = 409
    title = "Conflict"


class TooLarge(LienthongError):
    kind = "too-large"
    http_status = 413
    title = "Message too large"


class StoreUnavailable(LienthongError):
    """The store cannot be reached or written; nothing was half-written."""

    kind = "store-unavailable"
    http_status = 503
    title = "Store unavailable"


class ConfigError(LienthongError):
    kind = "config-error"
    http_status = 500
    title = "Configuration error"
