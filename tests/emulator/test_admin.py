"""The unsigned admin API: health, faults that count down, and the request log."""

from __future__ import annotations

import json
import logging
import re
import time
import urllib.error
import urllib.request
from typing import Any

import pytest

from helpers.emulator import DEFAULT_SECRET_ACCESS_KEY, EmulatorServer

from ._support import (
    CLAUDE_HAIKU,
    J2_MID,
    TITAN_V2,
    ClientFactory,
    claude_body,
    invoke_json,
    jurassic_body,
    raises_client_error,
)


def admin(
    emulator: EmulatorServer, method: str, path: str, body: object = None
) -> tuple[int, Any]:
    """Call the admin API the way a notebook would: plain HTTP, no signature."""
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(emulator.url + path, data=data, method=method)
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_health_answers_ok_without_a_signature(emulator: EmulatorServer) -> None:
    assert admin(emulator, "GET", "/_emulator/health") == (200, {"status": "ok"})


def test_the_catalogue_lists_every_model_the_emulator_serves(
    emulator: EmulatorServer,
) -> None:
    status, body = admin(emulator, "GET", "/_emulator/models")

    assert status == 200
    ids = {model["model_id"] for model in body["models"]}
    assert {J2_MID, CLAUDE_HAIKU, TITAN_V2} <= ids


def test_a_fault_with_a_count_fails_that_many_calls_then_stops(
    emulator: EmulatorServer, bedrock: Any
) -> None:
    rule = {"model": J2_MID, "fault": "throttle", "count": 2}
    assert admin(emulator, "PUT", "/_emulator/faults", rule)[0] == 200

    for _ in range(2):
        with raises_client_error(
            "ThrottlingException",
            "Too many requests, please wait before trying again.",
            status=429,
        ):
            invoke_json(bedrock, J2_MID, jurassic_body())

    assert invoke_json(bedrock, J2_MID, jurassic_body())["completions"]
    assert admin(emulator, "GET", "/_emulator/faults") == (200, {"faults": []})


def test_a_fault_applies_only_to_its_model(
    emulator: EmulatorServer, bedrock: Any
) -> None:
    admin(emulator, "PUT", "/_emulator/faults", {"model": J2_MID, "fault": "internal"})

    assert invoke_json(bedrock, CLAUDE_HAIKU, claude_body())["content"]
    with raises_client_error("InternalServerException", status=500):
        invoke_json(bedrock, J2_MID, jurassic_body())


def test_a_fault_without_a_count_lasts_until_deleted(
    emulator: EmulatorServer, bedrock: Any
) -> None:
    admin(emulator, "PUT", "/_emulator/faults", {"model": "*", "fault": "unavailable"})

    for model_id, body in ((J2_MID, jurassic_body()), (CLAUDE_HAIKU, claude_body())):
        with raises_client_error("ServiceUnavailableException", status=503):
            invoke_json(bedrock, model_id, body)
    _, listed = admin(emulator, "GET", "/_emulator/faults")
    assert listed == {
        "faults": [
            {"model": "*", "fault": "unavailable", "count": None, "latency_ms": 0}
        ]
    }

    assert admin(emulator, "DELETE", "/_emulator/faults") == (200, {"deleted": 1})
    assert invoke_json(bedrock, J2_MID, jurassic_body())["completions"]


def test_a_fault_header_takes_precedence_and_leaves_the_rule_untouched(
    emulator: EmulatorServer, client_for: ClientFactory
) -> None:
    admin(
        emulator,
        "PUT",
        "/_emulator/faults",
        {"model": J2_MID, "fault": "eol", "count": 1},
    )
    client = client_for(headers={"x-emulator-fault": "throttle"})

    with raises_client_error("ThrottlingException", status=429):
        invoke_json(client, J2_MID, jurassic_body())

    assert admin(emulator, "GET", "/_emulator/faults")[1]["faults"][0]["count"] == 1


def test_a_latency_rule_slows_down_calls_to_its_model(
    emulator: EmulatorServer, bedrock: Any
) -> None:
    admin(emulator, "PUT", "/_emulator/faults", {"model": TITAN_V2, "latency_ms": 200})

    started = time.perf_counter()
    invoke_json(bedrock, TITAN_V2, {"inputText": "slow"})

    assert time.perf_counter() - started >= 0.2


@pytest.mark.parametrize(
    ("rule", "message"),
    [
        (
            {"model": "ai21.j2-light-v1", "fault": "throttle"},
            'model must be a model ID the emulator serves or "*", got '
            "'ai21.j2-light-v1'.",
        ),
        (
            {"model": J2_MID, "fault": "explode"},
            "fault must be one of throttle, internal, unavailable, expired-token, "
            "eol (or null), got 'explode'.",
        ),
        (
            {"model": J2_MID, "fault": "throttle", "count": 0},
            "count must be a positive integer or null, got 0.",
        ),
        (
            {"model": J2_MID},
            "A fault rule needs a fault, a latency_ms, or both; to clear rules, send "
            "DELETE /_emulator/faults.",
        ),
    ],
)
def test_a_malformed_fault_rule_is_refused_with_the_reason(
    emulator: EmulatorServer, rule: dict[str, Any], message: str
) -> None:
    status, body = admin(emulator, "PUT", "/_emulator/faults", rule)

    assert status == 400
    assert body["message"].startswith(message)


def test_the_request_log_lists_recent_calls_without_secrets(
    emulator: EmulatorServer, client_for: ClientFactory
) -> None:
    admin(emulator, "DELETE", "/_emulator/requests")
    client = client_for(session_token="secret-session-token-value")
    invoke_json(client, J2_MID, jurassic_body())
    invoke_json(client, TITAN_V2, {"inputText": "hello"})

    status, body = admin(emulator, "GET", "/_emulator/requests?limit=1")

    assert status == 200
    [record] = body["requests"]
    assert record["model_id"] == TITAN_V2
    assert record["operation"] == "InvokeModel"
    assert record["status"] == 200
    assert record["signed_headers"] == ["host", "x-amz-date", "x-amz-security-token"]
    assert record["session_token"] is True
    assert record["input_tokens"] == 1
    assert len(admin(emulator, "GET", "/_emulator/requests")[1]["requests"]) == 2
    dumped = json.dumps(body)
    assert "secret-session-token-value" not in dumped
    assert DEFAULT_SECRET_ACCESS_KEY not in dumped


def test_the_log_never_holds_the_secret_the_token_or_the_signature(
    emulator: EmulatorServer,
    client_for: ClientFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    token = "session-token-that-must-stay-private"
    client = client_for(session_token=token)
    sent: list[str] = []
    client.meta.events.register(
        "before-send.bedrock-runtime.*",
        lambda request, **_: sent.append(request.headers["Authorization"].decode()),
    )
    bad_client = client_for(secret_key="a-wrong-secret-key-for-the-test")

    with caplog.at_level(logging.DEBUG, logger="helpers.emulator"):
        invoke_json(client, CLAUDE_HAIKU, claude_body())
        with raises_client_error("InvalidSignatureException", status=403):
            invoke_json(bad_client, J2_MID, jurassic_body())

    signature = re.search(r"Signature=([0-9a-f]{64})", sent[0])
    assert signature is not None
    requests = json.dumps(admin(emulator, "GET", "/_emulator/requests")[1])
    for text in (caplog.text, requests):
        for private in (signature.group(1), token, DEFAULT_SECRET_ACCESS_KEY):
            assert private not in text
        assert "a-wrong-secret-key-for-the-test" not in text


def test_each_runtime_call_logs_one_info_line_a_learner_can_read(
    emulator: EmulatorServer, bedrock: Any, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.INFO, logger="helpers.emulator"):
        invoke_json(bedrock, CLAUDE_HAIKU, claude_body())

    [line] = [r.getMessage() for r in caplog.records if r.levelno == logging.INFO]
    assert re.fullmatch(
        r"POST /model/anthropic\.claude-3-haiku-20240307-v1%3A0/invoke "
        r"model=anthropic\.claude-3-haiku-20240307-v1:0 "
        r"signed=host;x-amz-date -> 200 in \d+\.\d ms",
        line,
    ), line


def test_an_unknown_admin_path_says_what_exists(emulator: EmulatorServer) -> None:
    status, body = admin(emulator, "GET", "/_emulator/nothing")

    assert status == 404
    assert "health, models, faults and requests" in body["message"]
