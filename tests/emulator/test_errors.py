"""Every error reaches boto3 with AWS's code, HTTP status and message."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import botocore.auth
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.exceptions import ClientError

from helpers.emulator import EmulatorConfig, EmulatorServer

from ._support import (
    CLAUDE_HAIKU,
    EXPIRED_TOKEN,
    J2_MID,
    J2_ULTRA,
    REGION,
    TITAN_V1,
    TITAN_V2,
    ClientFactory,
    claude_body,
    invoke_json,
    jurassic_body,
    make_client,
    raises_client_error,
)

BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service "
    "documentation for details."
)
END_OF_LIFE = (
    "This model version has reached the end of its life. Please refer to the AWS "
    "documentation for more details."
)


def _invoke(client: Any, model_id: str, body: object) -> Any:
    raw = body if isinstance(body, str) else json.dumps(body)
    return client.invoke_model(modelId=model_id, body=raw)


# --- authentication -------------------------------------------------------------


def test_an_unknown_access_key_is_unrecognized(client_for: ClientFactory) -> None:
    client = client_for(access_key="AKIAUNKNOWNKEY00000")

    with raises_client_error(
        "UnrecognizedClientException",
        "The security token included in the request is invalid.",
        status=403,
    ):
        _invoke(client, J2_MID, jurassic_body())


def test_a_wrong_secret_key_gives_a_signature_mismatch(
    client_for: ClientFactory,
) -> None:
    client = client_for(secret_key="not-the-secret-the-emulator-expects")

    with raises_client_error("InvalidSignatureException", BAD_SIGNATURE, status=403):
        _invoke(client, J2_MID, jurassic_body())


def test_an_unsigned_request_is_denied_for_a_missing_authorization_header(
    emulator: EmulatorServer,
) -> None:
    import boto3

    client = boto3.client(
        "bedrock-runtime",
        endpoint_url=emulator.url,
        region_name=REGION,
        config=Config(signature_version=UNSIGNED, retries={"total_max_attempts": 1}),
    )

    with raises_client_error(
        "AccessDeniedException", "Authorization header is missing", status=403
    ):
        _invoke(client, J2_MID, jurassic_body())


def test_any_session_token_is_accepted_with_the_right_key_pair(
    client_for: ClientFactory,
) -> None:
    client = client_for(session_token="FwoGZXIvYXdzEXAMPLETOKEN")

    assert invoke_json(client, J2_MID, jurassic_body())["completions"]


def test_a_configured_expired_session_token_is_reported_expired(
    client_for: ClientFactory,
) -> None:
    client = client_for(session_token=EXPIRED_TOKEN)

    with raises_client_error(
        "ExpiredTokenException",
        "The security token included in the request is expired",
        status=403,
    ):
        _invoke(client, J2_MID, jurassic_body())


def test_a_configured_session_token_must_match_exactly() -> None:
    config = EmulatorConfig(session_token="the-only-valid-token")
    with EmulatorServer(port=0, config=config) as server:
        good = make_client(server.url, session_token="the-only-valid-token")
        assert invoke_json(good, TITAN_V1, {"inputText": "ok"})["embedding"]

        for token in ("another-token", None):
            with raises_client_error(
                "UnrecognizedClientException",
                "The security token included in the request is invalid.",
                status=403,
            ):
                _invoke(make_client(server.url, session_token=token), TITAN_V1, {})


@pytest.fixture
def clock_off_by(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    """Make botocore sign with a clock that is off by the given offset."""

    def shift(offset: timedelta) -> None:
        def skewed(remove_tzinfo: bool = True) -> datetime:
            moment = datetime.now(timezone.utc) + offset
            return moment.replace(tzinfo=None) if remove_tzinfo else moment

        monkeypatch.setattr(botocore.auth, "get_current_datetime", skewed)

    yield shift


def test_a_signature_older_than_five_minutes_has_expired(
    bedrock: Any, clock_off_by: Any
) -> None:
    clock_off_by(timedelta(minutes=-6))

    with raises_client_error(
        "InvalidSignatureException", status=403, starts_with="Signature expired: "
    ):
        _invoke(bedrock, J2_MID, jurassic_body())


def test_a_signature_from_the_future_is_not_yet_current(
    bedrock: Any, clock_off_by: Any
) -> None:
    clock_off_by(timedelta(minutes=7))

    with raises_client_error(
        "InvalidSignatureException",
        status=403,
        starts_with="Signature not yet current: ",
    ):
        _invoke(bedrock, J2_MID, jurassic_body())


def test_a_signature_four_minutes_old_is_still_accepted(
    bedrock: Any, clock_off_by: Any
) -> None:
    clock_off_by(timedelta(minutes=-4))

    assert invoke_json(bedrock, J2_MID, jurassic_body())["completions"]


def test_the_expired_signature_message_names_the_times_as_aws_does() -> None:
    now = datetime(2024, 1, 1, 12, 0, tzinfo=timezone.utc)
    config = EmulatorConfig(clock=lambda: now + timedelta(minutes=10))
    with EmulatorServer(port=0, config=config) as server:
        client = make_client(server.url)
        with raises_client_error(
            "InvalidSignatureException",
            "Signature expired: 20240101T120000Z is now earlier than "
            "20240101T120500Z (20240101T121000Z - 5 min.)",
            status=403,
        ):
            _signed_at(now, lambda: _invoke(client, J2_MID, jurassic_body()))


def _signed_at(moment: datetime, call: Any) -> None:
    original = botocore.auth.get_current_datetime
    botocore.auth.get_current_datetime = lambda remove_tzinfo=True: moment.replace(
        tzinfo=None
    )
    try:
        call()
    finally:
        botocore.auth.get_current_datetime = original


# --- request bodies ---------------------------------------------------------------


def test_an_unescaped_quote_in_the_prompt_is_reported_with_its_location(
    bedrock: Any,
) -> None:
    # What the tutorial's request_body template produces when the learner's
    # input contains a double quote: ${parameters.inputs} is pasted unescaped.
    template = json.dumps(jurassic_body("PROMPT"))
    body = template.replace("PROMPT", 'Who said "hello"?')

    with raises_client_error(
        "ValidationException",
        "Malformed input request: the body is not valid JSON: Expecting ',' "
        "delimiter at line 1 column 23 (char 22), just after "
        '\'{"prompt": "Who said "\' (a double quote inside a JSON string must be '
        'escaped as \\"; an unescaped one ends the string early), please reformat '
        "your input and try again.",
        status=400,
    ):
        _invoke(bedrock, J2_MID, body)


@pytest.mark.parametrize(
    ("model_id", "body", "problems"),
    [
        (J2_MID, {"maxTokens": 10}, "#: required key [prompt] not found"),
        (
            J2_ULTRA,
            jurassic_body(maxTokens="200"),
            "#/maxTokens: expected type: Integer, found: String",
        ),
        (
            J2_MID,
            jurassic_body(temperature=1.5, inputs="x"),
            "#: extraneous key [inputs] is not permitted"
            "#/temperature: 1.5 is not less or equal to 1",
        ),
        (
            J2_MID,
            jurassic_body(countPenalty={"scale": "0"}),
            "#/countPenalty/scale: expected type: Number, found: String",
        ),
        (
            CLAUDE_HAIKU,
            {"max_tokens": 10, "messages": []},
            "#: required key [anthropic_version] not found",
        ),
        (
            CLAUDE_HAIKU,
            claude_body(anthropic_version="bedrock-2023-06-01"),
            "#/anthropic_version: bedrock-2023-06-01 is not a valid enum value",
        ),
        (
            CLAUDE_HAIKU,
            claude_body(prompt="\n\nHuman: hi\n\nAssistant:"),
            "#: extraneous key [prompt] is not permitted",
        ),
        (
            TITAN_V1,
            {"inputText": "x", "dimensions": 256},
            "#: extraneous key [dimensions] is not permitted",
        ),
        (
            TITAN_V2,
            {"inputText": "x", "dimensions": 300},
            "#/dimensions: 300 is not a valid enum value",
        ),
        (TITAN_V2, {"inputText": ""}, "#/inputText: expected minLength: 1, actual: 0"),
    ],
)
def test_a_body_of_the_wrong_shape_names_the_offending_field(
    bedrock: Any, model_id: str, body: dict[str, Any], problems: str
) -> None:
    with raises_client_error(
        "ValidationException",
        f"Malformed input request: {problems}, please reformat your input and try "
        "again.",
        status=400,
    ):
        _invoke(bedrock, model_id, body)


def test_claude_refuses_more_output_tokens_than_the_model_allows(bedrock: Any) -> None:
    with raises_client_error(
        "ValidationException",
        "max_tokens: 5000 > 4096, which is the maximum allowed number of output "
        "tokens for claude-3-haiku-20240307",
        status=400,
    ):
        _invoke(bedrock, CLAUDE_HAIKU, claude_body(max_tokens=5000))


def test_an_unknown_model_is_not_found(bedrock: Any) -> None:
    with raises_client_error(
        "ResourceNotFoundException",
        "Could not resolve the foundation model from the provided model identifier.",
        status=404,
    ):
        _invoke(bedrock, "ai21.j2-grande-instruct", jurassic_body())


# --- AWS-faithful mode and faults --------------------------------------------------


def test_jurassic2_answers_end_of_life_when_a_call_asks_for_aws_faithfulness(
    client_for: ClientFactory,
) -> None:
    client = client_for(headers={"x-emulator-aws-faithful": "1"})

    with raises_client_error("ResourceNotFoundException", END_OF_LIFE, status=404):
        _invoke(client, J2_MID, jurassic_body())
    assert invoke_json(client, CLAUDE_HAIKU, claude_body())["content"]


def test_an_aws_faithful_emulator_refuses_both_jurassic2_models() -> None:
    with EmulatorServer(port=0, config=EmulatorConfig(aws_faithful=True)) as server:
        client = make_client(server.url)
        for model_id in (J2_MID, J2_ULTRA):
            with raises_client_error(
                "ResourceNotFoundException", END_OF_LIFE, status=404
            ):
                _invoke(client, model_id, jurassic_body())

        relaxed = make_client(server.url, headers={"x-emulator-aws-faithful": "0"})
        assert invoke_json(relaxed, J2_MID, jurassic_body())["completions"]


def test_the_aws_faithful_switch_is_read_from_the_environment() -> None:
    config = EmulatorConfig.from_env({"BEDROCK_EMULATOR_AWS_FAITHFUL": "1"})

    assert config.aws_faithful


@pytest.mark.parametrize(
    ("fault", "code", "status", "message"),
    [
        (
            "throttle",
            "ThrottlingException",
            429,
            "Too many requests, please wait before trying again.",
        ),
        (
            "internal",
            "InternalServerException",
            500,
            "The system encountered an unexpected error during processing. "
            "Try your request again.",
        ),
        (
            "unavailable",
            "ServiceUnavailableException",
            503,
            "Bedrock is unable to process your request.",
        ),
        (
            "expired-token",
            "ExpiredTokenException",
            403,
            "The security token included in the request is expired",
        ),
        ("eol", "ResourceNotFoundException", 404, END_OF_LIFE),
    ],
)
def test_a_fault_header_makes_that_call_fail_as_aws_would(
    client_for: ClientFactory, fault: str, code: str, status: int, message: str
) -> None:
    client = client_for(headers={"x-emulator-fault": fault})

    with raises_client_error(code, message, status=status):
        _invoke(client, CLAUDE_HAIKU, claude_body())


def test_errors_carry_the_error_type_header_and_a_request_id(
    client_for: ClientFactory,
) -> None:
    client = client_for(headers={"x-emulator-fault": "throttle"})

    with pytest.raises(ClientError) as caught:
        _invoke(client, J2_MID, jurassic_body())

    headers = caught.value.response["ResponseMetadata"]["HTTPHeaders"]
    assert headers["x-amzn-errortype"] == (
        "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/"
    )
    assert len(headers["x-amzn-requestid"]) == 36


def test_an_unknown_fault_name_is_refused(client_for: ClientFactory) -> None:
    client = client_for(headers={"x-emulator-fault": "meltdown"})

    with raises_client_error(
        "ValidationException",
        "x-emulator-fault must be one of throttle, internal, unavailable, "
        "expired-token, eol; got 'meltdown'.",
        status=400,
    ):
        _invoke(client, J2_MID, jurassic_body())


def test_a_latency_header_delays_the_answer(client_for: ClientFactory) -> None:
    client = client_for(headers={"x-emulator-latency-ms": "250"})

    started = time.perf_counter()
    invoke_json(client, TITAN_V2, {"inputText": "slow"})

    assert time.perf_counter() - started >= 0.25
