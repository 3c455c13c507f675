"""The checks a message passes before it is stored: validation, signatures
(sign for the organ, or verify), and the status rules against stored history;
an :class:`Intake` is a message that passed them."""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Callable, Iterable, Mapping
from concurrent.futures import Future
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from node.engine.budget import MemoryBudget, weight
from node.engine.context import in_process, off_loop, small
from node.engine.settings import EngineSettings
from node.errors import (
    BadRequest,
    IllegalTransition,
    Issue,
    LienthongError,
    NotAParty,
    SignatureRejected,
    SigningFailed,
    StoreUnavailable,
    UnknownDestination,
    ValidationFailed,
)
from node.model import Envelope, MessageKind, Status, StatusCode
from node.modes import SigningMode
from node.offload import Offload, result_or_none
from node.ports.api import IncomingBody
from node.ports.driven import Hop, KeyRing, Signer, VerificationOutcome, Verifier
from node.status_rules import fold, sent_by_sender
from node.store.port import Store
from node.store.records import NewStatusEntry, Source
from node.validation import valid_envelope_of_file, validate_bytes, validate_file

log = logging.getLogger(__name__)

HEADER_PATH = "/edXML/edXMLEnvelope/edXMLHeader"


def _validated_now(source: Path | bytes, expected: MessageKind) -> Envelope:
    """Validate the message (a file, or small bytes in memory) and read its
    envelope (blocking: off the event loop, unless small)."""
    report = validate_bytes(source) if isinstance(source, bytes) else validate_file(source)
    report.raise_for_issues()
    envelope = report.envelope  # built on first read: here, off the event loop
    if envelope is None:  # pragma: no cover - a valid report always carries one
        raise ValidationFailed([Issue(None, HEADER_PATH, "no envelope could be read")])
    return _expected(envelope, expected)


def _expected(envelope: Envelope, expected: MessageKind) -> Envelope:
    if envelope.kind is not expected:
        what = (
            "a status message (Status)"
            if envelope.kind is MessageKind.STATUS
            else "a document (MessageHeader)"
        )
        raise ValidationFailed(
            [Issue(None, HEADER_PATH, f"expected a {expected.value}, got {what}")],
            f"expected a {expected.value}, got {what}",
        )
    return envelope


def _validated_by(
    ahead: Future[Envelope] | None, path: Path | bytes, expected: MessageKind
) -> Envelope:
    """The envelope the offload process validated (its refusal is the
    message's: raised as is), or, when the process failed, validated here."""
    if ahead is not None:
        try:
            return _expected(ahead.result(), expected)
        except LienthongError:
            raise
        except Exception as exc:  # noqa: BLE001 - the process, not the message: do it here
            log.warning("offloaded validation failed, validating here: %s", exc)
    return _validated_now(path, expected)


async def validated(path: Path | bytes, expected: MessageKind, size: int) -> Envelope:
    return await off_loop(_validated_now, path, expected, size=size)


# --------------------------------------------------------------------------- signatures


@dataclass(frozen=True)
class Sealing:
    """What sealing a message takes: whose DMS signs (settings), the organs'
    keys, the verifier, and the memory budget of concurrent signatures."""

    settings: EngineSettings
    keys: KeyRing
    verifier: Verifier
    budget: MemoryBudget
    offload: Offload | None = None
    """Where the key-free pass over a big message runs beside this one."""
    prepare: Callable[[str], object] | None = None
    """The key-free half of a signature by file name, for :attr:`offload`
    (signing.streamc14n.prepare_file); the signer's ``sign_file`` takes it."""


@dataclass(frozen=True)
class Sealed:
    """The bytes to store (a spooled file, or small ones in memory) and what
    the node knows about their signatures."""

    body: Path | bytes
    size: int
    sha256: str
    verification: Mapping[str, Any]


def outcome_report(outcome: VerificationOutcome) -> dict[str, Any]:
    return {
        "accepted": outcome.accepted,
        "reasons": list(outcome.reasons),
        "signer_organs": list(outcome.signer_organs),
        "weak_algorithm": outcome.weak_algorithm,
        "report": dict(outcome.report),
    }


def _verify_now(verifier: Verifier, path: Path | bytes) -> VerificationOutcome:
    """The verifier's verdict (blocking: in a worker thread); a verifier that
    breaks on the input is a refusal, see :func:`_not_verified`."""
    try:
        return verifier.verify(path)
    except LienthongError:
        raise
    except Exception as exc:  # noqa: BLE001 - any verifier failure means "not verified"
        return _not_verified(path, exc)


async def _verify_on_loop(verifier: Verifier, path: Path | bytes) -> VerificationOutcome:
    """:func:`_verify_now` on the event loop (a small message), same answers."""
    try:
        return await verifier.averify(path)
    except LienthongError:
        raise
    except Exception as exc:  # noqa: BLE001 - any verifier failure means "not verified"
        return _not_verified(path, exc)


def _not_verified(path: Path | bytes, exc: Exception) -> VerificationOutcome:
    """A verifier that broke on the input: a refusal (400, and a 02 for a peer's
    document), never an acceptance and never a 500."""
    name = path.name if isinstance(path, Path) else f"a message of {len(path)} bytes"
    log.warning("verifier failed on %s: %s: %s", name, type(exc).__name__, exc)
    return VerificationOutcome(
        accepted=False,
        reasons=(f"the signature could not be verified ({type(exc).__name__}: {exc})",),
    )


def _on_loop(sealing: Sealing, size: int) -> bool:
    """A message checked on the event loop (:func:`node.engine.context.small`);
    never one the offload process takes a pass of (waiting for its answer would
    hold the loop), whatever ``limits.offload_bytes`` says."""
    offload = sealing.offload
    return small(size) and (offload is None or not offload.wants(size))


async def verify(
    sealing: Sealing, path: Path | bytes, size: int
) -> tuple[VerificationOutcome, dict[str, Any]]:
    async with sealing.budget.hold(size, "the message"):
        if _on_loop(sealing, size):
            outcome = await _verify_on_loop(sealing.verifier, path)
        else:
            outcome = await off_loop(_verify_now, sealing.verifier, path)
    return outcome, outcome_report(outcome)


def rejected(outcome: VerificationOutcome, what: str) -> SignatureRejected:
    reasons = outcome.reasons or ("the signature was not accepted",)
    return SignatureRejected(
        f"signature of {what} not accepted: {'; '.join(reasons)}", tuple(reasons)
    )


async def seal_submission(
    sealing: Sealing, body: IncomingBody, organ: str, *, signed: bool = False
) -> Sealed:
    """Per organ: the node signs (the signed bytes go to a new spool file beside
    the original) or verifies the DMS's signature; see :func:`_seal_now`."""
    async with sealing.budget.hold(body.size, "the message"):
        if _on_loop(sealing, body.size):
            return await _seal_on_loop(sealing, body, organ, signed)
        return await off_loop(_seal_now, sealing, body, organ, signed)


def _seal_now(
    sealing: Sealing,
    body: IncomingBody,
    organ: str,
    signed: bool,
    prepared: Future[object] | None = None,
) -> Sealed:
    """Sign or verify, blocking (one trip off the loop for the whole stage).

    ``signed``: the envelope already carries a signature (the DMS's, or one it
    passed on; legacy ones in the edXML namespace count). Where the node signs,
    those are verified first, and a document whose own signature fails is
    refused with the failing signature's reasons (docs/signing.md, "A foreign
    signature where the node signs"): sealing it would deliver a document that
    every recipient, and ``lienthong verify``, finds broken.

    ``prepared``: the signature's key-free half, under way in the offload
    process (used if it came out; else it is done here).

    Once signed, the original is deleted (in the same trip): only the signed
    copy is stored."""
    signer, verify_first = _sealer(sealing, organ, signed)
    outcome = _verify_now(sealing.verifier, body.source) if verify_first else None
    return _sealed_by(body, organ, signer, outcome, prepared)


async def _seal_on_loop(sealing: Sealing, body: IncomingBody, organ: str, signed: bool) -> Sealed:
    """:func:`_seal_now` for a small message, on the event loop: the same steps
    and answers, the verification awaited here; a signer whose signature waits
    on a device (:func:`node.engine.context.in_process`) signs in a thread."""
    signer, verify_first = _sealer(sealing, organ, signed)
    outcome = await _verify_on_loop(sealing.verifier, body.source) if verify_first else None
    if signer is not None and not in_process(signer):
        return await off_loop(_sealed_by, body, organ, signer, outcome)
    return _sealed_by(body, organ, signer, outcome)


def _sealer(sealing: Sealing, organ: str, signed: bool) -> tuple[Signer | None, bool]:
    """Who seals for ``organ``: None where its DMS signs (the node verifies),
    else the node's signer for it (none: SigningFailed, before anything is
    verified); and whether the message's signatures are verified first."""
    if sealing.settings.signing_mode(organ) is SigningMode.DMS:
        return None, True
    signer = sealing.keys.signer_for(organ)
    if signer is None:
        raise SigningFailed(f"the node signs for {organ} but holds no key for it")
    return signer, signed


def _sealed_by(
    body: IncomingBody,
    organ: str,
    signer: Signer | None,
    outcome: VerificationOutcome | None,
    prepared: Future[object] | None = None,
) -> Sealed:
    """The seal once the verdict on the message's own signatures is in
    (``outcome``; None: not verified, the node signs an unsigned message)."""
    if signer is None:
        assert outcome is not None  # where the DMS signs, the node verifies
        if not outcome.accepted:
            raise rejected(outcome, f"the message from {organ}")
        return Sealed(body.source, body.size, body.sha256, outcome_report(outcome))
    verification: dict[str, Any] = {"signed_by_node": organ}
    if outcome is not None:
        failing = failing_signatures(outcome)
        if failing:
            raise SignatureRejected(
                f"the document from {organ} carries a signature that fails, and the node "
                f"will not sign over it for {organ}: {'; '.join(failing)}",
                failing,
            )
        verification["earlier_signatures"] = outcome_report(outcome)
    if body.data is not None:  # small, in memory: signed there too
        signed = signer.sign(body.data)
        return Sealed(signed, len(signed), hashlib.sha256(signed).hexdigest(), verification)
    path = body.path
    target = signed_copy(path)
    size, digest = sign_file(signer, path, target, result_or_none(prepared))
    path.unlink(missing_ok=True)
    return Sealed(target, size, digest, verification)


def signed_copy(path: Path) -> Path:
    """Where the node-signed copy of the spooled ``path`` is written."""
    return path.with_name(path.name + ".signed")


# --------------------------------------------------------------------------- one trip per stage


class Files:
    """The spooled files a call still owns: deleted when it ends (one trip off
    the loop for all of them, none when the store took them)."""

    def __init__(self, *paths: Path) -> None:
        self.paths = list(paths)

    def now(self, *bodies: Path | bytes) -> None:
        """The files owned from here on (a seal replaced the original; bytes in
        memory are no file to delete)."""
        self.paths = [body for body in bodies if isinstance(body, Path)]

    def handed_over(self) -> None:
        """The store owns them now (``Store.accept`` moves or deletes them)."""
        self.paths = []

    async def discard(self) -> None:
        paths, self.paths = tuple(self.paths), []
        if paths:
            await asyncio.to_thread(_unlink_all, paths)


async def spilled(sealing: Sealing, body: IncomingBody, files: Files) -> IncomingBody:
    """``body``, on disk where the offload process is to take a pass of it (it
    reads files, and ``limits.offload_bytes`` may be set below the bound of
    bodies the spool keeps in memory); any other body as it is."""
    offload = sealing.offload
    if body.data is None or offload is None or not offload.wants(body.size):
        return body
    files.now(body.path)  # from before the write: a cancelled one leaves no file
    await asyncio.to_thread(_write_new, body.path, body.data)
    return IncomingBody(body.path, body.size, body.sha256)


def _write_new(path: Path, data: bytes) -> None:
    try:
        with path.open("xb") as out:
            out.write(data)
    except OSError as exc:
        path.unlink(missing_ok=True)
        raise StoreUnavailable(f"cannot write the spool file: {exc.strerror or exc}") from exc


def _unlink_all(paths: Iterable[Path]) -> None:
    for path in paths:
        path.unlink(missing_ok=True)


def _fits_budget(sealing: Sealing, size: int) -> bool:
    return weight(size) <= sealing.budget.total


@dataclass(frozen=True)
class Checked:
    """A submission validated and sealed in one trip off the loop. The seal ran
    ahead of the store checks (duplicates, status rules, routing); its refusal
    is kept and raised by :meth:`sealed`, where the seal used to run, so the
    answer is the same as when the steps ran one by one."""

    envelope: Envelope
    seal: Sealed | None = None
    failure: Exception | None = None

    async def sealed(self, sealing: Sealing, body: IncomingBody, files: Files) -> Sealed:
        if self.failure is not None:
            raise self.failure
        if self.seal is not None:
            return self.seal
        seal = await seal_submission(  # too big for the signature budget: it refuses
            sealing, body, self.envelope.sender, signed=self.envelope.signature_count > 0
        )
        files.now(seal.body)
        return seal


async def check_submission(
    sealing: Sealing,
    body: IncomingBody,
    expected: MessageKind,
    check: Callable[[Envelope], None],
    files: Files,
) -> Checked:
    """Validate, ``check`` the envelope (who may send it), and sign or verify it
    for its sender, in one trip off the loop under the signature budget."""
    if not _fits_budget(sealing, body.size):
        envelope = await validated(body.source, expected, body.size)
        check(envelope)
        return Checked(envelope)
    if body.data is None:
        files.now(body.path, signed_copy(body.path))  # either may exist if we are cancelled
    async with sealing.budget.hold(body.size, "the message"):
        if _on_loop(sealing, body.size):
            checked = await _check_submission_on_loop(sealing, body, expected, check)
        else:
            checked = await off_loop(_check_submission_now, sealing, body, expected, check)
    if checked.seal is not None:
        files.now(checked.seal.body)
    return checked


def _check_submission_now(
    sealing: Sealing,
    body: IncomingBody,
    expected: MessageKind,
    check: Callable[[Envelope], None],
) -> Checked:
    prepared = _prepare_ahead(sealing, body)
    try:
        envelope = _validated_now(body.source, expected)
        check(envelope)
        try:
            seal = _seal_now(sealing, body, envelope.sender, envelope.signature_count > 0, prepared)
        except Exception as exc:  # noqa: BLE001 - raised by Checked.sealed, in the old order
            return Checked(envelope, failure=exc)
        return Checked(envelope, seal)
    finally:
        if prepared is not None:
            prepared.cancel()  # refused before the seal: not needed (a no-op once it ran)


async def _check_submission_on_loop(
    sealing: Sealing,
    body: IncomingBody,
    expected: MessageKind,
    check: Callable[[Envelope], None],
) -> Checked:
    """:func:`_check_submission_now` for a small message, on the event loop
    (nothing to prepare ahead: the offload process takes no small message)."""
    envelope = _validated_now(body.source, expected)
    check(envelope)
    try:
        seal = await _seal_on_loop(sealing, body, envelope.sender, envelope.signature_count > 0)
    except Exception as exc:  # noqa: BLE001 - raised by Checked.sealed, in the old order
        return Checked(envelope, failure=exc)
    return Checked(envelope, seal)


def _prepare_ahead(sealing: Sealing, body: IncomingBody) -> Future[object] | None:
    """A big document's signature digest, started in the offload process while
    this thread validates it, where the node signs for some organ."""
    offload, prepare = sealing.offload, sealing.prepare
    if offload is None or prepare is None or not sealing.settings.node_signs_any:
        return None
    if body.data is not None:  # in memory: not another process's to read
        return None
    return offload.submit(body.size, prepare, str(body.path))


async def check_transfer(
    sealing: Sealing,
    body: IncomingBody,
    expected: MessageKind,
    check: Callable[[Envelope], None],
) -> tuple[Envelope, VerificationOutcome, dict[str, Any]]:
    """Validate, ``check`` the envelope (recipients, the peer), and verify it,
    in one trip off the loop under the signature budget."""
    if not _fits_budget(sealing, body.size):
        envelope = await validated(body.source, expected, body.size)
        check(envelope)
        return (envelope, *await verify(sealing, body.source, body.size))
    async with sealing.budget.hold(body.size, "the message"):
        if _on_loop(sealing, body.size):  # as _check_transfer_now without the offload
            envelope = _validated_now(body.source, expected)
            check(envelope)
            outcome = await _verify_on_loop(sealing.verifier, body.source)
        else:
            envelope, outcome = await off_loop(_check_transfer_now, sealing, body, expected, check)
    return envelope, outcome, outcome_report(outcome)


def _check_transfer_now(
    sealing: Sealing,
    body: IncomingBody,
    expected: MessageKind,
    check: Callable[[Envelope], None],
) -> tuple[Envelope, VerificationOutcome]:
    """A big message is validated in the offload process while this thread
    verifies it; the answer is the one of validating first (its refusal, then
    ``check``'s, then the verdict)."""
    ahead = None
    if sealing.offload is not None and body.data is None:
        ahead = sealing.offload.submit(body.size, valid_envelope_of_file, str(body.path))
    if ahead is None:
        envelope = _validated_now(body.source, expected)
        check(envelope)
        return envelope, _verify_now(sealing.verifier, body.source)
    failure: LienthongError | None = None
    try:
        outcome = _verify_now(sealing.verifier, body.path)
    except LienthongError as exc:
        failure = exc
    envelope = _validated_by(ahead, body.path, expected)
    check(envelope)
    if failure is not None:
        raise failure
    return envelope, outcome


def failing_signatures(outcome: VerificationOutcome) -> tuple[str, ...]:
    """The reasons of the envelope signatures that fail on their own (broken,
    untrusted, revoked, too weak): what the node's own signature cannot mend.
    Whether a signature binds the sender is left out (the node's signature will),
    and so are the attachments (checked where the document is verified)."""
    signatures = outcome.report.get("signatures")
    if not isinstance(signatures, list):  # no report: the verifier could not read it
        return outcome.reasons if not outcome.accepted else ()
    return tuple(
        f"signature {sig.get('index')}: {problem}"
        for sig in signatures
        if isinstance(sig, dict)
        for problem in sig.get("problems") or ()
    )


def sign_file(
    signer: Signer, source: Path, target: Path, prepared: object | None = None
) -> tuple[int, str]:
    """Read, sign, hash and write in one trip off the event loop (each trip costs
    a thread hand-off per document). A signer that signs files (streaming:
    :class:`signing.xmlsign.XmlSigner`) never holds the document whole;
    ``prepared`` is the key-free half it may take (:attr:`Sealing.prepare`)."""
    by_file = getattr(signer, "sign_file", None)
    if by_file is not None:
        try:
            if prepared is not None:
                size, digest = by_file(source, target, prepared)
            else:
                size, digest = by_file(source, target)
        except OSError as exc:
            target.unlink(missing_ok=True)
            raise StoreUnavailable(
                f"cannot write the node-signed copy: {exc.strerror or exc}"
            ) from exc
        except BaseException:
            target.unlink(missing_ok=True)
            raise
        return int(size), str(digest)
    signed = signer.sign(source.read_bytes())
    write_whole(target, signed)
    return len(signed), hashlib.sha256(signed).hexdigest()


def write_whole(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` or leave no file: a disk that fills up half
    way must not leave a truncated signed copy behind, and it is the store's
    space that ran out (503, try again later), not a bug (500)."""
    try:
        target.write_bytes(data)
    except OSError as exc:
        target.unlink(missing_ok=True)
        raise StoreUnavailable(f"cannot write the node-signed copy: {exc.strerror or exc}") from exc


# --------------------------------------------------------------------------- status rules


@dataclass(frozen=True)
class StatusEffects:
    """What a status does on this node: where it goes, what enters the history,
    which inbox entries it withdraws."""

    recipients: tuple[str, ...]
    history: tuple[NewStatusEntry, ...]
    removals: tuple[tuple[str, str], ...]
    problem: str | None = None
    """Set (instead of raising) when ``strict`` is off and the rules object."""
    already: str | None = None
    """The message that already recorded this fact (a DMS's own 01 after the
    node's automatic one): the status is answered as a duplicate of it."""


@dataclass(frozen=True)
class Parties:
    """Who sent a document and who received it, by this node's own record of it
    (every document message stored under its DocumentId: the original and its
    updates, recalls and replacements)."""

    document_id: str
    sent: Mapping[str, tuple[str, ...]]
    """sender → the recipients recorded for it."""

    @property
    def known(self) -> bool:
        return bool(self.sent)

    def senders_to(self, organ: str) -> tuple[str, ...]:
        return tuple(s for s, rs in self.sent.items() if organ in rs)

    def describe(self) -> str:
        return "; ".join(f"sent by {s} to {', '.join(rs)}" for s, rs in self.sent.items())


async def document_parties(store: Store, document_id: str) -> Parties:
    sent: dict[str, dict[str, None]] = {}
    for record in await store.documents(document_id):
        sent.setdefault(record.sender, {}).update(dict.fromkeys(record.recipients))
    return Parties(document_id, {s: tuple(rs) for s, rs in sent.items()})


def _recall_recipients(parties: Parties, reporter: str) -> tuple[str, ...]:
    """Those the sender ``reporter`` sent the document to; refuses a 13 from
    anyone but the document's sender."""
    document_id = parties.document_id
    recorded = parties.sent.get(reporter)
    if recorded:
        return recorded
    if parties.senders_to(reporter):
        raise IllegalTransition(
            f"status 13 for {reporter} on {document_id} must come from the document's "
            f"sender, not from the recipient side (this node's record: {parties.describe()})"
        )
    if parties.known:
        raise NotAParty(
            f"{reporter} did not send document {document_id} (this node's record: "
            f"{parties.describe()}): only its sender may request it back (13)"
        )
    raise UnknownDestination(
        f"no record of document {document_id} sent by {reporter} on this node: "
        "cannot route the recall request (13)"
    )


def _sender_of(
    parties: Parties, reporter: str, code: StatusCode, relayed: str | None = None
) -> str:
    """The organ that sent the document to ``reporter``: where its status goes.
    Refuses a status from anyone but a recipient of the document."""
    document_id = parties.document_id
    senders = parties.senders_to(reporter)
    if senders:
        return senders[0]
    if reporter in parties.sent:
        raise IllegalTransition(
            f"status {code} on {document_id} must come from the recipient side, not from "
            f"the document's sender {reporter}"
        )
    if parties.known:
        raise NotAParty(
            f"{reporter} is not a recipient of document {document_id} (this node's record: "
            f"{parties.describe()}): only a recipient may report status {code} about it"
        )
    if relayed is not None and code is StatusCode.REFUSED:
        # A peer's node refusing a document this node never stored: one that
        # claimed to come from our organ (a forgery) gets its 02 back to the
        # organ it named, so that the organ learns of it (domain §5).
        return relayed
    raise UnknownDestination(
        f"no record of document {document_id} on this node: a status {code} is accepted "
        "only about a document this node stored for its reporter"
    )


async def status_effects(
    store: Store,
    status: Status,
    *,
    relayed_to: tuple[str, ...] | None,
    strict: bool,
) -> StatusEffects:
    """Check a status against this node's record of its document and the stored
    history of its (document, recipient) pairs.

    Who is the sender and who a recipient comes from the record (who sent the
    document, who received it), never from ``ResponseFor/OrganId``, which real
    files fill either way (domain §3): only a recipient may send 01-06/15/16,
    and that status goes to the document's sender; only the sender may send 13,
    and it goes to the recipients recorded for it.

    ``relayed_to``: the recipients a peer sent the status for (each must be one
    the record allows); None when a DMS submits it.
    ``strict``: raise IllegalTransition (a DMS submitting) or only report the
    problem (a peer relaying a status its own node already checked: it arrives
    even when statuses overtook each other on the way)."""
    document_id = status.response_for.document_id
    reporter = status.from_.organ_id
    code = status.status_code
    parties = await document_parties(store, document_id)
    from_sender = sent_by_sender(code)
    if from_sender:
        allowed = _recall_recipients(parties, reporter)
        pairs: tuple[str, ...] = allowed
    else:
        named = status.response_for.organ_id if relayed_to is not None else None
        allowed = (_sender_of(parties, reporter, code, named),)
        pairs = (reporter,)
    recipients = allowed
    if relayed_to is not None:
        stray = [r for r in relayed_to if r not in allowed]
        if stray:
            raise bad_transfer(
                f"{', '.join(stray)} not among those status {code} on {document_id} "
                f"from {reporter} may go to ({', '.join(allowed)})"
            )
        recipients = relayed_to
        if from_sender:
            pairs = relayed_to
    problem = None
    for recipient in pairs:
        history = await store.status_history(document_id, recipient)
        if code is StatusCode.ARRIVED:
            first = next((h for h in history if h.code == StatusCode.ARRIVED.value), None)
            if first is not None and first.message_id is not None:
                # 01 is a fact, not a step: the node's automatic 01 recorded it
                # already; the DMS's own 01 is the same fact (recorded once).
                return StatusEffects(recipients, (), (), already=first.message_id)
        state, _ = fold(((h.at, StatusCode(h.code)) for h in history), document_id, recipient)
        try:
            state.apply(code, from_sender=from_sender)
        except IllegalTransition as exc:
            if strict:
                raise
            problem = exc.detail
    entries = tuple(
        NewStatusEntry(document_id, r, code.value, status.timestamp, status.description)
        for r in pairs
    )
    removals = ((document_id, reporter),) if code is StatusCode.RECALLED else ()
    return StatusEffects(tuple(recipients), entries, removals, problem)


def bad_transfer(message: str) -> BadRequest:
    return BadRequest(
        f"Lienthong-Recipients: {message}", [Issue(None, "Lienthong-Recipients", message)]
    )


@dataclass(frozen=True)
class Intake:
    """A message that passed every check, ready to be stored."""

    envelope: Envelope
    sealed: Sealed
    source: Source
    source_name: str
    recipients: tuple[str, ...]
    hops: tuple[Hop, ...]
    keys: tuple[str, ...]
    origin_id: str | None = None
    """The wire id it came with (peers); None: this node assigns one."""
    via_peer: str | None = None
    effects: StatusEffects | None = None
    tracked: tuple[str, ...] = ()
    notes: Mapping[str, Any] = field(default_factory=dict)
