"""`lienthong sign`: add the organisation's XML signature to an edXML envelope."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path
from typing import Any

NAME = "sign"
HELP = "add the organisation's XML signature to an edXML envelope"
EXIT_USAGE = 2


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("file", metavar="FILE", type=Path, help="edXML envelope to sign")
    parser.add_argument(
        "--cert",
        "-c",
        required=True,
        type=Path,
        metavar="C",
        help="signer's certificate (PEM, may be followed by its chain)",
    )
    key = parser.add_argument_group("key (a file, or a PKCS#11 token)")
    key.add_argument(
        "--key",
        "-k",
        type=Path,
        metavar="K",
        help="private key file (PEM or DER, PKCS#8 or traditional)",
    )
    key.add_argument(
        "--key-password-env",
        metavar="VAR",
        help="environment variable holding the key file's password",
    )
    key.add_argument(
        "--key-password-file",
        type=Path,
        metavar="FILE",
        help="file whose first line is the key file's password",
    )
    key.add_argument("--pkcs11-module", type=Path, metavar="SO", help="PKCS#11 library")
    key.add_argument("--token-label", metavar="LABEL", help="PKCS#11 token label")
    key.add_argument("--key-label", metavar="LABEL", help="PKCS#11 key label")
    key.add_argument("--pin-env", metavar="VAR", help="environment variable holding the PIN")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="OUT",
        help="write the signed envelope here (default: standard output)",
    )


def run(args: argparse.Namespace) -> int:
    from signing.identity import organ_id_of
    from signing.keys import KeyMaterialError, load_certificates
    from signing.xmlsign import XmlSigner

    try:
        source = _key_source(args)
        organ = organ_id_of(load_certificates(args.cert)[0]) or ""
        signer = XmlSigner.from_source(organ, source, args.cert, require_organ_match=False)
    except KeyMaterialError as exc:
        return _usage(exc.detail)
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        return _usage(f"cannot read {args.file}: {exc.strerror or exc}")
    signed = signer.sign(data)  # SigningFailed / MalformedXml -> exit 1 via main
    if args.output is None:
        sys.stdout.buffer.write(signed)
        sys.stdout.buffer.flush()
        return 0
    try:
        _write_atomically(args.output, signed)
    except OSError as exc:
        return _usage(f"cannot write {args.output}: {exc.strerror or exc}")
    print(
        f"signed {args.file} -> {args.output} "
        f"(signer {signer.certificate.subject.rfc4514_string()})",
        file=sys.stderr,
    )
    return 0


def _key_source(args: argparse.Namespace) -> Any:
    """The key source the options name (a signing.keys.KeySource)."""
    from signing.keyring import OrganKey, Pkcs11Key, key_source_for
    from signing.keys import KeyMaterialError, PemKeyFile

    if (args.key is None) == (args.pkcs11_module is None):
        raise KeyMaterialError(
            "give either --key or --pkcs11-module (with --token-label, --key-label, --pin-env)"
        )
    if args.pkcs11_module is not None:
        if not (args.token_label and args.key_label and args.pin_env):
            raise KeyMaterialError("--pkcs11-module needs --token-label, --key-label and --pin-env")
        spec = OrganKey(
            organ_id="-",
            cert=args.cert,
            pkcs11=Pkcs11Key(args.pkcs11_module, args.token_label, args.key_label, args.pin_env),
        )
        return key_source_for(spec)
    if args.key_password_file is not None:
        try:
            lines = args.key_password_file.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            raise KeyMaterialError(
                f"cannot read {args.key_password_file}: {exc.strerror or exc}"
            ) from None
        return PemKeyFile(args.key, (lines[0] if lines else "").encode())
    return key_source_for(
        OrganKey(organ_id="-", cert=args.cert, key=args.key, key_password_env=args.key_password_env)
    )


def _write_atomically(path: Path, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or Path("."))
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _usage(message: str) -> int:
    print(f"lienthong sign: {message}", file=sys.stderr)
    return EXIT_USAGE
