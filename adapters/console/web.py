"""What every console page shares: its state on the app, the language, the
session, rendering, the security headers and HTML error pages."""

from __future__ import annotations

import hmac
import json
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web
from jinja2 import Environment, PackageLoader, StrictUndefined
from yarl import URL

from adapters.console.i18n import LANGUAGES, translator
from adapters.console.sessions import Session, SessionStore, SignInThrottle
from adapters.http.problem import Handler
from node.errors import BadRequest, Forbidden, LienthongError
from node.model import VN_TZ
from node.ports.driven import Clock

PREFIX = "/console"
SESSION_COOKIE = "lienthong_console"
LOGIN_COOKIE = "lienthong_console_login"
"""The sign-in form's own CSRF token (double submit: cookie and hidden field)."""
LANG_COOKIE = "lienthong_lang"

CSP = (
    "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)

log = logging.getLogger("lienthong.console")


@dataclass
class ConsoleState:
    sessions: SessionStore
    throttle: SignInThrottle
    templates: Environment
    clock: Clock


CONSOLE = web.AppKey("console", ConsoleState)
LANG = web.RequestKey("console_lang", str)
SESSION = web.RequestKey("console_session", Session)


def templates() -> Environment:
    env = Environment(
        loader=PackageLoader("adapters.console", "templates"),
        autoescape=True,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["pct"] = pct
    env.filters["json"] = lambda value: json.dumps(value, ensure_ascii=False, sort_keys=True)
    return env


def when(value: datetime | str | None) -> str:
    """An instant in Vietnam time, to the second."""
    if value is None:
        return "—"
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.astimezone(VN_TZ).strftime("%Y-%m-%d %H:%M:%S")


def pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f} %"


def state(request: web.Request) -> ConsoleState:
    return request.app[CONSOLE]


def session_of(request: web.Request) -> Session | None:
    return request.get(SESSION)


def query(request: web.Request) -> dict[str, str]:
    """The query string without the language switch and without empty form fields."""
    return {k: v for k, v in request.query.items() if k != "lang" and v.strip() != ""}


def render(
    request: web.Request, template: str, *, status: int = 200, **context: Any
) -> web.Response:
    lang = request.get(LANG, "vi")
    session = session_of(request)
    page = state(request).templates.get_template(template)
    text = page.render(
        t=translator(lang),
        lang=lang,
        languages=LANGUAGES,
        session=session,
        csrf=session.csrf if session else "",
        path=request.path,
        switch={code: str(request.rel_url.update_query(lang=code)) for code in LANGUAGES},
        **context,
    )
    return web.Response(text=text, status=status, content_type="text/html", charset="utf-8")


def signed_in(request: web.Request) -> Session:
    """The request's session; a reader without one is sent to sign in."""
    session = session_of(request)
    if session is None:
        if request.method == "GET":
            target = request.rel_url.path_qs
            raise web.HTTPSeeOther(str(URL(f"{PREFIX}/login").with_query(next=target)))
        raise Forbidden("your console session has ended: sign in again")
    return session


async def checked_form(request: web.Request, session: Session) -> Mapping[str, str]:
    """The POSTed form, after its CSRF token was found to be the session's."""
    form = await request.post()
    token = form.get("csrf")
    if not session.csrf_ok(token if isinstance(token, str) else None):
        log.warning(
            "console form refused: CSRF token missing or wrong",
            extra={"actor": session.principal.name, "path": request.path},
        )
        raise Forbidden("the form's security token is missing or wrong: reload the page")
    return {k: v for k, v in form.items() if isinstance(v, str)}


def same_token(a: str | None, b: str | None) -> bool:
    return bool(a) and bool(b) and hmac.compare_digest(str(a).encode(), str(b).encode())


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str) -> None:
    response.set_cookie(
        name,
        value,
        path=PREFIX,
        httponly=True,
        samesite="Strict",
        secure=request.secure,
    )


def forget_cookie(response: web.StreamResponse, name: str) -> None:
    response.del_cookie(name, path=PREFIX)


@web.middleware
async def console_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    if request.path == PREFIX:
        raise web.HTTPMovedPermanently(f"{PREFIX}/")
    console = state(request)
    lang = request.query.get("lang")
    chosen = lang if lang in LANGUAGES else None
    request[LANG] = chosen or (
        request.cookies.get(LANG_COOKIE, "vi")
        if request.cookies.get(LANG_COOKIE) in LANGUAGES
        else "vi"
    )
    session = console.sessions.get(request.cookies.get(SESSION_COOKIE))
    if session is not None:
        request[SESSION] = session
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            _secure(exc)
            if chosen:
                set_cookie(request, exc, LANG_COOKIE, chosen)
            raise
        detail = "no such page" if exc.status == 404 else exc.reason
        response = _error(request, exc.status, detail, [])
    except LienthongError as exc:
        issues = list(exc.issues) if isinstance(exc, BadRequest) else []
        response = _error(request, exc.http_status, exc.detail, issues)
    _secure(response)
    if chosen:
        set_cookie(request, response, LANG_COOKIE, chosen)
    return response


def _error(request: web.Request, status: int, detail: str, issues: list[Any]) -> web.Response:
    return render(
        request, "error.html", status=status, status_code=status, detail=detail, issues=issues
    )


def _secure(response: web.StreamResponse) -> None:
    response.headers["Content-Security-Policy"] = CSP
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Frame-Options"] = "DENY"
    response.headers.setdefault("Cache-Control", "no-store")


PageHandler = Callable[[web.Request], Awaitable[web.StreamResponse]]
