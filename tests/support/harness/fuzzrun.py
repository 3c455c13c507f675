"""One fuzz run over the three targets, with two real nodes for the APIs."""

from __future__ import annotations

import asyncio
from pathlib import Path

import aiohttp

from tests.support.harness.dms import Dms
from tests.support.harness.fixtures import arunning
from tests.support.harness.fuzz import FuzzReport, fuzz_dms, fuzz_peer, fuzz_validate, peer_ssl
from tests.support.harness.nodes import G22, H41, lienthong, make_pair
from tests.support.messages import document


async def run_fuzz(root: Path, count: int, seed: int) -> list[FuzzReport]:
    """``count`` mutants per target. Node A takes the DMS mutants (it signs for
    H41); node B takes the peer mutants of a document signed for H41, sent with
    node A's TLS identity."""
    a, b = make_pair(root)
    pki = root / "pki"
    original, _ = document(H41, (G22,), number=90_000 + seed)
    (root / "original.edxml").write_bytes(original)
    lienthong(
        "sign",
        str(root / "original.edxml"),
        "--key",
        str(pki / f"{H41}.key"),
        "--cert",
        str(pki / f"{H41}.pem"),
        "-o",
        str(root / "signed.edxml"),
    )
    signed = (root / "signed.edxml").read_bytes()
    reports = [await asyncio.to_thread(fuzz_validate, original, count, seed, root)]
    logs = root / "logs"
    logs.mkdir(exist_ok=True)
    processes = (a.process(logs), b.process(logs))
    async with arunning(*processes), aiohttp.ClientSession() as http:
        reports.append(await fuzz_dms(Dms(http, a.dms_url, a.dms_token), original, count, seed))
        context = peer_ssl(pki / f"{H41}.tls.pem", pki / f"{H41}.tls.key", pki / "ca.pem")
        reports.append(
            await fuzz_peer(
                http,
                f"https://127.0.0.1:{b.peer_port}",
                context,
                signed,
                count,
                seed,
                recipient=G22,
            )
        )
        for process, report in zip(processes, reports[1:], strict=True):
            if not process.running:
                report.crashes.append(f"node {process.name} died:\n{process.tail()}")
    return reports
