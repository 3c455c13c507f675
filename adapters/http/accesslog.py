"""One structured access-log record per request (method, path, status, time)."""

from __future__ import annotations

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger


class JsonAccessLogger(AbstractAccessLogger):
    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        self.logger.info(
            "%s %s %s",
            request.method,
            request.path,
            response.status,
            extra={
                "method": request.method,
                "path": request.path,
                "status": response.status,
                "duration_ms": round(time * 1000, 2),
                "remote": request.remote,
                "bytes": response.body_length,
            },
        )
