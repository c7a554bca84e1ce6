"""The admin API under ``/_emulator/``: health, catalogue, faults, request log.

It shares the runtime's loopback listener and asks for no signature: anyone who
can reach the port can steer the emulator, which is why it binds 127.0.0.1.

``GET /_emulator/health``
    ``{"status": "ok"}`` once the emulator accepts requests.
``GET /_emulator/models``
    The model catalogue.
``GET | PUT | DELETE /_emulator/faults``
    PUT ``{"model": "ai21.j2-mid-v1", "fault": "throttle", "count": 2}`` makes the
    next two calls to that model fail. ``model`` may be ``"*"`` (every model);
    ``fault`` is one of throttle, internal, unavailable, expired-token, eol;
    ``count`` omitted or null means every call until the rule is deleted;
    ``latency_ms`` adds a delay, with or without a fault. A PUT replaces the
    rule for that model. DELETE removes every rule, or one with ``?model=ID``.
``GET | DELETE /_emulator/requests``
    The recent runtime calls, oldest first (``?limit=N``, default 50): method,
    path, model, signed header names, status, error code, latency and token
    counts. Never a body, a secret, a session token or a signature.
"""

from __future__ import annotations

from typing import Any

from . import schemas
from .exceptions import BedrockError, ValidationException
from .models import CATALOGUE, FAULTS, BedrockBackend, FaultRule
from .wire import ReceivedRequest, Response, json_response

__all__ = ["MAX_LATENCY_MS", "AdminResponses", "error_response"]

MAX_LATENCY_MS = 60_000


def error_response(error: BedrockError) -> Response:
    return Response(error.status, error.wire_body(), error.wire_headers())


class AdminResponses:
    """One method per admin route in :mod:`.urls`."""

    def __init__(self, backend: BedrockBackend) -> None:
        self._backend = backend

    def dispatch(self, handler: str, request: ReceivedRequest) -> Response:
        try:
            response: Response = getattr(self, handler)(request)
        except BedrockError as error:
            return error_response(error)
        return response

    def health(self, request: ReceivedRequest) -> Response:
        return json_response({"status": "ok"})

    def models(self, request: ReceivedRequest) -> Response:
        return json_response({"models": [m.to_json() for m in CATALOGUE.values()]})

    def get_faults(self, request: ReceivedRequest) -> Response:
        rules = self._backend.faults.rules()
        return json_response({"faults": [rule.to_json() for rule in rules]})

    def put_fault(self, request: ReceivedRequest) -> Response:
        rule = read_fault_rule(schemas.parse_json_body(request.body))
        self._backend.faults.put(rule)
        return json_response({"fault": rule.to_json()})

    def delete_faults(self, request: ReceivedRequest) -> Response:
        model = request.query.get("model", [None])[0]
        return json_response({"deleted": self._backend.faults.remove(model)})

    def get_requests(self, request: ReceivedRequest) -> Response:
        raw = request.query.get("limit", ["50"])[0]
        if not raw.isdigit():
            raise ValidationException(
                f"limit must be a whole number of requests, got '{raw}'."
            )
        records = self._backend.requests.recent(int(raw))
        return json_response({"requests": [record.to_json() for record in records]})

    def delete_requests(self, request: ReceivedRequest) -> Response:
        self._backend.requests.clear()
        return json_response({"deleted": True})


def read_fault_rule(body: Any) -> FaultRule:
    """A FaultRule from a PUT body, or a ValidationException naming the bad field."""
    if not isinstance(body, dict):
        raise ValidationException(
            'A fault rule is a JSON object such as {"model": "ai21.j2-mid-v1", '
            '"fault": "throttle", "count": 2}.'
        )
    unknown = sorted(set(body) - {"model", "fault", "count", "latency_ms"})
    if unknown:
        raise ValidationException(
            f"Unknown field(s) {unknown}; a fault rule has model, fault, count and "
            "latency_ms."
        )
    model = body.get("model")
    if model != "*" and model not in CATALOGUE:
        raise ValidationException(
            f'model must be a model ID the emulator serves or "*", got {model!r}. '
            f"Known models: {', '.join(CATALOGUE)}."
        )
    fault = body.get("fault")
    if fault is not None and fault not in FAULTS:
        raise ValidationException(
            f"fault must be one of {', '.join(FAULTS)} (or null), got {fault!r}."
        )
    count = body.get("count")
    if count is not None and (not _is_int(count) or count < 1):
        raise ValidationException(
            f"count must be a positive integer or null, got {count!r}."
        )
    latency = body.get("latency_ms", 0)
    if not _is_int(latency) or not 0 <= latency <= MAX_LATENCY_MS:
        raise ValidationException(
            f"latency_ms must be an integer from 0 to {MAX_LATENCY_MS}, "
            f"got {latency!r}."
        )
    if fault is None and latency == 0:
        raise ValidationException(
            "A fault rule needs a fault, a latency_ms, or both; to clear rules, "
            "send DELETE /_emulator/faults."
        )
    return FaultRule(model=model, fault=fault, remaining=count, latency_ms=latency)


def _is_int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)
