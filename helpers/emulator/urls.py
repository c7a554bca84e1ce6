"""The emulator's routes: which handler answers which method and path.

Runtime routes mirror the Bedrock runtime API and need a SigV4 signature.
Admin routes live under ``/_emulator/`` and need none: they exist so a teacher,
a notebook or a test can steer the emulator (faults, request log) without the
per-request headers an ML Commons connector cannot easily add.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import unquote

__all__ = ["ADMIN_PREFIX", "ROUTES", "Route", "RouteMatch", "resolve"]

ADMIN_PREFIX = "/_emulator/"


@dataclass(frozen=True)
class Route:
    method: str
    pattern: re.Pattern[str]
    handler: str
    # The AWS operation name for runtime routes; None for admin routes.
    operation: str | None = None

    @property
    def admin(self) -> bool:
        return self.operation is None


@dataclass(frozen=True)
class RouteMatch:
    route: Route
    params: dict[str, str]


def _route(
    method: str, pattern: str, handler: str, operation: str | None = None
) -> Route:
    return Route(method, re.compile(pattern), handler, operation)


_MODEL = r"^/model/(?P<modelId>[^/]+)"

ROUTES: tuple[Route, ...] = (
    _route("POST", _MODEL + r"/invoke$", "invoke_model", "InvokeModel"),
    _route("POST", _MODEL + r"/converse$", "converse", "Converse"),
    _route(
        "POST",
        _MODEL + r"/invoke-with-response-stream$",
        "not_streamed",
        "InvokeModelWithResponseStream",
    ),
    _route("POST", _MODEL + r"/converse-stream$", "not_streamed", "ConverseStream"),
    _route("GET", r"^/_emulator/health$", "health"),
    _route("GET", r"^/_emulator/models$", "models"),
    _route("GET", r"^/_emulator/faults$", "get_faults"),
    _route("PUT", r"^/_emulator/faults$", "put_fault"),
    _route("DELETE", r"^/_emulator/faults$", "delete_faults"),
    _route("GET", r"^/_emulator/requests$", "get_requests"),
    _route("DELETE", r"^/_emulator/requests$", "delete_requests"),
)


def resolve(method: str, raw_path: str) -> RouteMatch | None:
    """The route for a request, with its path parameters URL-decoded.

    Matching happens on the raw path, so an encoded ``/`` inside a model ARN
    stays inside its segment; decoding happens afterwards (boto3 sends
    ``v1%3A0``, the AWS SDK for Java sends ``v1:0``: both give ``v1:0``).
    """
    for route in ROUTES:
        if route.method != method:
            continue
        found = route.pattern.match(raw_path)
        if found is not None:
            params = {name: unquote(value) for name, value in found.groupdict().items()}
            return RouteMatch(route, params)
    return None
