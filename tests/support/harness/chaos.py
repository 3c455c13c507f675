"""Documents flow from DMS A (node A) to DMS B (node B) while a controller
SIGKILLs either node at random moments and restarts it. DMS B answers each
document with a 03; node B emits the 01 itself. At the end: every document
DMS A got a 200/202 for must be in DMS B's inbox exactly once, and both
statuses of each must be in DMS A's inbox exactly once.

Documents are paced over the kills (document i is submitted after kill
i*K/N), so that they flow during every kill, not only before the first."""

from __future__ import annotations

import asyncio
import functools
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp

from tests.support.harness.dms import Dms, Refused
from tests.support.harness.nodes import G22, H41, NodeSetup
from tests.support.harness.process import NodeProcess
from tests.support.messages import document, status


@dataclass
class ChaosReport:
    documents: int
    accepted: int = 0
    refused: list[str] = field(default_factory=list)
    kills: dict[str, int] = field(default_factory=dict)
    lost: list[str] = field(default_factory=list)
    duplicated: list[str] = field(default_factory=list)
    missing_statuses: list[str] = field(default_factory=list)
    duplicated_statuses: list[str] = field(default_factory=list)
    unexpected: list[str] = field(default_factory=list)
    other_statuses: list[str] = field(default_factory=list)
    """Statuses other than those expected, e.g. failure notices of dead letters."""
    seconds: float = 0.0
    answers: dict[str, dict[str, int]] = field(default_factory=dict)

    def _answered(self, what: str) -> int:
        return sum(answers.get(what, 0) for answers in self.answers.values())

    @property
    def clean(self) -> bool:
        return not (
            self.refused
            or self.lost
            or self.duplicated
            or self.missing_statuses
            or self.duplicated_statuses
            or self.unexpected
            or self.other_statuses
        )

    def table(self) -> str:
        rows = [
            ("documents submitted", self.documents),
            ("accepted (200/202)", self.accepted),
            ("SIGKILLs (a / b)", f"{self.kills.get('a', 0)} / {self.kills.get('b', 0)}"),
            ("refused", len(self.refused)),
            ("lost", len(self.lost)),
            ("duplicated", len(self.duplicated)),
            ("missing statuses", len(self.missing_statuses)),
            ("duplicated statuses", len(self.duplicated_statuses)),
            ("unexpected inbox items", len(self.unexpected)),
            ("other statuses (e.g. failure notices)", len(self.other_statuses)),
            ("seconds", f"{self.seconds:.1f}"),
            ("DMS calls that met a dead node", self._answered("down")),
            ("DMS submits answered 503", self._answered("503")),
        ]
        width = max(len(name) for name, _ in rows)
        return "\n".join(f"{name:<{width}}  {value}" for name, value in rows)


@dataclass
class _State:
    accepted: dict[str, str] = field(default_factory=dict)  # document id -> message id
    at_b: dict[str, set[str]] = field(default_factory=lambda: defaultdict(set))
    at_a: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))
    replied: set[str] = field(default_factory=set)
    kills_done: int = 0
    submitting: bool = True
    progress: float = field(default_factory=time.monotonic)

    def complete(self, statuses: tuple[str, ...]) -> bool:
        return all(
            d in self.at_b and all((d, code) in self.at_a for code in statuses)
            for d in self.accepted
        )


async def run_chaos(
    nodes: tuple[NodeProcess, NodeProcess],
    setups: tuple[NodeSetup, NodeSetup],
    *,
    documents: int,
    kills: int,
    seed: int = 0,
    submitters: int = 4,
    gap: tuple[float, float] = (0.1, 0.6),
    down: tuple[float, float] = (0.0, 0.3),
    stall_timeout: float = 90.0,
    reply: bool = True,
    log: Callable[[str], None] = lambda _: None,
) -> ChaosReport:
    """Both nodes must be running. Every loop is bounded: the run ends when all
    has arrived, or when nothing new arrived for ``stall_timeout`` seconds."""
    rng = random.Random(seed)
    state = _State()
    report = ChaosReport(documents)
    statuses = ("01", "03") if reply else ("01",)
    started = time.monotonic()
    first = 10_000 + seed * 1_000_000
    async with aiohttp.ClientSession() as http:
        dms_a = Dms(http, setups[0].dms_url, setups[0].dms_token)
        dms_b = Dms(http, setups[1].dms_url, setups[1].dms_token)
        tick = asyncio.Condition()
        queue: asyncio.Queue[int] = asyncio.Queue()
        for i in range(documents):
            queue.put_nowait(i)

        def due(i: int) -> bool:
            return state.kills_done >= kills or i * kills <= state.kills_done * documents

        async def submitter() -> None:
            while not queue.empty():
                i = queue.get_nowait()
                async with tick:  # pace documents over the kills
                    await tick.wait_for(functools.partial(due, i))
                if kills and state.kills_done < kills:
                    # spread over the time to the next kill, so some meet it
                    await asyncio.sleep(rng.uniform(0, gap[1] + down[1]))
                data, document_id = document(H41, (G22,), number=first + i)
                try:
                    answer = await dms_a.submit(data)
                except Refused as exc:
                    report.refused.append(f"{document_id}: {exc}")
                    continue
                state.accepted[document_id] = answer["id"]
                state.progress = time.monotonic()

        async def restart(victim: NodeProcess) -> None:
            await asyncio.sleep(rng.uniform(*down))
            await victim.astart()

        async def controller() -> None:
            """A node is killed while up; its restart runs on while the next kill
            may hit the other node (so both are sometimes down at once)."""
            restarts: dict[str, asyncio.Task[None]] = {}
            while state.kills_done < kills:
                await asyncio.sleep(rng.uniform(*gap))
                up = [n for n in nodes if n.name not in restarts or restarts[n.name].done()]
                if not up:
                    await asyncio.wait(restarts.values(), return_when=asyncio.FIRST_COMPLETED)
                    continue
                victim = rng.choice(up)
                if victim.name in restarts:
                    await restarts.pop(victim.name)  # re-raise a failed restart
                victim.kill()
                log(f"kill {state.kills_done + 1}/{kills}: {victim.name}")
                restarts[victim.name] = asyncio.create_task(restart(victim))
                async with tick:
                    state.kills_done += 1
                    tick.notify_all()
            await asyncio.gather(*restarts.values())

        async def read_b() -> None:
            for item in await dms_b.inbox():
                if item["kind"] != "document":
                    report.unexpected.append(f"b: {item}")
                    await dms_b.ack(item["id"])
                    continue
                document_id = item["document_id"]
                if item["id"] not in state.at_b[document_id]:
                    state.at_b[document_id].add(item["id"])
                    state.progress = time.monotonic()
                if reply and document_id not in state.replied:
                    try:
                        await dms_b.submit(
                            status(G22, document_id, "03", datetime.now(UTC)), kind="statuses"
                        )
                    except Refused as exc:
                        report.refused.append(f"03 for {document_id}: {exc}")
                    state.replied.add(document_id)
                await dms_b.ack(item["id"])

        async def read_a() -> None:
            for item in await dms_a.inbox():
                if item["kind"] == "status":
                    key = (item["document_id"], item.get("status_code") or "?")
                    if item["id"] not in state.at_a[key]:
                        state.at_a[key].add(item["id"])
                        state.progress = time.monotonic()
                else:
                    report.unexpected.append(f"a: {item}")
                await dms_a.ack(item["id"])

        async def reader(read: Callable[[], Any]) -> None:
            while True:
                if not state.submitting and state.complete(statuses):
                    return
                if time.monotonic() - state.progress > stall_timeout:
                    return
                await read()
                await asyncio.sleep(0.05)

        readers = [asyncio.create_task(reader(read_a)), asyncio.create_task(reader(read_b))]
        try:
            await asyncio.gather(controller(), *(submitter() for _ in range(submitters)))
            state.submitting = False
            state.progress = time.monotonic()
            await asyncio.gather(*readers)
        finally:
            for task in readers:
                task.cancel()
        report.answers = {"a": dict(dms_a.answers.by_status), "b": dict(dms_b.answers.by_status)}

    report.seconds = time.monotonic() - started
    report.kills = {node.name: node.kills for node in nodes}
    report.accepted = len(state.accepted)
    for document_id in sorted(state.accepted):
        seen = state.at_b.get(document_id, set())
        if not seen:
            report.lost.append(document_id)
        elif len(seen) > 1:
            report.duplicated.append(f"{document_id}: {sorted(seen)}")
        for code in statuses:
            got = state.at_a.get((document_id, code), set())
            if not got:
                report.missing_statuses.append(f"{document_id} {code}")
            elif len(got) > 1:
                report.duplicated_statuses.append(f"{document_id} {code}: {sorted(got)}")
    report.other_statuses = sorted(f"{d} {code}" for d, code in state.at_a if code not in statuses)
    report.unexpected += [f"b: {d} never accepted" for d in state.at_b if d not in state.accepted]
    return report
