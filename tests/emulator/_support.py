"""Constants, request bodies, client factory and assertions the emulator tests share."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from helpers._blueprints import JURASSIC2_REQUEST_BODY
from helpers.emulator import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY

REGION = "us-east-1"
EXPIRED_TOKEN = "session-token-that-has-expired"

J2_MID = "ai21.j2-mid-v1"
J2_ULTRA = "ai21.j2-ultra-v1"
CLAUDE_HAIKU = "anthropic.claude-3-haiku-20240307-v1:0"
CLAUDE_SONNET = "anthropic.claude-3-5-sonnet-20240620-v1:0"
TITAN_V1 = "amazon.titan-embed-text-v1"
TITAN_V2 = "amazon.titan-embed-text-v2:0"

MEANING_OF_LIFE = "What is the meaning of life?"

ClientFactory = Callable[..., Any]


def make_client(
    url: str,
    *,
    access_key: str = DEFAULT_ACCESS_KEY_ID,
    secret_key: str = DEFAULT_SECRET_ACCESS_KEY,
    session_token: str | None = None,
    headers: dict[str, str] | None = None,
) -> Any:
    """A real boto3 bedrock-runtime client: real signing, no retries."""
    client = boto3.client(
        "bedrock-runtime",
        endpoint_url=url,
        region_name=REGION,
        aws_access_key_id=access_key,
        aws_secret_access_key=secret_key,
        aws_session_token=session_token,
        config=Config(retries={"total_max_attempts": 1}),
    )
    if headers:

        def add_headers(request: Any, **_: Any) -> None:
            for name, value in headers.items():
                request.headers[name] = value

        client.meta.events.register("before-sign.bedrock-runtime.*", add_headers)
    return client


def invoke_json(client: Any, model_id: str, body: dict[str, Any]) -> dict[str, Any]:
    response = client.invoke_model(modelId=model_id, body=json.dumps(body))
    payload: dict[str, Any] = json.loads(response["body"].read())
    return payload


def jurassic_body(prompt: str = MEANING_OF_LIFE, **overrides: Any) -> dict[str, Any]:
    """The request body the tutorial's connector sends."""
    filled = JURASSIC2_REQUEST_BODY.replace(
        '"${parameters.inputs}"', json.dumps(prompt)
    )
    body: dict[str, Any] = json.loads(filled)
    body.update(overrides)
    return body


def claude_body(text: str = MEANING_OF_LIFE, **overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 300,
        "messages": [{"role": "user", "content": [{"type": "text", "text": text}]}],
    }
    body.update(overrides)
    return body


@contextmanager
def raises_client_error(
    code: str, message: str | None = None, *, status: int, starts_with: str = ""
) -> Iterator[None]:
    """Expect a botocore ClientError with this code, HTTP status and message."""
    with pytest.raises(ClientError) as caught:
        yield
    # Plain asserts in a helper module are not rewritten by pytest, so each
    # one states what it saw.
    error = caught.value.response["Error"]
    assert error["Code"] == code, error
    status_seen = caught.value.response["ResponseMetadata"]["HTTPStatusCode"]
    assert status_seen == status, status_seen
    if message is not None:
        assert error["Message"] == message, error["Message"]
    assert error["Message"].startswith(starts_with), error["Message"]
