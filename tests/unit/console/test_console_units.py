"""The console's pure parts: sessions (expiry, bound, CSRF), the sign-in
brake, every template label translated, the SVG charts."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from datetime import timedelta
from importlib import resources

from hypothesis import given
from hypothesis import strategies as st

from adapters.console import chart
from adapters.console.i18n import VI
from adapters.console.sessions import ABSOLUTE, IDLE, SessionStore, SignInThrottle
from node.modes import AdminRole
from node.ports.api import AdminPrincipal
from tests.support.clock import NOW, FakeClock

OPS = AdminPrincipal("ops", AdminRole.OPERATOR)
AUDIT = AdminPrincipal("kt", AdminRole.AUDITOR)


def test_a_session_lives_while_used_but_never_past_its_absolute_limit() -> None:
    clock = FakeClock()
    store = SessionStore(clock)
    sid, session = store.create(OPS)
    assert session.can_act
    steps = int(ABSOLUTE / (IDLE - timedelta(minutes=1)))
    for _ in range(steps):
        clock.instant += IDLE - timedelta(minutes=1)
        assert store.get(sid) is session
    clock.instant = NOW + ABSOLUTE
    assert store.get(sid) is None
    assert len(store) == 0


def test_an_idle_session_expires_and_ended_ones_are_gone() -> None:
    clock = FakeClock()
    store = SessionStore(clock)
    sid, _ = store.create(AUDIT)
    other, _ = store.create(OPS)
    clock.instant += IDLE
    assert store.get(sid) is None
    store.end(other)
    assert store.get(other) is None
    assert store.get(None) is None
    assert store.get("never-issued") is None


def test_sessions_are_bounded_dropping_the_least_recently_used() -> None:
    clock = FakeClock()
    store = SessionStore(clock, limit=3)
    ids = []
    for _ in range(3):
        ids.append(store.create(OPS)[0])
        clock.instant += timedelta(seconds=1)
    store.get(ids[0])  # used again: the oldest unused is ids[1]
    store.create(AUDIT)
    assert len(store) == 3
    assert store.get(ids[1]) is None
    assert store.get(ids[0]) is not None


def test_session_ids_and_csrf_tokens_are_random_and_checked_exactly() -> None:
    store = SessionStore(FakeClock())
    (a, sa), (b, sb) = store.create(OPS), store.create(OPS)
    assert a != b
    assert sa.csrf != sb.csrf
    assert len(a) >= 40
    assert sa.csrf_ok(sa.csrf)
    assert not sa.csrf_ok(sb.csrf)
    assert not sa.csrf_ok(None)
    assert not sa.csrf_ok("")
    assert not store.create(AUDIT)[1].can_act


def test_the_sign_in_brake_counts_failures_per_client_in_a_window() -> None:
    clock = FakeClock()
    brake = SignInThrottle(clock, failures=3, window=timedelta(minutes=1))
    for _ in range(3):
        assert brake.wait("1.2.3.4") is None
        brake.failed("1.2.3.4")
    assert brake.wait("1.2.3.4") == timedelta(minutes=1)
    assert brake.wait("5.6.7.8") is None  # another address is not braked
    clock.instant += timedelta(seconds=45)
    assert brake.wait("1.2.3.4") == timedelta(seconds=15)
    clock.instant += timedelta(seconds=15)
    assert brake.wait("1.2.3.4") is None  # the first failure left the window
    brake.failed("5.6.7.8")
    brake.succeeded("5.6.7.8")
    assert brake.wait("5.6.7.8") is None


def test_the_brake_tracks_a_bounded_number_of_clients() -> None:
    brake = SignInThrottle(FakeClock(), failures=1, max_clients=10)
    for i in range(100):
        brake.failed(f"10.0.0.{i}")
    assert len(brake._seen) <= 10
    assert brake.wait("10.0.0.99") is not None


_LABEL = re.compile(r"""\bt\("((?:[^"\\]|\\.)+)"\)""")


def test_every_template_label_has_a_vietnamese_translation() -> None:
    folder = resources.files("adapters.console").joinpath("templates")
    labels = set()
    for entry in folder.iterdir():
        if entry.name.endswith(".html"):
            labels |= set(_LABEL.findall(entry.read_text("utf-8")))
    assert len(labels) > 50
    assert sorted(labels - set(VI)) == []


def _svg(markup: str) -> ET.Element:
    return ET.fromstring(str(markup))


def test_on_time_bars_draw_one_bar_per_organ_scaled_to_the_rate() -> None:
    svg = _svg(
        chart.on_time_bars(
            [("000.00.00.H41", 1.0), ("000.00.12.H41", 0.5), ("<x>", None)],
            title="On-time",
            no_data="nothing due",
        )
    )
    ns = "{http://www.w3.org/2000/svg}"
    bars = [r for r in svg.iter(f"{ns}rect") if r.get("class") == "bar"]
    assert [(b.get("data-organ"), float(b.get("width", "0"))) for b in bars] == [
        ("000.00.00.H41", 300.0),
        ("000.00.12.H41", 150.0),
    ]
    assert bars[0].get("fill") == "#2e7d32"  # at or above 90 %
    assert bars[1].get("fill") == "#c62828"
    texts = [t.text for t in svg.iter(f"{ns}text")]
    assert "<x>" in texts  # escaped in the markup, intact once parsed
    assert "nothing due" in texts


@given(st.lists(st.integers(min_value=0, max_value=10_000), max_size=62))
def test_overdue_line_plots_every_day_inside_the_frame(counts: list[int]) -> None:
    points = [(f"2026-12-{i % 28 + 1:02d}", c) for i, c in enumerate(counts)]
    svg = _svg(chart.overdue_line(points, title="Overdue"))
    ns = "{http://www.w3.org/2000/svg}"
    circles = list(svg.iter(f"{ns}circle"))
    assert [int(c.get("data-overdue", "-1")) for c in circles] == counts
    height = float(svg.get("height", "0"))
    for c in circles:
        assert 0 <= float(c.get("cy", "-1")) <= height


def test_the_session_cookie_is_secure_on_a_tls_listener_only() -> None:
    import ssl

    from aiohttp import web
    from aiohttp.test_utils import make_mocked_request

    from adapters.console.web import SESSION_COOKIE, set_cookie

    for context, secure in ((ssl.create_default_context(), True), (None, False)):
        request = make_mocked_request("POST", "/console/login", sslcontext=context)
        response = web.Response()
        set_cookie(request, response, SESSION_COOKIE, "v")
        morsel = response.cookies[SESSION_COOKIE]
        assert bool(morsel["secure"]) is secure
        assert morsel["httponly"] is True
        assert morsel["samesite"] == "Strict"
