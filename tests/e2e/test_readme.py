"""README.md works as written: it starts with the two set-up commands, and its
shell blocks marked ``<!-- runnable -->`` run in order, in one shell, in a
temporary directory, against the installed ``lienthong`` (the tour starts and
stops two real nodes itself)."""

from __future__ import annotations

import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
RUNNABLE = re.compile(r"<!-- runnable -->\s*\n```sh\n(.*?)```", re.S)


def runnable_blocks(text: str) -> list[str]:
    return RUNNABLE.findall(text)


def _free_run(count: int) -> int:
    """A base port such that base..base+count-1 are free on 127.0.0.1 now."""
    for _ in range(200):  # bounded
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base + count > 65535:
            continue
        socks = []
        try:
            for port in range(base, base + count):
                sock = socket.socket()
                socks.append(sock)
                sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
        finally:
            for sock in socks:
                sock.close()
    raise AssertionError("no run of free ports found")


def test_readme_starts_with_the_two_set_up_commands() -> None:
    text = README.read_text(encoding="utf-8")
    first = re.search(r"```sh\n(.*?)```", text, re.S)
    assert first is not None
    commands = [line.split("#")[0].strip() for line in first.group(1).splitlines()]
    assert commands == ["make demo", "make test"]
    assert text.index(first.group(0)) < text.index("## ")  # before any section


def test_runnable_blocks_are_found() -> None:
    blocks = runnable_blocks(README.read_text(encoding="utf-8"))
    joined = "\n".join(blocks)
    for command in ("validate", "sign", "verify", "init", "serve", "send", "admin"):
        assert f"lienthong {command}" in joined
    assert "/api/v1/inbox" in joined
    assert re.search(r"^kill ", blocks[-1], re.M), "the last block must stop the nodes"


def _ours(pid: int, directory: Path) -> bool:
    """Still running, and started by the tour (its working directory is ours):
    a pid from a file may have been reused by an unrelated process."""
    try:
        return Path(os.readlink(f"/proc/{pid}/cwd")) == directory
    except OSError:
        return False


def _stop_leftovers(directory: Path) -> None:
    """The tour's last block sends SIGTERM; wait (bounded) for the nodes to
    exit, SIGKILL what is left (e.g. after a failed block)."""
    pids = [int(p.read_text().strip() or 0) for p in directory.rglob("*.pid")]
    for pid in pids:
        for _ in range(100):
            if not _ours(pid, directory):
                break
            time.sleep(0.1)
        if _ours(pid, directory):
            os.kill(pid, signal.SIGKILL)


@pytest.mark.skipif(
    not (shutil.which("curl") and shutil.which("jq")), reason="the tour uses curl and jq"
)
def test_readme_tour_runs_as_written(tmp_path: Path) -> None:
    blocks = runnable_blocks(README.read_text(encoding="utf-8"))
    shutil.copytree(ROOT / "schemas" / "samples", tmp_path / "schemas" / "samples")
    script = ["set -euo pipefail"]
    for n, block in enumerate(blocks, 1):
        script += [f"echo '### README block {n}'", block]
    bin_dir = Path(sys.executable).parent
    env = {
        **os.environ,
        "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
        "TOUR_PORTS": str(_free_run(4)),
        "PYTHONIOENCODING": "utf-8",
    }
    assert shutil.which("lienthong", path=env["PATH"]), "lienthong is not installed next to python"
    try:
        result = subprocess.run(
            ["bash", "-c", "\n".join(script)],
            cwd=tmp_path.resolve(),
            env=env,
            capture_output=True,
            text=True,
            timeout=240,
        )
    finally:
        _stop_leftovers(tmp_path.resolve())
    out = result.stdout
    where = re.findall(r"### README block \d+", out)
    assert result.returncode == 0, (
        f"failed in {where[-1:]}:\n{out[-3000:]}\n{result.stderr[-3000:]}"
    )
    assert len(where) == len(blocks)
    assert "schemas/samples/document.edxml: valid document" in out
    assert "tour/signed.edxml: VALID" in out
    assert "tour/received.edxml: VALID" in out
    assert "ack: 204" in out
    assert re.search(r"status\t000\.00\.00\.G22\t01", out)
    assert re.search(r"status\t000\.00\.12\.H41\t03", out)
    assert "delivered" in out
