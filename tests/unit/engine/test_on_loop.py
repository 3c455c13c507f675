"""Where a message's CPU work runs (node.engine.context): a small message is
validated, signed and verified on the event loop, with no hop to a worker
thread; a bigger one (more than SMALL_BYTES) in the executor as before; a
signature that waits on a device always in a thread. Seen with a spy on the
loop's executor, never with timings."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from node import edxml
from node.engine import SigningMode, intake
from node.engine.context import SMALL_BYTES
from node.engine.intake import Files, spilled
from node.errors import Forbidden, SignatureRejected, StoreUnavailable, ValidationFailed
from node.ports.api import IncomingBody
from node.validation import parse
from tests.support.engine_fakes import FakeSigner
from tests.support.messages import document, status_code
from tests.unit.engine.conftest import DMS_STTTT, STTTT, UBND, VPCP, Node
from tests.unit.engine.test_receive import meta, receive

ENGINE_WORK = {
    intake._check_submission_now,
    intake._check_transfer_now,
    intake._seal_now,
    intake._sealed_by,
    intake._validated_now,
    intake._verify_now,
}


class Executor:
    """What the running loop hands to its executor (the functions, unwrapped
    from asyncio.to_thread's partials)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.calls: list[Callable[..., Any]] = []
        self._real = loop.run_in_executor

    def run_in_executor(self, executor: Any, fn: Callable[..., Any], *args: Any) -> Any:
        self.calls.append(_unwrapped(fn, args))
        return self._real(executor, fn, *args)

    def engine_work(self) -> list[str]:
        return [f.__name__ for f in self.calls if f in ENGINE_WORK]

    def signatures(self) -> list[object]:
        return [f for f in self.calls if getattr(f, "__name__", "") == "sign"]


def _unwrapped(fn: Callable[..., Any], args: tuple[Any, ...]) -> Callable[..., Any]:
    while isinstance(fn, functools.partial):
        fn, args = fn.func, fn.args
    if getattr(fn, "__name__", "") == "run" and args:  # contextvars.Context.run
        return _unwrapped(args[0], args[1:])
    return fn


@pytest.fixture
async def executor(monkeypatch: pytest.MonkeyPatch) -> Executor:
    loop = asyncio.get_running_loop()
    spy = Executor(loop)
    monkeypatch.setattr(loop, "run_in_executor", spy.run_in_executor)
    return spy


def big(data: bytes, size: int = SMALL_BYTES + 64 * 1024) -> bytes:
    """``data`` with its attachment grown so that the message passes ``size`` bytes."""
    env = parse(data)
    attachment = dataclasses.replace(
        env.attachments[0], content=b"%PDF-1.4 " * (size // 6), size=None, sha256=None
    )
    grown = edxml.build(dataclasses.replace(env, attachments=(attachment,)))
    assert len(grown) > SMALL_BYTES
    return grown


class TokenSigner(FakeSigner):
    """A signer that does not say its key is in memory (a PKCS#11 token)."""

    in_process = False


class TokenKeys:
    def __init__(self, organs: set[str]) -> None:
        self.organs = organs

    def signer_for(self, organ_id: str) -> TokenSigner | None:
        return TokenSigner(organ_id) if organ_id in self.organs else None


# --------------------------------------------------------------------------- small: on the loop


async def test_a_small_document_is_validated_and_signed_on_the_loop(
    make_node: Callable[..., Any], executor: Executor
) -> None:
    node: Node = await make_node(signing={STTTT: SigningMode.NODE})
    data, _ = document(STTTT, (UBND,))
    assert len(data) <= SMALL_BYTES

    result = await node.submit(data, principal=DMS_STTTT)

    assert not result.duplicate
    assert executor.engine_work() == []
    assert executor.signatures() == []  # neither the document's nor the automatic 01's
    detail = await node.admin.detail(result.id)
    assert detail.verification == {"signed_by_node": STTTT}


async def test_a_small_dms_signed_document_is_verified_on_the_loop(
    node: Node, executor: Executor
) -> None:
    data, _ = document(UBND, (STTTT,))

    await node.submit(data)

    assert node.verifier.calls, "the DMS's signature is verified"
    assert executor.engine_work() == []


async def test_a_small_peer_document_is_verified_and_answered_on_the_loop(
    node: Node, executor: Executor
) -> None:
    data, _ = document(VPCP, (STTTT,))

    await receive(node, data, meta())

    assert node.verifier.calls
    assert executor.engine_work() == []
    assert executor.signatures() == []  # the automatic 01 (a status of ~2 KB)
    await node.deliver()
    (sent,) = node.transport.to("vpcp")
    assert status_code(sent.body) == "01"


async def test_a_small_message_refused_by_validation_on_the_loop_is_refused_first(
    node: Node, executor: Executor
) -> None:
    node.verifier.accepted = False
    data, _ = document(UBND, (STTTT,))
    broken = data.replace(b"edXML:CodeNumber>", b"edXML:CodeNumbr>")  # well-formed, invalid

    with pytest.raises(ValidationFailed):
        await node.submit(broken, principal=DMS_STTTT)  # also the wrong DMS, also a bad signature
    with pytest.raises(Forbidden):
        await node.submit(data, principal=DMS_STTTT)  # the check before the signature

    assert executor.engine_work() == []
    assert list(node.spool.iterdir()) == []


@pytest.mark.parametrize("size", ["small", "big"])
async def test_a_verifier_that_breaks_is_a_refusal_on_either_path(
    node: Node, monkeypatch: pytest.MonkeyPatch, executor: Executor, size: str
) -> None:
    def explode(path: Path, *, at: object = None) -> None:
        raise ValueError("unexpected element in KeyInfo")

    async def explode_async(path: Path, *, at: object = None) -> None:
        explode(path)

    monkeypatch.setattr(node.verifier, "verify", explode)
    monkeypatch.setattr(node.verifier, "averify", explode_async)
    data, _ = document(VPCP, (STTTT,))
    if size == "big":
        data = big(data)

    with pytest.raises(SignatureRejected, match="could not be verified") as refused:
        await receive(node, data, meta("m-x"))

    assert refused.value.http_status == 400
    assert ("_check_transfer_now" in executor.engine_work()) is (size == "big")
    await node.deliver()
    (sent,) = node.transport.to("vpcp")
    assert status_code(sent.body) == "02"
    assert b"unexpected element in KeyInfo" in sent.body


async def test_a_small_dms_document_whose_verifier_breaks_is_refused(
    node: Node, monkeypatch: pytest.MonkeyPatch, executor: Executor
) -> None:
    async def explode(path: Path, *, at: object = None) -> None:
        raise RuntimeError("pyHanko fell over")

    monkeypatch.setattr(node.verifier, "averify", explode)
    data, _ = document(UBND, (STTTT,))

    with pytest.raises(SignatureRejected, match=r"could not be verified \(RuntimeError"):
        await node.submit(data)

    assert executor.engine_work() == []
    assert list(node.spool.iterdir()) == []


# --------------------------------------------------------------------------- big: in the executor


async def test_a_big_document_is_still_checked_in_the_executor(
    make_node: Callable[..., Any], executor: Executor
) -> None:
    node: Node = await make_node(signing={STTTT: SigningMode.NODE})
    data, _ = document(STTTT, (UBND,))

    result = await node.submit(big(data), principal=DMS_STTTT)

    assert not result.duplicate
    assert executor.engine_work() == ["_check_submission_now"]


async def test_a_big_peer_document_is_still_verified_in_the_executor(
    node: Node, executor: Executor
) -> None:
    data, _ = document(VPCP, (STTTT,))

    await receive(node, big(data), meta())

    assert executor.engine_work() == ["_check_transfer_now"]
    assert executor.signatures() == []  # its automatic 01 is small


class EagerOffload:
    """An offload process that wants every message (``limits.offload_bytes = 1``)
    but is busy (its submit answers None: the node does the pass itself)."""

    def wants(self, size: int) -> bool:
        return True

    def submit(self, size: int, fn: Callable[..., Any], *args: Any) -> None:
        return None


async def test_a_small_message_the_offload_process_wants_is_checked_in_the_executor(
    node: Node, executor: Executor
) -> None:
    exchange = node.engine.exchange
    exchange.sealing = dataclasses.replace(exchange.sealing, offload=EagerOffload())
    data, _ = document(VPCP, (STTTT,))

    await receive(node, data, meta())

    assert executor.engine_work() == ["_check_transfer_now"]  # never waiting on it on the loop


# --------------------------------------------------------------------------- a key on a device


async def test_a_signer_on_a_device_signs_in_a_thread_even_a_small_message(
    make_node: Callable[..., Any], monkeypatch: pytest.MonkeyPatch, executor: Executor
) -> None:
    node: Node = await make_node(signing={STTTT: SigningMode.NODE})
    monkeypatch.setattr(node.keys, "signer_for", TokenKeys({STTTT}).signer_for)
    data, _ = document(STTTT, (UBND,))

    result = await node.submit(data, principal=DMS_STTTT)

    assert executor.engine_work() == ["_sealed_by"]  # validated on the loop, signed in a thread
    stored = await node.store.body(result.id)
    raw = b"".join([c async for c in stored.chunks()])
    assert raw.endswith(b"<!-- signed by " + STTTT.encode() + b" -->")


async def test_the_automatic_01_with_a_key_on_a_device_is_signed_in_a_thread(
    node: Node, monkeypatch: pytest.MonkeyPatch, executor: Executor
) -> None:
    monkeypatch.setattr(node.keys, "signer_for", TokenKeys({STTTT}).signer_for)
    data, _ = document(VPCP, (STTTT,))

    await receive(node, data, meta())

    (signature,) = executor.signatures()
    assert isinstance(getattr(signature, "__self__", None), TokenSigner)
    assert executor.engine_work() == []  # the document itself: verified on the loop


class _Wants:
    def __init__(self, threshold: int) -> None:
        self.threshold = threshold

    def wants(self, size: int) -> bool:
        return size >= self.threshold


async def test_a_body_in_memory_goes_to_disk_only_for_the_offload_process(tmp_path: Path) -> None:
    data = b"<edXML/>" * 10
    body = IncomingBody(tmp_path / "b.body", len(data), hashlib.sha256(data).hexdigest(), data)
    files = Files()

    kept = await spilled(SimpleNamespace(offload=_Wants(10**6)), body, files)  # type: ignore[arg-type]
    assert kept is body
    assert files.paths == []
    assert not body.path.exists()

    on_disk = await spilled(SimpleNamespace(offload=_Wants(1)), body, files)  # type: ignore[arg-type]
    assert on_disk.data is None
    assert on_disk.path.read_bytes() == data
    assert (on_disk.size, on_disk.sha256) == (body.size, body.sha256)
    assert files.paths == [body.path]  # deleted with the call's other files


async def test_a_spill_that_cannot_be_written_is_a_503_and_leaves_no_file(tmp_path: Path) -> None:
    data = b"<edXML/>"
    missing = tmp_path / "gone" / "b.body"  # its directory is not there
    body = IncomingBody(missing, len(data), hashlib.sha256(data).hexdigest(), data)
    with pytest.raises(StoreUnavailable, match="spool file") as refused:
        await spilled(SimpleNamespace(offload=_Wants(1)), body, Files())  # type: ignore[arg-type]
    assert refused.value.http_status == 503
    assert not missing.exists()
