"""The console sub-application (``/console/`` on the DMS listener) and its
sign-in: an admin token (operator or auditor) opens a server-side session."""

from __future__ import annotations

import logging
import math
import secrets
from importlib import resources

from aiohttp import web

from adapters.console import pages
from adapters.console.sessions import SessionStore, SignInThrottle
from adapters.console.web import (
    CONSOLE,
    LOGIN_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    ConsoleState,
    checked_form,
    console_middleware,
    forget_cookie,
    render,
    same_token,
    session_of,
    set_cookie,
    signed_in,
    state,
    templates,
)
from adapters.http.state import SERVICES, HttpServices
from node.errors import Forbidden, Unauthorized

log = logging.getLogger("lienthong.console")

FORM_MAX_SIZE = 16 * 1024
"""Console forms are a few fields; nothing larger is read."""


def build_console_app(services: HttpServices) -> web.Application:
    """The console's state (sessions, the sign-in brake, templates) is made
    when the listener starts, with the node's clock."""
    app = web.Application(middlewares=[console_middleware], client_max_size=FORM_MAX_SIZE)

    async def start(app: web.Application) -> None:
        clock = services.clock
        app[CONSOLE] = ConsoleState(SessionStore(clock), SignInThrottle(clock), templates(), clock)

    app.on_startup.append(start)
    get = app.router.add_get
    get("/", pages.dashboard, allow_head=False)
    get("/login", login_form, allow_head=False)
    app.router.add_post("/login", login)
    app.router.add_post("/logout", logout)
    get("/messages", pages.messages, allow_head=False)
    get("/messages/{id}", pages.message, allow_head=False)
    app.router.add_post("/messages/{id}/resend", pages.resend)
    get("/dead-letters", pages.dead_letters, allow_head=False)
    get("/peers", pages.peers, allow_head=False)
    get("/report", pages.report, allow_head=False)
    get("/report.csv", pages.report_csv, allow_head=False)
    get("/console.css", stylesheet, allow_head=False)
    return app


def add_console(app: web.Application, services: HttpServices) -> None:
    app.add_subapp(PREFIX, build_console_app(services))


_CSS = resources.files("adapters.console").joinpath("static", "console.css")


async def stylesheet(request: web.Request) -> web.Response:
    del request
    return web.Response(
        text=_CSS.read_text("utf-8"),
        content_type="text/css",
        headers={"Cache-Control": "max-age=3600"},
    )


def _next(raw: str | None) -> str:
    """Where to go after signing in: a console path only (no open redirect)."""
    if raw and raw.startswith(f"{PREFIX}/") and "//" not in raw and "\\" not in raw:
        return raw
    return f"{PREFIX}/"


def _login_page(
    request: web.Request, *, status: int = 200, error: str | None = None, notice: str | None = None
) -> web.Response:
    token = secrets.token_urlsafe(24)
    response = render(
        request,
        "login.html",
        status=status,
        login_csrf=token,
        error=error,
        notice=notice,
        next=_next(request.query.get("next")),
    )
    set_cookie(request, response, LOGIN_COOKIE, token)
    return response


async def login_form(request: web.Request) -> web.StreamResponse:
    if session_of(request) is not None:
        raise web.HTTPSeeOther(_next(request.query.get("next")))
    notice = "You are signed out." if request.query.get("bye") else None
    if request.query.get("expired"):
        notice = "Your session has ended: sign in again."
    return _login_page(request, notice=notice)


async def login(request: web.Request) -> web.StreamResponse:
    console = state(request)
    form = await request.post()
    client = request.remote or "unknown"
    presented = form.get("login_csrf")
    if not same_token(
        presented if isinstance(presented, str) else None, request.cookies.get(LOGIN_COOKIE)
    ):
        raise Forbidden("the sign-in form is stale or was not sent by this console: reload it")
    wait = console.throttle.wait(client)
    if wait is not None:
        seconds = max(1, math.ceil(wait.total_seconds()))
        log.warning("console sign-in refused: too many failures", extra={"client": client})
        return _login_page(request, status=429, error=f"too-many:{seconds}")
    token = form.get("token")
    token = token.strip() if isinstance(token, str) else ""
    if not token:
        return _login_page(request, status=400, error="empty")
    services = request.config_dict[SERVICES]
    try:
        principal = services.admin_auth.authenticate(f"Bearer {token}")
    except Unauthorized:
        console.throttle.failed(client)
        log.warning("console sign-in failed: unknown token", extra={"client": client})
        return _login_page(request, status=401, error="unknown")
    console.throttle.succeeded(client)
    session_id, _ = console.sessions.create(principal)
    log.info(
        "console sign-in",
        extra={"actor": principal.name, "role": principal.role.value, "client": client},
    )
    target = form.get("next")
    response = web.HTTPSeeOther(_next(target if isinstance(target, str) else None))
    set_cookie(request, response, SESSION_COOKIE, session_id)
    forget_cookie(response, LOGIN_COOKIE)
    raise response


async def logout(request: web.Request) -> web.StreamResponse:
    session = signed_in(request)
    await checked_form(request, session)
    state(request).sessions.end(request.cookies.get(SESSION_COOKIE))
    log.info("console sign-out", extra={"actor": session.principal.name})
    response = web.HTTPSeeOther(f"{PREFIX}/login?bye=1")
    forget_cookie(response, SESSION_COOKIE)
    raise response
