"""The supervision report as text and CSV.

Both are rendered from the report's JSON, the admin API's answer (written
once, as dataclasses, by the HTTP adapter), so the CLI, which reads that JSON,
prints exactly what the API and the console show.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from node.report import Verdict

FORMATS = ("json", "text", "csv")

CSV_COLUMNS = (
    "document_id",
    "message_id",
    "sender",
    "recipient",
    "stored_at",
    "due_date",
    "01_verdict",
    "01_due_at",
    "01_at",
    "03_verdict",
    "03_due_at",
    "03_at",
    "06_verdict",
    "06_due_at",
    "06_at",
    "complete",
    "late_seconds",
)
"""One row per (document, recipient) pair; ``late_seconds`` is the largest
delay of any of its statuses (late or overdue)."""


def format_delay(delay: timedelta) -> str:
    """``2d 3h 04m 05s``: how late, to the second."""
    seconds = int(delay.total_seconds())
    days, rest = divmod(seconds, 86_400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h {minutes:02d}m {secs:02d}s"
    if hours:
        return f"{hours}h {minutes:02d}m {secs:02d}s"
    return f"{minutes}m {secs:02d}s"


def rate(value: float | None) -> str:
    return "-" if value is None else f"{value * 100:.1f} %"


def render_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_COLUMNS)
    for d in data["documents"]:
        row: list[Any] = [
            d["document_id"],
            d["message_id"],
            d["sender"],
            d["recipient"],
            d["stored_at"],
            d["due_date"] or "",
        ]
        for s in d["stages"]:
            row += [s["verdict"], s["due_at"] or "", s["at"] or ""]
        delays = [s["late_seconds"] for s in d["stages"] if s["late_seconds"] is not None]
        row += ["yes" if d["complete"] else "no", max(delays) if delays else ""]
        writer.writerow(row)
    return out.getvalue()


def render_text(data: dict[str, Any]) -> str:
    scope = f" for {data['organ']}" if data["organ"] else ""
    lines = [
        f"QĐ 28 supervision report{scope}: {data['from']} to {data['to']} "
        f"(judged at {data['as_of']})",
        "",
        "Documents received (feedback given):",
        *_organ_table(data["received"]),
        "",
        "Documents sent (feedback received):",
        *_organ_table(data["sent"]),
        "",
        f"Overdue ({len(data['overdue'])}):",
    ]
    if data["overdue"]:
        header = ("DOCUMENT", "SENDER", "RECIPIENT", "OWED", "DUE", "LATE")
        rows = [
            (o["document_id"], o["sender"], o["recipient"], o["owed"], o["due_at"], o["late"])
            for o in data["overdue"]
        ]
        lines += _table(header, rows)
    else:
        lines.append("  none")
    return "\n".join(lines)


def _organ_table(organs: list[dict[str, Any]]) -> list[str]:
    if not organs:
        return ["  none"]
    header = (
        "ORGAN",
        "DOCS",
        "01 ON TIME",
        "02/03 ON TIME",
        "06 ON TIME",
        "OVERDUE",
        "COMPLETE",
        "ON-TIME RATE",
    )

    def stage(c: dict[str, int]) -> str:
        judged = sum(c[v.value] for v in Verdict if v.value in _JUDGED)
        return f"{c[Verdict.ON_TIME.value]}/{judged}"

    rows = [
        (
            o["organ"],
            str(o["documents"]),
            stage(o["arrival"]),
            stage(o["acceptance"]),
            stage(o["handling"]),
            str(o["overdue"]),
            f"{o['complete']}/{o['documents']} ({rate(o['completeness'])})",
            rate(o["on_time_rate"]),
        )
        for o in organs
    ]
    return _table(header, rows)


_JUDGED = {"on-time", "late", "overdue", "missed"}


def _table(header: tuple[str, ...], rows: Sequence[tuple[Any, ...]]) -> list[str]:
    widths = [max(len(str(r[i])) for r in (header, *rows)) for i in range(len(header))]
    return [
        "  " + "  ".join(str(cell).ljust(w) for cell, w in zip(r, widths, strict=True)).rstrip()
        for r in (header, *rows)
    ]
