"""The report's two charts as inline SVG, drawn on the server (no script, no
image request): on-time rate per organ (bars against the 90 % mark the
supervising offices use) and the overdue count per day (a line).

Only presentation attributes are used (no ``style``), so the console's
Content-Security-Policy needs no 'unsafe-inline'."""

from __future__ import annotations

from collections.abc import Sequence

from markupsafe import Markup, escape

TARGET = 0.9
"""The on-time rate supervisors expect (seed articles: "trên 90 %")."""


def _svg(width: int, height: int, title: str, css_class: str, body: list[str]) -> Markup:
    head = (
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart {css_class}" role="img" '
        f'width="{width}" height="{height}" viewBox="0 0 {width} {height}">'
        f"<title>{escape(title)}</title>"
    )
    return Markup(head + "".join(body) + "</svg>")  # noqa: S704 - every value is escaped above


def on_time_bars(rows: Sequence[tuple[str, float | None]], *, title: str, no_data: str) -> Markup:
    """One bar per organ: its on-time rate (None: nothing was due yet)."""
    label_w, bar_w, row_h, top = 130, 300, 24, 8
    width = label_w + bar_w + 60
    height = top + row_h * max(len(rows), 1) + 24
    body: list[str] = []
    for i, (organ, rate) in enumerate(rows):
        y = top + i * row_h
        body.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end" font-size="12" '
            f'fill="#222">{escape(organ)}</text>'
        )
        body.append(
            f'<rect x="{label_w}" y="{y + 3}" width="{bar_w}" height="{row_h - 8}" fill="#eee"/>'
        )
        if rate is None:
            body.append(
                f'<text x="{label_w + 4}" y="{y + 15}" font-size="11" fill="#666" '
                f'class="bar-empty" data-organ="{escape(organ)}">{escape(no_data)}</text>'
            )
            continue
        colour = "#2e7d32" if rate >= TARGET else "#c62828"
        body.append(
            f'<rect class="bar" data-organ="{escape(organ)}" data-rate="{rate:.4f}" '
            f'x="{label_w}" y="{y + 3}" width="{rate * bar_w:.1f}" height="{row_h - 8}" '
            f'fill="{colour}"/>'
        )
        body.append(
            f'<text x="{label_w + bar_w + 6}" y="{y + 15}" font-size="12" fill="#222">'
            f"{rate * 100:.1f} %</text>"
        )
    x90 = label_w + TARGET * bar_w
    bottom = top + row_h * max(len(rows), 1)
    body.append(
        f'<line x1="{x90:.1f}" y1="{top}" x2="{x90:.1f}" y2="{bottom}" stroke="#1565c0" '
        f'stroke-dasharray="4 3"/>'
    )
    body.append(
        f'<text x="{x90:.1f}" y="{bottom + 16}" text-anchor="middle" font-size="11" '
        f'fill="#1565c0">90 %</text>'
    )
    return _svg(width, height, title, "chart-on-time", body)


def overdue_line(points: Sequence[tuple[str, int]], *, title: str) -> Markup:
    """Overdue count per day; ``points`` are (ISO day, count), in order."""
    left, right, top, plot_h, plot_w = 40, 16, 10, 140, 460
    width, height = left + plot_w + right, top + plot_h + 40
    peak = max((c for _, c in points), default=0)
    scale = max(peak, 1)
    step = plot_w / max(len(points) - 1, 1)
    body = [
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" '
        f'stroke="#999"/>',
        f'<line x1="{left}" y1="{top}" x2="{left}" y2="{top + plot_h}" stroke="#999"/>',
        f'<text x="{left - 6}" y="{top + 4}" text-anchor="end" font-size="11" fill="#222">'
        f"{peak}</text>",
        f'<text x="{left - 6}" y="{top + plot_h}" text-anchor="end" font-size="11" '
        f'fill="#222">0</text>',
    ]
    coords = []
    for i, (day, count) in enumerate(points):
        x = left + i * step
        y = top + plot_h - count / scale * plot_h
        coords.append(f"{x:.1f},{y:.1f}")
        body.append(
            f'<circle class="point" data-day="{escape(day)}" data-overdue="{count}" '
            f'cx="{x:.1f}" cy="{y:.1f}" r="2.5" fill="#c62828"/>'
        )
    if coords:
        body.insert(
            4,
            f'<polyline points="{" ".join(coords)}" fill="none" stroke="#c62828" '
            f'stroke-width="2"/>',
        )
        for i in sorted({0, len(points) - 1}):
            x = left + i * step
            body.append(
                f'<text x="{x:.1f}" y="{top + plot_h + 16}" text-anchor="middle" '
                f'font-size="11" fill="#222">{escape(points[i][0])}</text>'
            )
    return _svg(width, height, title, "chart-overdue", body)
