"""A request as the emulator received it and the response it sends back.

Both are plain data, independent of the HTTP server, so the whole request
pipeline can be exercised in-process as well as over a socket.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from urllib.parse import parse_qs, urlsplit

__all__ = ["ReceivedRequest", "Response", "json_response"]


@dataclass(frozen=True)
class ReceivedRequest:
    """The request line, headers and body, exactly as they arrived."""

    method: str
    target: str  # the request-target as sent: raw (still encoded) path and query
    headers: Sequence[tuple[str, str]]
    body: bytes = b""

    @property
    def path(self) -> str:
        """The raw path, without the query string."""
        return urlsplit(self.target).path

    @property
    def query(self) -> dict[str, list[str]]:
        return parse_qs(urlsplit(self.target).query)

    def header(self, name: str) -> str | None:
        """A header's value (repeated headers joined by commas), or None."""
        lowered = name.lower()
        values = [value for key, value in self.headers if key.lower() == lowered]
        return ",".join(values) if values else None


@dataclass
class Response:
    status: int
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)


def json_response(
    payload: object, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    return Response(
        status,
        json.dumps(payload, ensure_ascii=False).encode(),
        {"Content-Type": "application/json", **(headers or {})},
    )
