"""The README's shell recipe for checking a webhook signature computes exactly
the ``v1`` the node sends (adapters/transport/webhook.py)."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest

from adapters.transport.headers import CONTENT_SHA256, KIND, MESSAGE_ID, RECIPIENTS
from adapters.transport.webhook import sign_headers

README = Path(__file__).resolve().parents[3] / "README.md"


def _recipe() -> str:
    blocks = re.findall(r"```sh\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    (block,) = [b for b in blocks if "openssl dgst" in b]
    return block


@pytest.mark.skipif(
    not (shutil.which("openssl") and shutil.which("sha256sum")),
    reason="the recipe uses openssl and sha256sum",
)
def test_readme_recipe_matches_the_node(tmp_path: Path) -> None:
    body = "<edXML>văn bản</edXML>".encode()
    (tmp_path / "body.edxml").write_bytes(body)
    sha = hashlib.sha256(body).hexdigest()
    headers = {
        MESSAGE_ID: "01a23ab4885723c1ba96633ae269780d",
        KIND: "document",
        RECIPIENTS: "000.00.00.G22,000.00.12.G22",
        CONTENT_SHA256: sha,
    }
    now = datetime(2026, 12, 3, 7, 0, tzinfo=UTC)
    secret = "s3cret-for-the-dms"
    signature = sign_headers(secret, headers, now)
    t, v1 = re.fullmatch(r"t=(\d+),v1=([0-9a-f]+)", signature).groups()  # type: ignore[union-attr]
    env = {
        **os.environ,
        "t": t,
        "message_id": headers[MESSAGE_ID],
        "kind": headers[KIND],
        "recipients": headers[RECIPIENTS],
        "WEBHOOK_SECRET": secret,
    }
    result = subprocess.run(
        ["bash", "-euo", "pipefail", "-c", _recipe()],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [v1]
