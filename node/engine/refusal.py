"""A peer's document that fails verification is refused (4xx) and answered
with status 02 giving the reason (domain §5, NĐ 30/2020 Điều 21): one from each
local recipient (signed with its key, else the node's), one from the node for
recipients it only relays. Keyed by transfer, so a repeated refusal of the
same transfer answers once."""

from __future__ import annotations

from node.engine.accepting import Accepting
from node.engine.plan import route_back
from node.engine.statuses import StatusDraft
from node.model import Envelope, MessageHeader, ResponseFor, StatusCode
from node.ports.driven import TransferMeta, VerificationOutcome
from node.store.records import NewMessage


async def refuse_document(
    acc: Accepting,
    env: Envelope,
    meta: TransferMeta,
    outcome: VerificationOutcome,
    *,
    via_peer: str,
) -> None:
    assert isinstance(env.header, MessageHeader)
    header = env.header
    response_for = ResponseFor(
        organ_id=env.sender,
        code=str(header.code),
        promulgation_date=header.promulgation_info.promulgation_date,
        document_id=header.document_id,
    )
    reasons = "; ".join(outcome.reasons) or "the signature was not accepted"
    description = f"Từ chối tiếp nhận: chữ ký số không hợp lệ ({reasons})"
    local = acc.settings.routing.local_organs
    reporters = [r for r in meta.recipients if r in local]
    if len(reporters) < len(meta.recipients):
        reporters.append(acc.settings.node_organ)
    refusals: list[NewMessage] = []
    for reporter in dict.fromkeys(reporters):
        draft = StatusDraft(
            reporter=reporter,
            code=StatusCode.REFUSED,
            response_for=response_for,
            description=description,
            to=env.sender,
            record=False,
        )
        back = route_back(acc.settings, env.sender, via_peer=via_peer)
        refusals.append(
            await acc.statuses.build(draft, back, keys=(f"refusal|{meta.message_id}|{reporter}",))
        )
    outcome_ = await acc.store.accept(refusals)
    if not outcome_.duplicate:
        acc.wakeup.set()
