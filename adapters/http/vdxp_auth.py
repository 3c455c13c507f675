"""Authentication of the VDXP-compatible API (domain §7).

A VDXP client sends each of its headers ``k`` as ``XroadVnpt-k``, lists the
signed names in ``XroadVnpt-sign-header-key`` (joined by ``;``), their values
as one JSON object in ``XroadVnpt-sign-header``, and the hex HMAC-SHA256 of
that JSON under the system's secret in ``XroadVnpt-hash-header``.

What we accept, and why:

* The HMAC is checked over the exact bytes of ``XroadVnpt-sign-header``, in
  constant time, before anything in it is believed.
* Handlers read values **only from the verified JSON** (names compared without
  case: clients send ``docId`` and ``docid``); a plain ``XroadVnpt-k`` header
  that contradicts its signed value is refused rather than silently ignored.
* The SDK (``VnptService.addXroadVnptHashHeader``) signs a JSON whose keys are
  the *prefixed* names (``{"XroadVnpt-systemid": ...}``); bare keys (older
  lienthong tools) are accepted too.
* ``systemid`` and ``timestamp`` must be signed. The SDK's timestamp
  (``ddMMyyyy'T'HHmmss+SSSS``: a literal ``+`` then milliseconds, in the
  client's local time) is taken once when the client object is made and sent
  unchanged for its whole life, so it cannot prove freshness: we check its
  form only. The HMAC is the authentication; replay of a captured request is
  harmless for the reads and for ``updateStatus`` (idempotent), and a replayed
  ``sendEdoc`` is answered as a duplicate by the engine (same DocumentId and
  content). A ``±HHMM`` offset (older lienthong clients) is still
  accepted.
* The SDK client keeps every header of earlier calls in one map, so a request
  may sign stale names (``docId`` from a ``getEdoc`` beside a fresh
  ``docid``): names differing only in case are refused when their values
  differ, so the wrong message is never acknowledged.
* ``systemid`` is a connected system (``vdxp_system_id`` of a DMS, speaking for
  all its organs) or, in the older shape, one organ id of a DMS with
  ``vdxp_secret_env``.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from node.errors import BadRequest, Unauthorized
from node.ports.api import DmsPrincipal
from node.ports.driven import Clock

PREFIX = "XroadVnpt-"
SIGN_KEYS = PREFIX + "sign-header-key"
SIGN_JSON = PREFIX + "sign-header"
SIGN_HASH = PREFIX + "hash-header"
TIMESTAMP_FORMAT = "%d%m%YT%H%M%S%z"
SDK_TIMESTAMP = re.compile(r"\d{8}T\d{6}\+\d{3,4}")
WINDOW = timedelta(minutes=5)
MAX_SIGNED_HEADER = 16 * 1024


@dataclass(frozen=True)
class VdxpSystem:
    """A DMS organ allowed on the VDXP-compatible API, with its HMAC secret."""

    system_id: str
    principal: DmsPrincipal
    secret: bytes = field(repr=False)


@dataclass(frozen=True)
class SignedRequest:
    """A request whose signed header values were verified for ``system``."""

    system: VdxpSystem
    values: Mapping[str, str]
    """Signed header values by lower-cased name."""

    def get(self, name: str) -> str | None:
        value = self.values.get(name.lower())
        if value is not None and value.startswith(_CONFLICT):
            raise BadRequest(
                f"header {PREFIX}{name} is signed more than once with different values "
                f"({value[len(_CONFLICT) :]}); the SDK client keeps headers of earlier "
                "calls: sign this call's name in the same case as before"
            )
        return value

    def require(self, name: str) -> str:
        value = self.get(name)
        if value is None or not value.strip():
            raise BadRequest(f"header {PREFIX}{name} is required here and must be signed")
        return value.strip()


class VdxpAuth:
    def __init__(
        self, systems: Iterable[VdxpSystem], clock: Clock, window: timedelta = WINDOW
    ) -> None:
        self._systems = {s.system_id: s for s in systems}
        self._clock = clock
        self._window = window

    @property
    def enabled(self) -> bool:
        return bool(self._systems)

    def authenticate(self, headers: Mapping[str, str]) -> SignedRequest:
        names_header, signed_json, digest = signature_parts(headers)
        if len(signed_json) > MAX_SIGNED_HEADER:
            raise Unauthorized(f"{SIGN_JSON} is longer than {MAX_SIGNED_HEADER} characters")
        values = _signed_values(signed_json)
        system = self._systems.get(values.get("systemid", ""))
        if system is None:
            raise Unauthorized("the signed systemid is not a system registered on this node")
        try:
            signed_bytes = signed_json.encode("utf-8")
        except UnicodeEncodeError:
            raise Unauthorized(f"{SIGN_JSON} is not valid UTF-8") from None
        expected = hmac.new(system.secret, signed_bytes, hashlib.sha256).digest()
        presented = digest.strip().lower().encode("utf-8", "replace")
        if not hmac.compare_digest(expected.hex().encode("ascii"), presented):
            raise Unauthorized(f"{SIGN_HASH} does not match: wrong secret or altered headers")
        names = {_bare(n) for n in names_header.split(";") if n.strip()}
        if names != set(values):
            raise Unauthorized(f"{SIGN_KEYS} does not list exactly the names in {SIGN_JSON}")
        self._check_plain_headers(headers, values)
        self._check_time(values.get("timestamp"))
        return SignedRequest(system, values)

    def _check_plain_headers(self, headers: Mapping[str, str], values: Mapping[str, str]) -> None:
        for name, value in headers.items():
            lowered = name.lower()
            if not lowered.startswith(PREFIX.lower()):
                continue
            key = lowered[len(PREFIX) :]
            if (
                key in values
                and not values[key].startswith(_CONFLICT)
                and not _same(value, values[key])
            ):
                raise Unauthorized(f"header {name} differs from its signed value")

    def _check_time(self, stamp: str | None) -> None:
        if not stamp:
            raise Unauthorized("the timestamp header must be signed")
        if SDK_TIMESTAMP.fullmatch(stamp.strip()):
            return  # the SDK's: fixed per client object, no freshness (see above)
        try:
            at = datetime.strptime(stamp.strip(), TIMESTAMP_FORMAT)
        except ValueError:
            raise Unauthorized(
                f"timestamp {stamp!r} is not ddMMyyyy'T'HHmmss+SSSS (the SDK's) "
                "or ddMMyyyy'T'HHmmss with an offset (e.g. +0700)"
            ) from None
        skew = abs(self._clock.now() - at)
        if skew > self._window:
            raise Unauthorized(
                f"timestamp {stamp} is {int(skew.total_seconds())} s away from the node's "
                f"clock (allowed: {int(self._window.total_seconds())} s); check the clocks"
            )


def signature_parts(headers: Mapping[str, str]) -> tuple[str, str, str]:
    """The three signature headers (names, JSON, HMAC), or 401 naming them."""
    names_header = headers.get(SIGN_KEYS)
    signed_json = headers.get(SIGN_JSON)
    digest = headers.get(SIGN_HASH)
    if not signed_json or not digest or not names_header:
        raise Unauthorized(f"send {SIGN_KEYS}, {SIGN_JSON} and {SIGN_HASH} (VDXP header signature)")
    return names_header, signed_json, digest


def _same(plain: str, signed: str) -> bool:
    """Equal values; JSON values (the ``to`` list) compare as JSON, not as text."""
    if plain == signed:
        return True
    try:
        return bool(json.loads(plain) == json.loads(signed))
    except ValueError:
        return False


def _signed_values(signed_json: str) -> dict[str, str]:
    try:
        data = json.loads(signed_json)
    except ValueError:
        raise Unauthorized(f"{SIGN_JSON} is not JSON") from None
    if not isinstance(data, dict) or not data:
        raise Unauthorized(f"{SIGN_JSON} must be a JSON object of header values")
    values: dict[str, str] = {}
    for name, value in data.items():
        if isinstance(value, list):
            value = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
        elif not isinstance(value, str | int | float) or isinstance(value, bool):
            raise Unauthorized(f"{SIGN_JSON}: the value of {name!r} must be a string")
        key = _bare(str(name))
        if key in values and values[key] != str(value):
            # Case variants (docId/docid) with different values: an error only
            # if the call reads that name (SignedRequest.get).
            values[key] = f"{_CONFLICT}{values[key]!r} and {str(value)!r}"
        else:
            values[key] = str(value)
    return values


_CONFLICT = "\x00conflict:"


def _bare(name: str) -> str:
    """``XroadVnpt-docId`` and ``docId`` → ``docid``."""
    key = name.strip()
    if key.lower().startswith(PREFIX.lower()):
        key = key[len(PREFIX) :]
    return key.lower()


def signed_headers(
    values: Mapping[str, str], secret: bytes, *, names: Iterable[str] | None = None
) -> dict[str, str]:
    """The headers a VDXP client sends for ``values`` (used by tests, tools and
    the demo; the same construction the VDXP SDK performs: prefixed keys in the
    signed JSON, bare names in the key list)."""
    keys = list(names if names is not None else values)
    signed = json.dumps(
        {PREFIX + k: values[k] for k in keys}, ensure_ascii=False, separators=(",", ":")
    )
    headers = {PREFIX + k: values[k] for k in keys}
    headers[SIGN_KEYS] = ";".join(keys)
    headers[SIGN_JSON] = signed
    headers[SIGN_HASH] = hmac.new(secret, signed.encode("utf-8"), hashlib.sha256).hexdigest()
    return headers
