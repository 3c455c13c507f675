"""The demo's steps: each does one thing through a public surface, checks the
outcome, and returns the lines that say what was checked (or raises StepFailed)."""

from __future__ import annotations

import hashlib
import json
import secrets
import ssl
from datetime import UTC, datetime
from typing import Any

from node.app.demo import messages
from node.app.demo.http import Http
from node.app.demo.processes import StepFailed
from node.app.demo.world import G22, H41, DemoNode, World, wait_for
from node.model import StatusCode

SUBJECT = "V/v kết nối liên thông văn bản điện tử (lienthong demo)"
OUTAGE_SUBJECT = "V/v báo cáo sau sự cố kết nối (lienthong demo)"


def _expect(condition: bool, message: str) -> None:
    if not condition:
        raise StepFailed(message)


def _short(when: str | None) -> str:
    """``2026-12-03T14:05:06.123+07:00`` → ``14:05:06``."""
    return when[11:19] if when and len(when) >= 19 else str(when)


# ---------------------------------------------------------------- 1. PKI


def make_pki(world: World) -> list[str]:
    args = ("pki", "init", str(world.pki), "--organ", H41, "--organ", G22, "--key-type", "ec")
    world.run(*args)
    made = [f"{o}.{ext}" for o in (H41, G22) for ext in ("pem", "key", "tls.pem", "sample.pdf")]
    missing = [n for n in ["ca.pem", "ca.crl", *made] if not (world.pki / n).is_file()]
    _expect(not missing, f"missing from {world.pki}: {', '.join(missing)}")
    pdf = (world.pki / f"{H41}.sample.pdf").read_bytes()
    _expect(b"/ByteRange" in pdf, "the sample PDF of 000.00.00.H41 carries no signature")
    return [
        f"$ lienthong pki init pki --organ {H41} --organ {G22} --key-type ec",
        "a TEST ONLY CA, its CRL, signing + TLS certificates for both organs, "
        f"and a PDF signed by {H41} (pyHanko)",
    ]


# ---------------------------------------------------------------- 2. two nodes


def start_nodes(world: World) -> list[str]:
    a, b = world.nodes()
    world.init_node(a, b)
    world.init_node(b, a)
    lines = []
    for node in (a, b):
        assert node.process is not None
        node.process.start()
        lines.append(
            f"node {node.name} ({node.organ}): DMS API {node.url}, peer API "
            f"https://127.0.0.1:{node.peer_port} (mutual TLS), SQLite, pid {node.process.pid}"
        )
    return ["$ lienthong init … && lienthong serve --config node-X/node.toml (x2)", *lines]


# ---------------------------------------------------------------- 3. submit


def _delivery(node: DemoNode, message_id: str) -> dict[str, Any]:
    trace = node.operator().get(f"/messages/{message_id}/trace")
    deliveries: list[dict[str, Any]] = trace["deliveries"]
    _expect(len(deliveries) == 1, f"expected one delivery of {message_id}, got {len(deliveries)}")
    return deliveries[0]


def _submit_from_a(world: World, number: int, subject: str) -> dict[str, Any]:
    """DMS A submits document ``number`` with the signed sample PDF; node A's answer."""
    today = datetime.now(UTC).date()
    pdf = (world.pki / f"{H41}.sample.pdf").read_bytes()
    data = messages.document(H41, G22, number, pdf, subject=subject, today=today)
    reply = world.a.client().submit(data)
    _expect(reply.status == 202, f"node A answered {reply.status}: {reply.detail}")
    answer: dict[str, Any] = reply.json()
    return answer


def submit_document(world: World) -> list[str]:
    a = world.a
    answer = _submit_from_a(world, 101, SUBJECT)
    world.facts.update(document_id=answer["document_id"], message_a=answer["id"])

    def delivered() -> dict[str, Any] | None:
        d = _delivery(a, answer["id"])
        return d if d["state"] == "delivered" else None

    delivery = wait_for("delivery to node B", delivered)
    detail = a.operator().get(f"/messages/{answer['id']}")
    signed_by = detail["verification"].get("signed_by_node")
    _expect(signed_by == H41, f"node A's copy is not signed for {H41}: {detail['verification']}")
    return [
        f"POST /api/v1/documents → 202, message {answer['id']}, {answer['document_id']}",
        f"the attached PDF is signed by {H41}; node A signed the envelope for {signed_by} "
        "with the organisation's key (ký số tổ chức)",
        f"delivered to peer {delivery['destination']['name']} in "
        f"{len(delivery['attempts'])} attempt(s)",
    ]


# ---------------------------------------------------------------- 4. node B stores, DMS B pulls


def _inbox_item(node: DemoNode, kind: str, document_id: str, code: str | None = None) -> Any:
    def probe() -> dict[str, Any] | None:
        for item in node.client().inbox():
            same = item["kind"] == kind and item["document_id"] == document_id
            if same and (code is None or item.get("status_code") == code):
                return item
        return None

    what = f"{kind} {code or ''} for {document_id} in {node.client().name}'s inbox"
    return wait_for(what, probe)


def pull_document(world: World) -> list[str]:
    _, b = world.nodes()
    document_id = world.facts["document_id"]
    item = _inbox_item(b, "document", document_id)
    data = b.client().fetch(item["id"])
    (world.root / "delivered.edxml").write_bytes(data)
    _expect(b"Signature" in data, "the document DMS B fetched carries no XML signature")
    detail = b.operator().get(f"/messages/{item['id']}")
    verification = detail["verification"]
    accepted = verification.get("accepted") if isinstance(verification, dict) else None
    _expect(accepted is True, f"node B's verification report: {json.dumps(verification)[:3000]}")
    full = verification.get("report") or {}
    pdfs = [a for a in full.get("attachments", []) if a.get("signatures")]
    _expect(
        bool(pdfs) and all(a.get("ok") for a in pdfs),
        f"node B did not check the PDF's signature: {json.dumps(verification)[:3000]}",
    )
    signers = ", ".join(verification.get("signer_organs", []))
    status = b.client().ack(item["id"])
    _expect(status == 204, f"ack answered {status}")
    world.facts["message_b"] = item["id"]
    return [
        f"node B verified the envelope signature ({signers}) and the signature inside "
        f"{pdfs[0]['name']} against the CA: accepted",
        f"GET /api/v1/inbox → document from {item['from']}; GET /api/v1/messages/{item['id']} "
        f"→ {len(data)} bytes as signed; ack → 204",
        "saved as delivered.edxml for the auditor (step 10)",
    ]


# ---------------------------------------------------------------- 5. automatic 01


def arrived_status(world: World) -> list[str]:
    a, _ = world.nodes()
    item = _inbox_item(a, "status", world.facts["document_id"], "01")
    _expect(a.client().ack(item["id"]) == 204, "ack of the 01 failed")
    return [f"DMS A's inbox: status 01 (Đã đến) from {item['from']}, sent by node B itself"]


# ---------------------------------------------------------------- 6. 03 and 06


def handling_statuses(world: World) -> list[str]:
    a, b = world.nodes()
    document_id = world.facts["document_id"]
    lines = []
    for code, text in ((StatusCode.ACCEPTED, "Đã tiếp nhận"), (StatusCode.DONE, "Hoàn thành")):
        data = messages.status(G22, document_id, code, datetime.now(UTC), text)
        reply = b.client().submit(data, status=True)
        _expect(
            reply.status == 202, f"status {code}: node B answered {reply.status}: {reply.detail}"
        )
        item = _inbox_item(a, "status", document_id, code.value)
        _expect(a.client().ack(item["id"]) == 204, f"ack of the {code} failed")
        lines.append(f"DMS B → POST /api/v1/statuses {code} ({text}) → 202 → DMS A's inbox")
    trace = a.operator().get(f"/messages/{world.facts['message_a']}/trace")
    codes = [s["code"] for s in trace["statuses"]]
    _expect(codes[-3:] == ["01", "03", "06"], f"node A's status history is {codes}")
    lines.append(f"node A's trace of the document: statuses {' → '.join(codes)}")
    return lines


# ---------------------------------------------------------------- 7./8. outage


def outage(world: World) -> list[str]:
    a, b = world.nodes()
    assert b.process is not None
    code = b.process.stop()
    _expect(code == 0, f"node B exited {code} on SIGTERM")
    answer = _submit_from_a(world, 102, OUTAGE_SUBJECT)
    world.facts.update(outage_document=answer["document_id"], outage_message=answer["id"])

    def retried() -> dict[str, Any] | None:
        d = _delivery(a, answer["id"])
        return d if len(d["attempts"]) >= 2 else None

    delivery = wait_for("two delivery attempts", retried)
    _expect(delivery["state"] != "delivered", "delivered although node B is down")
    _expect(delivery["state"] != "dead", f"dead-lettered: {delivery['last_error']}")
    lines = ["node B stopped (SIGTERM, exit 0); DMS A submits a second document → 202"]
    lines.append(
        f"GET /admin/v1/messages/{answer['id']}/trace on node A: state {delivery['state']}"
    )
    for n, attempt in enumerate(delivery["attempts"], 1):
        lines.append(
            f"  attempt {n} at {_short(attempt['at'])}: {attempt['outcome']}: {attempt['detail']}"[
                :150
            ]
        )
    lines.append(f"  next retry at {_short(delivery['next_attempt_at'])} (exponential back-off)")
    return lines


def recovery(world: World) -> list[str]:
    a, b = world.nodes()
    assert b.process is not None
    b.process.start()
    message_id = world.facts["outage_message"]

    def delivered() -> dict[str, Any] | None:
        d = _delivery(a, message_id)
        return d if d["state"] == "delivered" else None

    delivery = wait_for("delivery after the restart", delivered)
    item = _inbox_item(b, "document", world.facts["outage_document"])
    data = b.client().fetch(item["id"])
    world.facts["outage_bytes"] = data
    _expect(b.client().ack(item["id"]) == 204, "ack failed")
    return [
        f"node B restarted (pid {b.process.pid}); node A's next retry delivered it "
        f"(attempts: {len(delivery['attempts'])}, nothing lost, nothing doubled)",
        f"DMS B pulled {world.facts['outage_document']}",
    ]


# ---------------------------------------------------------------- 9. forgery


def forged_document(world: World) -> list[str]:
    a, b = world.nodes()
    original = world.facts["outage_bytes"]
    old_id = world.facts["outage_document"]
    forged_id = messages.document_id(H41, datetime.now(UTC).date(), 666)
    data = messages.tamper(original, OUTAGE_SUBJECT, "V/v chuyển tiền gấp (giả mạo)")
    data = data.replace(old_id.encode(), forged_id.encode())
    reply = _push_to_peer(world, b, data)
    _expect(400 <= reply.status < 500, f"node B answered {reply.status} to a forged document")
    item = _inbox_item(a, "status", forged_id, "02")
    _expect(a.client().ack(item["id"]) == 204, "ack of the 02 failed")
    return [
        "a forger rewrote number and subject of a document node A had signed and sent it "
        "to node B's peer API (with node A's TLS identity)",
        f"node B refused it: HTTP {reply.status}: {reply.detail}"[:200],
        f"DMS A's inbox: status 02 (Từ chối tiếp nhận) from {item['from']} for {forged_id}",
    ]


def _push_to_peer(world: World, peer: DemoNode, data: bytes) -> Any:
    pki = world.pki
    context = ssl.create_default_context(cafile=str(pki / "ca.pem"))
    context.load_cert_chain(pki / f"{H41}.tls.pem", pki / f"{H41}.tls.key")
    hops = [{"node": H41, "at": datetime.now(UTC).isoformat(), "direction": "out"}]
    headers = {
        "Content-Type": "application/xml",
        "Lienthong-Message-Id": f"forged-{secrets.token_hex(8)}",
        "Lienthong-Kind": "document",
        "Lienthong-Recipients": G22,
        "Lienthong-Hops": json.dumps(hops),
        "Lienthong-Content-SHA256": hashlib.sha256(data).hexdigest(),
    }
    url = f"https://127.0.0.1:{peer.peer_port}/peer/v1/messages"
    return Http(context=context).request("POST", url, body=data, headers=headers)


# ---------------------------------------------------------------- 10. auditor


def audit(world: World) -> list[str]:
    delivered = world.root / "delivered.edxml"
    args = ("verify", str(delivered), "--trust", str(world.pki))
    report = world.run(*args)
    return [
        "$ lienthong verify delivered.edxml --trust pki   (exit 0: every signature valid "
        "and trusted)",
        *(f"  {line}" for line in report.rstrip().splitlines()),
    ]
