"""Transport throughput and client memory, measured side by side in one run.

    python bench/transport.py            # 200 MB body
    python bench/transport.py --quick    # 20 MB body

A mutual-TLS peer server (its own process, hashing what it receives) listens on
127.0.0.1. Each variant runs in a fresh client process so its peak RSS is its
own:

- ``peer``: ``NodeTransport.send`` to the peer (pinning, streamed body checked
  against its SHA-256, wire headers);
- ``bare``: a plain aiohttp POST of the same file over the same mTLS context
  (aiohttp streams file objects): the reference;
- ``drop-folder``: ``NodeTransport.send`` into a drop folder (temp file, fsync,
  rename, receipt);
- ``copy``: ``shutil.copyfile`` + fsync of the same file: the reference.

Prints MB/s, client peak RSS and its growth over the client's baseline, and
the ratios lienthong / reference.
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

MB = 1 << 20


def rss_mb() -> float:
    import psutil

    return float(psutil.Process().memory_info().rss) / MB


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


# --------------------------------------------------------------------------- server


async def serve(work: Path, port_file: Path) -> None:
    from aiohttp import web

    from adapters.tls import server_context

    ctx = server_context(work / "node-b.pem", work / "node-b.key", work / "ca.pem")

    async def handle(request: web.Request) -> web.Response:
        digest = hashlib.sha256()
        async for chunk in request.content.iter_chunked(1 << 20):
            digest.update(chunk)
        claimed = request.headers.get("Lienthong-Content-SHA256", digest.hexdigest())
        status = 202 if claimed == digest.hexdigest() else 400
        return web.json_response({"id": "bench", "sha256": digest.hexdigest()}, status=status)

    app = web.Application(client_max_size=1 << 40)
    app.router.add_post("/peer/v1/messages", handle)
    runner = web.AppRunner(app, handle_signals=False, shutdown_timeout=1.0)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0, ssl_context=ctx)
    await site.start()
    port = runner.addresses[0][1]
    await asyncio.to_thread(port_file.write_text, str(port))
    await asyncio.Event().wait()


# --------------------------------------------------------------------------- clients


async def client(variant: str, work: Path, url: str) -> dict[str, float | str]:
    import aiohttp

    from adapters.tls import TlsMaterial, client_context
    from adapters.transport import DropFolderEndpoint, NodeTransport, PeerEndpoint, Timeouts
    from node.model import MessageKind
    from node.ports.driven import Destination, DestinationKind, Outcome, TransferMeta
    from tests.helpers.bodies import FileBody

    source = work / "body.bin"
    body = FileBody(source, (work / "body.sha256").read_text())
    message_id = f"bench-{os.getpid()}-{time.time_ns()}"
    meta = TransferMeta(message_id, MessageKind.DOCUMENT, ("000.00.00.G22",), ())
    tls = TlsMaterial(work / "node-a.pem", work / "node-a.key", work / "ca.pem")
    peer_pin = (work / "node-b.sha256").read_text()
    peer = PeerEndpoint.create("B", url, expected_cert_sha256=peer_pin)
    folder = work / "dms"
    folder.mkdir(exist_ok=True)
    transport = NodeTransport(
        tls=tls,
        peers=[peer],
        drop_folders=[DropFolderEndpoint("dms", folder)],
        timeouts=Timeouts(base=600),
    )
    baseline = rss_mb()
    started = time.perf_counter()
    if variant == "peer":
        async with transport:
            outcome = await transport.send(Destination(DestinationKind.PEER, "B"), meta, body)
        assert outcome.outcome is Outcome.DELIVERED, outcome
    elif variant == "bare":
        ctx = client_context(tls.cert, tls.key, tls.ca)
        async with aiohttp.ClientSession() as session:
            with source.open("rb") as handle:
                async with session.post(url + "/peer/v1/messages", data=handle, ssl=ctx) as resp:
                    assert resp.status == 202, resp.status
    elif variant == "drop-folder":
        async with transport:
            dest = Destination(DestinationKind.DROP_FOLDER, "dms")
            outcome = await transport.send(dest, meta, body)
        assert outcome.outcome is Outcome.DELIVERED, outcome
    elif variant == "copy":
        target = folder / f"{message_id}.copy"
        await asyncio.to_thread(shutil.copyfile, source, target)
        fd = os.open(target, os.O_RDONLY)
        os.fsync(fd)
        os.close(fd)
    else:
        raise SystemExit(f"unknown variant {variant}")
    seconds = time.perf_counter() - started
    return {
        "variant": variant,
        "mb_s": body.size / MB / seconds,
        "seconds": seconds,
        "baseline_rss_mb": baseline,
        "peak_rss_mb": peak_rss_mb(),
    }


# --------------------------------------------------------------------------- orchestration


def prepare(work: Path, size_mb: int) -> None:
    from tests.helpers.tls_pki import make_pki

    pki = make_pki(work)
    (work / "node-b.sha256").write_text(pki.node_b.sha256)
    block = os.urandom(MB)
    digest = hashlib.sha256()
    with (work / "body.bin").open("wb") as handle:
        for i in range(size_mb):
            chunk = block[i % 256 :] + block[: i % 256]
            digest.update(chunk)
            handle.write(chunk)
    (work / "body.sha256").write_text(digest.hexdigest())


def run_client(variant: str, work: Path, url: str) -> dict[str, float | str]:
    out = subprocess.run(
        [sys.executable, __file__, "--client", variant, "--work", str(work), "--url", url],
        check=False,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if out.returncode != 0:
        raise SystemExit(f"bench client {variant} failed:\n{out.stderr}")
    result: dict[str, float | str] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


VARIANTS = ("peer", "bare", "drop-folder", "copy")


def orchestrate(size_mb: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory(prefix="lienthong-bench-") as tmp:
        work = Path(tmp)
        prepare(work, size_mb)
        port_file = work / "port"
        server = subprocess.Popen(
            [
                sys.executable,
                __file__,
                "--serve",
                "--work",
                str(work),
                "--port-file",
                str(port_file),
            ]
        )
        try:
            deadline = time.monotonic() + 30
            while not port_file.exists() or not port_file.read_text():
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("bench server did not start")
                time.sleep(0.05)
            url = f"https://127.0.0.1:{port_file.read_text()}"
            runs: dict[str, list[dict[str, float | str]]] = {v: [] for v in VARIANTS}
            for _ in range(rounds):  # interleaved, so load changes hit every variant
                for variant in VARIANTS:
                    runs[variant].append(run_client(variant, work, url))
        finally:
            server.terminate()
            server.wait(timeout=10)
    report(size_mb, rounds, runs)


def report(size_mb: int, rounds: int, runs: dict[str, list[dict[str, float | str]]]) -> None:
    print(f"transport bench: {size_mb} MB body, mutual TLS on 127.0.0.1, {rounds} round(s)")
    print("MB/s: median of rounds; RSS: worst round; growth = peak - client baseline")
    header = (
        f"{'variant':<12} {'MB/s':>8} {'min':>8} {'max':>8} {'peak RSS MB':>12} {'growth MB':>10}"
    )
    print(header)
    medians: dict[str, float] = {}
    for name, results in runs.items():
        rates = sorted(float(r["mb_s"]) for r in results)
        medians[name] = statistics.median(rates)
        peak = max(float(r["peak_rss_mb"]) for r in results)
        growth = max(float(r["peak_rss_mb"]) - float(r["baseline_rss_mb"]) for r in results)
        print(
            f"{name:<12} {medians[name]:>8.1f} {rates[0]:>8.1f} {rates[-1]:>8.1f} "
            f"{peak:>12.1f} {growth:>10.1f}"
        )
    for ours, ref in (("peer", "bare"), ("drop-folder", "copy")):
        print(f"ratio {ours} / {ref} throughput: {medians[ours] / medians[ref]:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="20 MB instead of 200 MB")
    parser.add_argument("--size-mb", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=None, help="default 3 (1 with --quick)")
    parser.add_argument("--serve", action="store_true", help=argparse.SUPPRESS)
    parser.add_argument("--client", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--work", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--port-file", type=Path, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--url", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.serve:
        asyncio.run(serve(args.work, args.port_file))
    elif args.client:
        print(json.dumps(asyncio.run(client(args.client, args.work, args.url))))
    else:
        rounds = args.rounds or (1 if args.quick else 3)
        orchestrate(args.size_mb or (20 if args.quick else 200), rounds)


if __name__ == "__main__":
    main()
