"""The console's pages: dashboard, message search and a message's page, dead
letters (with resend for operators), peers and routes, the QĐ 28 report."""

from __future__ import annotations

import asyncio
import json
from datetime import date, datetime, time, timedelta

from aiohttp import web

from adapters.console import chart
from adapters.console.i18n import translator
from adapters.console.web import LANG, PREFIX, checked_form, query, render, signed_in
from adapters.http.models import report_json
from adapters.http.params import Params
from adapters.http.state import SERVICES
from node.errors import BadRequest, Forbidden, LienthongError
from node.model import VN_TZ
from node.report_format import render_csv
from node.store.records import MessageState

STATES = tuple(s.value for s in MessageState)
CERT_WARN_DAYS = 30
"""Certificates closer than this to expiry are flagged on the dashboard."""


async def dashboard(request: web.Request) -> web.Response:
    signed_in(request)
    Params(query(request)).done()
    services = request.config_dict[SERVICES]
    admin = services.admin
    queues = await admin.queues()
    dead = await admin.dead_letters(limit=10)
    refusals = (await admin.search(status_code="02", limit=10)).items
    try:
        checks: dict[str, str | None] = dict(await services.probe.readiness())
    except (LienthongError, OSError) as exc:
        checks = {"store": str(exc)}
    checks["spool"] = await asyncio.to_thread(services.spool.writable)
    snapshot = await services.probe.snapshot()
    now = services.clock.now()
    certificates = [
        {"info": c, "days_left": c.days_left(now), "warn": c.days_left(now) < CERT_WARN_DAYS}
        for c in sorted(services.inventory.certificates, key=lambda c: c.not_after)
    ]
    return render(
        request,
        "dashboard.html",
        inventory=services.inventory,
        queues=queues,
        held=[q for q in queues if q.held],
        dead=dead,
        refusals=refusals,
        checks=checks,
        ready=all(v is None for v in checks.values()),
        snapshot=snapshot,
        certificates=certificates,
    )


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=VN_TZ)


async def messages(request: web.Request) -> web.Response:
    signed_in(request)
    form = query(request)
    params = Params(form)
    organ = params.organ()
    state = params.token("state", "|".join(STATES), "must be one of " + ", ".join(STATES))
    start = params.day("from")
    end = params.day("to")
    document_id = params.text("document_id")
    cursor = params.text("cursor")
    try:
        params.done()
        if start and end and end < start:
            raise BadRequest("the period ends before it starts")
        page = await request.config_dict[SERVICES].admin.search(
            state=state,
            organ=organ,
            since=_day_start(start) if start else None,
            until=_day_start(end + timedelta(days=1)) if end else None,
            document_id=document_id,
            cursor=cursor,
            limit=50,
        )
    except BadRequest as exc:
        return render(
            request,
            "messages.html",
            status=400,
            form=form,
            states=STATES,
            issues=exc.issues,
            error=exc.detail,
            page=None,
            next_url=None,
        )
    next_url = None
    if page.next_cursor:
        next_url = str(request.rel_url.update_query(cursor=page.next_cursor))
    return render(
        request,
        "messages.html",
        form=form,
        states=STATES,
        issues=[],
        error=None,
        page=page,
        next_url=next_url,
    )


async def message(request: web.Request) -> web.Response:
    signed_in(request)
    params = Params(query(request))
    resent = params.token("resent", r"\d{1,4}", "a count")
    params.done()
    admin = request.config_dict[SERVICES].admin
    message_id = request.match_info["id"]
    detail = await admin.detail(message_id)
    audit = await admin.audit_trail(message_id)
    verification = dict(detail.verification)
    # the engine keeps its verdict beside the verifier's full report ("report")
    nested = verification.get("report")
    signatures = nested if isinstance(nested, dict) and nested else verification
    return render(
        request,
        "message.html",
        detail=detail,
        audit=audit,
        verification=verification,
        signatures=signatures,
        verification_json=json.dumps(verification, ensure_ascii=False, indent=2, default=str),
        resent=int(resent) if resent else None,
        can_resend=any(d.state == "dead" for d in detail.trace.deliveries),
    )


async def resend(request: web.Request) -> web.StreamResponse:
    session = signed_in(request)
    if not session.can_act:
        raise Forbidden(
            f"{session.principal.name} is an {session.principal.role.value}: "
            "the console is read-only for auditors"
        )
    await checked_form(request, session)
    message_id = request.match_info["id"]
    deliveries = await request.config_dict[SERVICES].admin.resend(
        message_id, actor=session.principal.name
    )
    raise web.HTTPSeeOther(f"{PREFIX}/messages/{message_id}?resent={len(deliveries)}")


async def dead_letters(request: web.Request) -> web.Response:
    signed_in(request)
    Params(query(request)).done()
    items = await request.config_dict[SERVICES].admin.dead_letters(limit=200)
    return render(request, "dead_letters.html", items=items)


async def peers(request: web.Request) -> web.Response:
    signed_in(request)
    Params(query(request)).done()
    services = request.config_dict[SERVICES]
    now = services.clock.now()
    return render(
        request,
        "peers.html",
        inventory=services.inventory,
        days_left={p.name: p.certificate.days_left(now) for p in services.inventory.peers},
    )


def _period(request: web.Request) -> tuple[dict[str, str], date, date, str | None]:
    form = query(request)
    params = Params(form)
    start = params.day("from")
    end = params.day("to")
    organ = params.organ()
    params.done()
    today = request.config_dict[SERVICES].clock.now().astimezone(VN_TZ).date()
    start = start or today.replace(day=1)
    end = end or today
    form.setdefault("from", start.isoformat())
    form.setdefault("to", end.isoformat())
    return form, start, end, organ


async def report(request: web.Request) -> web.Response:
    signed_in(request)
    form, start, end, organ = _period(request)
    result = await request.config_dict[SERVICES].admin.report(start=start, end=end, organ=organ)
    data = report_json(result)
    t = translator(request.get(LANG, "vi"))
    bars = chart.on_time_bars(
        [(o["organ"], o["on_time_rate"]) for o in data["received"]],
        title=t("On-time rate per organ"),
        no_data=t("nothing due yet"),
    )
    line = chart.overdue_line(
        [(p["day"], p["overdue"]) for p in data["timeline"]], title=t("Overdue over time")
    )
    csv_url = str(request.rel_url.with_path(f"{PREFIX}/report.csv").with_query(_csv_query(form)))
    return render(
        request, "report.html", form=form, data=data, bars=bars, line=line, csv_url=csv_url
    )


def _csv_query(form: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in form.items() if k in ("from", "to", "organ")}


async def report_csv(request: web.Request) -> web.Response:
    signed_in(request)
    _, start, end, organ = _period(request)
    result = await request.config_dict[SERVICES].admin.report(start=start, end=end, organ=organ)
    name = f"report-{start.isoformat()}-{end.isoformat()}.csv"
    return web.Response(
        text=render_csv(report_json(result)),
        content_type="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
