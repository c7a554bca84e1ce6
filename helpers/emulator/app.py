"""The request pipeline: route, authenticate, inject faults, answer, record.

For a runtime call the steps run in the order AWS applies them: the signature
is checked before anything else, an unknown model is reported before faults,
and a fault (throttling, an outage) is reported before the body is read. Every
runtime call, failed or not, leaves one INFO log line and one request-log entry.

Per-request headers steer a single call (handy from boto3 or curl):

``x-emulator-fault``
    ``throttle`` | ``internal`` | ``unavailable`` | ``expired-token`` | ``eol``
``x-emulator-latency-ms``
    A delay, in milliseconds, before the answer.
``x-emulator-aws-faithful``
    ``1`` or ``0``: answer this call as AWS does today (retired models refused),
    whatever the emulator-wide setting.

A header fault or latency replaces any admin rule for that call, and the rule's
count is left untouched.
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone

from . import urls
from .admin import MAX_LATENCY_MS, AdminResponses, error_response
from .exceptions import (
    END_OF_LIFE_MESSAGE,
    BedrockError,
    ExpiredTokenException,
    InternalServerException,
    ResourceNotFoundException,
    ServiceUnavailableException,
    ThrottlingException,
    UnknownOperationException,
    ValidationException,
)
from .models import FAULTS, BedrockBackend, RequestRecord, find_model
from .responses import Answer, BedrockResponses
from .sigv4 import Authorization, SigV4Verifier, parse_authorization
from .wire import ReceivedRequest, Response

__all__ = ["EmulatorApp"]

logger = logging.getLogger(__name__)

_BODY_LOG_LIMIT = 2000


def _fault_error(fault: str) -> BedrockError:
    if fault == "throttle":
        return ThrottlingException()
    if fault == "internal":
        return InternalServerException()
    if fault == "unavailable":
        return ServiceUnavailableException()
    if fault == "expired-token":
        return ExpiredTokenException()
    return ResourceNotFoundException(END_OF_LIFE_MESSAGE)


@dataclass
class _Call:
    """What the pipeline learned about one runtime call, for the log."""

    request: ReceivedRequest
    operation: str
    model_id: str
    started: float = field(default_factory=time.perf_counter)
    request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    auth: Authorization | None = None
    fault: str | None = None
    answer: Answer | None = None


class EmulatorApp:
    """Turns a :class:`ReceivedRequest` into a :class:`Response`; no sockets here."""

    def __init__(self, backend: BedrockBackend) -> None:
        self.backend = backend
        self._verifier = SigV4Verifier(backend.config)
        self._runtime = BedrockResponses()
        self._admin = AdminResponses(backend)

    def handle(self, request: ReceivedRequest) -> Response:
        match = urls.resolve(request.method, request.path)
        if match is None:
            return self._unknown(request)
        if match.route.admin:
            response = self._admin.dispatch(match.route.handler, request)
            logger.debug(
                "admin %s %s -> %s", request.method, request.target, response.status
            )
            return response
        assert match.route.operation is not None
        call = _Call(request, match.route.operation, match.params["modelId"])
        try:
            call.answer = self._serve(call, match.route.handler)
            response = call.answer.response
        except BedrockError as error:
            response = error_response(error)
        except Exception:
            # A bug in the emulator still reaches the client as an AWS-shaped 500.
            logger.exception(
                "the emulator failed on %s %s", request.method, request.path
            )
            response = error_response(InternalServerException())
        response.headers["x-amzn-RequestId"] = call.request_id
        self._record(call, response)
        return response

    def _serve(self, call: _Call, handler: str) -> Answer:
        fault, latency_ms = self._requested_fault(call.request)
        call.auth = self._verifier.verify(call.request)
        model = find_model(call.model_id)
        if model is None:
            raise ResourceNotFoundException()

        if fault is None and latency_ms is None:
            rule = self.backend.faults.take(model.model_id)
            if rule is not None:
                fault, latency_ms = rule.fault, rule.latency_ms
        if latency_ms:
            time.sleep(latency_ms / 1000)
        call.fault = fault
        if fault is not None:
            raise _fault_error(fault)
        if model.retired_on_aws and self._aws_faithful(call.request):
            raise ResourceNotFoundException(END_OF_LIFE_MESSAGE)

        operation = getattr(self._runtime, handler)
        answer: Answer = operation(model, call.request, call.started)
        return answer

    def _requested_fault(
        self, request: ReceivedRequest
    ) -> tuple[str | None, int | None]:
        fault = request.header("x-emulator-fault")
        if fault is not None and fault not in FAULTS:
            raise ValidationException(
                f"x-emulator-fault must be one of {', '.join(FAULTS)}; got '{fault}'."
            )
        raw = request.header("x-emulator-latency-ms")
        if raw is None:
            return fault, None
        if not raw.strip().isdigit() or int(raw) > MAX_LATENCY_MS:
            raise ValidationException(
                f"x-emulator-latency-ms must be a whole number of milliseconds from 0 "
                f"to {MAX_LATENCY_MS}; got '{raw}'."
            )
        return fault, int(raw)

    def _aws_faithful(self, request: ReceivedRequest) -> bool:
        asked = request.header("x-emulator-aws-faithful")
        if asked is None:
            return self.backend.config.aws_faithful
        return asked.strip().lower() in {"1", "true", "yes", "on"}

    def _unknown(self, request: ReceivedRequest) -> Response:
        logger.info("%s %s -> 404 no such operation", request.method, request.path)
        if request.path.startswith(urls.ADMIN_PREFIX):
            message = (
                f"No admin operation {request.method} {request.path}. The admin API "
                "has health, models, faults and requests under /_emulator/."
            )
        else:
            message = (
                f"No operation matches {request.method} {request.path}. The "
                "emulator serves POST /model/{modelId}/invoke and "
                "POST /model/{modelId}/converse."
            )
        return error_response(UnknownOperationException(message))

    def _record(self, call: _Call, response: Response) -> None:
        latency_ms = (time.perf_counter() - call.started) * 1000
        error_code = (
            response.headers.get("x-amzn-ErrorType", "").split(":", 1)[0] or None
        )
        signed = _signed_header_names(call)
        logger.info(
            "%s %s model=%s signed=%s -> %s%s in %.1f ms",
            call.request.method,
            call.request.path,
            call.model_id,
            ";".join(signed) or "-",
            response.status,
            f" {error_code}" if error_code else "",
            latency_ms,
        )
        if logger.isEnabledFor(logging.DEBUG):
            logger.debug("request body: %s", _shorten(call.request.body))
            logger.debug("response body: %s", _shorten(response.body))
        self.backend.requests.append(
            RequestRecord(
                time=datetime.now(timezone.utc).isoformat(timespec="milliseconds"),
                request_id=call.request_id,
                method=call.request.method,
                path=call.request.path,
                operation=call.operation,
                model_id=call.model_id,
                access_key_id=_access_key_id(call),
                signed_headers=signed,
                session_token=call.request.header("X-Amz-Security-Token") is not None,
                status=response.status,
                error_code=error_code,
                latency_ms=round(latency_ms, 2),
                input_tokens=call.answer.input_tokens if call.answer else None,
                output_tokens=call.answer.output_tokens if call.answer else None,
                fault=call.fault,
            )
        )


def _describe_authorization(call: _Call) -> Authorization | None:
    """The parsed Authorization header, also for calls that failed to verify."""
    if call.auth is not None:
        return call.auth
    header = call.request.header("Authorization")
    if not header:
        return None
    try:
        return parse_authorization(header)
    except BedrockError:
        return None


def _signed_header_names(call: _Call) -> tuple[str, ...]:
    auth = _describe_authorization(call)
    return auth.signed_headers if auth is not None else ()


def _access_key_id(call: _Call) -> str | None:
    auth = _describe_authorization(call)
    return auth.access_key_id if auth is not None else None


def _shorten(body: bytes) -> str:
    text = body.decode("utf-8", errors="replace")
    if len(text) <= _BODY_LOG_LIMIT:
        return text
    return f"{text[:_BODY_LOG_LIMIT]}… ({len(text)} characters in all)"
