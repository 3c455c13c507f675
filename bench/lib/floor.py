"""The floor for e2e: the CPU work a document needs with no I/O between the
steps, in one process: XSD + rules validate, sign (RSA-2048), verify, validate."""

from __future__ import annotations

import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from node.validation import Validator
from signing.keys import PemKeyFile
from signing.policy import VerificationPolicy
from signing.verifier import DocumentVerifier
from signing.xmlsign import XmlSigner


def floor_docs_per_s(
    pki: Path, organ: str, make: Callable[[int], bytes], count: int
) -> tuple[float, float]:
    """(documents per second of wall time, CPU ms per document of this thread)."""
    validator = Validator()
    signer = XmlSigner.from_source(organ, PemKeyFile(pki / f"{organ}.key"), pki / f"{organ}.pem")
    verifier = DocumentVerifier(VerificationPolicy(trust_dir=pki))
    bodies = [make(1_000_000 + i) for i in range(count)]
    shm = Path("/dev/shm")
    with tempfile.TemporaryDirectory(dir=shm if shm.is_dir() else None) as tmp:
        path = Path(tmp) / "signed.edxml"
        started = time.perf_counter()
        cpu = time.thread_time()
        for body in bodies:
            validator.validate_bytes(body).raise_for_issues()
            signed = signer.sign(body)
            path.write_bytes(signed)  # the verifier reads a file (memory-backed here)
            outcome = verifier.verify(path)
            if not outcome.accepted:
                raise RuntimeError(f"floor: signature not accepted: {outcome.reasons}")
            validator.validate_bytes(signed).raise_for_issues()
        cpu_ms = (time.thread_time() - cpu) * 1000 / count
        return count / (time.perf_counter() - started), cpu_ms
