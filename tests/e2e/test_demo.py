"""`lienthong demo` end to end: every step checks out and says what it checked,
Ctrl-C stops the demo's nodes and exits 130 (SIGTERM: tests/unit/demo), and
--keep refuses a used directory."""

from __future__ import annotations

import os
import re
import selectors
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

DEMO = [sys.executable, "-m", "node.app.cli.main", "demo"]
ENV = {**os.environ, "PYTHONIOENCODING": "utf-8", "PYTHONUNBUFFERED": "1"}


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _pids(text: str) -> list[int]:
    return [int(p) for p in re.findall(r"\bpid (\d+)", text)]


def test_demo_checks_out_every_step(tmp_path: Path) -> None:
    kept = tmp_path / "demo"
    result = subprocess.run(
        [*DEMO, "--keep", str(kept)], capture_output=True, text=True, timeout=180, env=ENV
    )
    out = result.stdout
    assert result.returncode == 0, out + result.stderr
    for n in range(1, 11):
        assert re.search(rf"^ ?{n}/10 ✓ ", out, re.M), f"step {n} did not check out:\n{out}"
    assert "✗" not in out
    assert re.search(
        r"node B verified the envelope signature \(000.00.00.H41\) "
        r"and the signature inside \S+\.pdf",
        out,
    )
    assert "status 01 (Đã đến) from 000.00.00.G22" in out
    assert "statuses 01 → 03 → 06" in out
    assert re.search(r"attempt 2 at .*: transient: cannot connect to peer node-b", out)
    assert "next retry at" in out
    assert re.search(r"node B refused it: HTTP 4\d\d: .*altered after signing", out)
    assert "status 02 (Từ chối tiếp nhận)" in out
    assert "envelope signature 1: VALID" in out
    assert "PDF signature 1: VALID" in out
    assert "all 10 steps checked out" in out
    assert (kept / "delivered.edxml").is_file()
    assert (kept / "node-a" / "node.toml").is_file()
    pids = _pids(out)
    assert len(pids) == 3  # A, B, and B again after the outage
    assert not [pid for pid in pids if _alive(pid)]


def test_ctrl_c_stops_the_nodes_and_exits_130(tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [*DEMO, "--keep", str(tmp_path / "demo")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=ENV,
    )
    assert proc.stdout is not None
    seen = b""
    try:
        with selectors.DefaultSelector() as sel:
            sel.register(proc.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + 120
            while len(_pids(seen.decode())) < 2 and time.monotonic() < deadline:
                if sel.select(timeout=1):
                    chunk = os.read(proc.stdout.fileno(), 4096)
                    if not chunk:
                        break
                    seen += chunk
        pids = _pids(seen.decode())
        assert len(pids) == 2, seen.decode()
        proc.send_signal(signal.SIGINT)
        rest, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 130, (seen + rest).decode() + err.decode()
    assert b"interrupted" in err
    assert not [pid for pid in pids if _alive(pid)]


def test_keep_refuses_a_directory_in_use(tmp_path: Path) -> None:
    (tmp_path / "something").write_text("mine")
    result = subprocess.run(
        [*DEMO, "--keep", str(tmp_path)], capture_output=True, text=True, timeout=60, env=ENV
    )
    assert result.returncode == 2
    assert "choose a new or empty directory" in result.stderr
    assert (tmp_path / "something").read_text() == "mine"
