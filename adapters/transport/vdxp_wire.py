"""The national SDK's wire format (SDKVXP-2.0.1, read from its bytecode), so a
node talks to the national axis exactly as an agency DMS embedding the SDK does.

What ``com.vpcp.services.VnptService.addXroadVnptHashHeader`` builds, per call:

* a header map (a ``java.util.HashMap``) holding ``timestamp`` (put first, in
  the service's constructor), ``systemid``, ``Content-Type`` (each call sets
  it), every key of the call's JSON argument, and for ``sendEdoc`` ``hash-file``;
* for each entry, in the HashMap's iteration order: a header ``XroadVnpt-k``,
  the property ``"XroadVnpt-k": v`` in a gson ``JsonObject`` (keys *prefixed*),
  and ``k;`` appended to the key list (the last ``;`` cut); ``Content-Type``
  is also sent as itself;
* ``XroadVnpt-sign-header-key`` (the bare names), ``XroadVnpt-sign-header``
  (``JsonObject.toString()``: compact, only ``"``, ``\\`` and control
  characters escaped), ``XroadVnpt-hash-header`` (hex HMAC-SHA256 of that JSON
  under the secret, UTF-8), ``User-Agent: JAVASDKAgent/1.0.0 XRoad/VPCP`` and
  ``XroadVnpt-version: 3.0.201608``.

The timestamp is ``SimpleDateFormat("ddMMyyyy'T'HHmmss+SSSS")``: local time, a
literal ``+`` and the milliseconds on four digits. ``hash-file`` is
``Integer.toHexString`` of each SHA-256 byte: hex *without* zero padding.

Pure functions: no I/O. The HTTP side is :mod:`adapters.transport.vdxp_client`.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping
from datetime import datetime

PREFIX = "XroadVnpt-"
SIGN_KEYS = PREFIX + "sign-header-key"
SIGN_JSON = PREFIX + "sign-header"
SIGN_HASH = PREFIX + "hash-header"
USER_AGENT = "JAVASDKAgent/1.0.0 XRoad/VPCP"
VERSION = "3.0.201608"
JSON = "application/json"
OCTET_STREAM = "application/octet-stream"


def java_string_hash(text: str) -> int:
    """``String.hashCode()``: over UTF-16 code units, 32-bit signed wrap-around."""
    h = 0
    data = text.encode("utf-16-be")
    for i in range(0, len(data), 2):
        h = (31 * h + ((data[i] << 8) | data[i + 1])) & 0xFFFFFFFF
    return h - (1 << 32) if h & 0x80000000 else h


def hashmap_order(keys: Iterable[str]) -> list[str]:
    """The iteration order of a ``java.util.HashMap<String, …>`` filled with
    ``keys`` in this order (duplicates keep their first place): bucket by
    bucket, ``(h ^ h >>> 16) & (n - 1)``, insertion order inside a bucket; the
    table starts at 16 and doubles past a 0.75 load."""
    unique = list(dict.fromkeys(keys))
    size = 16
    while len(unique) > size * 3 // 4:
        size *= 2
    buckets: dict[int, list[str]] = {}
    for key in unique:
        h = java_string_hash(key) & 0xFFFFFFFF
        buckets.setdefault((h ^ (h >> 16)) & (size - 1), []).append(key)
    return [key for index in sorted(buckets) for key in buckets[index]]


def gson_string(text: str) -> str:
    """A JSON string as gson 2.2's ``JsonWriter`` (not HTML-safe) writes it."""
    out = ['"']
    for ch in text:
        code = ord(ch)
        if ch == '"':
            out.append('\\"')
        elif ch == "\\":
            out.append("\\\\")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\b":
            out.append("\\b")
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\f":
            out.append("\\f")
        elif code < 0x20 or ch in "\u2028\u2029":
            out.append(f"\\u{code:04x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def gson_array(values: Iterable[str]) -> str:
    """``JsonArray.toString()`` of strings: what the SDK puts in the ``to`` header."""
    return "[" + ",".join(gson_string(v) for v in values) + "]"


def sdk_timestamp(at: datetime) -> str:
    """``ddMMyyyy'T'HHmmss+SSSS`` in the machine's local time (``+`` is literal)."""
    local = at.astimezone() if at.tzinfo is not None else at
    return local.strftime("%d%m%YT%H%M%S") + f"+{local.microsecond // 1000:04d}"


def sdk_hash_file(sha256_hex: str) -> str:
    """The SDK's ``hash-file``: each byte of the SHA-256 as unpadded hex."""
    return "".join(format(b, "x") for b in bytes.fromhex(sha256_hex))


def sdk_hash_of(data: bytes) -> str:
    return sdk_hash_file(hashlib.sha256(data).hexdigest())


def header_values(
    *, system_id: str, at: datetime, content_type: str, call: Mapping[str, str]
) -> dict[str, str]:
    """The SDK's header map for one call, in insertion order (timestamp,
    systemid, Content-Type, then the call's own values)."""
    values = {"timestamp": sdk_timestamp(at), "systemid": system_id, "Content-Type": content_type}
    values.update(call)
    return values


def signed_headers(values: Mapping[str, str], secret: str) -> list[tuple[str, str]]:
    """The HTTP headers the SDK sends for ``values``, in its order."""
    order = hashmap_order(values)
    headers: list[tuple[str, str]] = []
    for name in order:
        if name == "Content-Type":
            headers.append((name, values[name]))
        headers.append((PREFIX + name, values[name]))
    signed = "{" + ",".join(f"{gson_string(PREFIX + k)}:{gson_string(values[k])}" for k in order)
    signed += "}"
    digest = hmac.new(secret.encode("utf-8"), signed.encode("utf-8"), hashlib.sha256).hexdigest()
    headers += [
        (SIGN_KEYS, ";".join(order)),
        (SIGN_JSON, signed),
        (SIGN_HASH, digest),
        ("User-Agent", USER_AGENT),
        (PREFIX + "version", VERSION),
    ]
    return headers
