"""Signatures made the way ML Commons' Java signer makes them verify too."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from helpers.emulator import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_SECRET_ACCESS_KEY,
    EmulatorServer,
)

from ._java_signer import java_canonical_uri, send, signed_headers_like_java
from ._support import CLAUDE_HAIKU, J2_MID, claude_body, jurassic_body

BAD_SIGNATURE = (
    "The request signature we calculated does not match the signature you provided. "
    "Check your AWS Secret Access Key and signing method. Consult the service "
    "documentation for details."
)


def _java_call(
    emulator: EmulatorServer,
    path: str,
    body: bytes,
    *,
    chunked: bool = False,
    tamper: Callable[[dict[str, str]], None] | None = None,
    **signing: object,
) -> tuple[int, dict[str, str], dict[str, object]]:
    url = emulator.url + path
    options: dict[str, Any] = {
        "access_key": DEFAULT_ACCESS_KEY_ID,
        "secret_key": DEFAULT_SECRET_ACCESS_KEY,
        **signing,
    }
    headers = signed_headers_like_java(method="POST", url=url, body=body, **options)
    if tamper is not None:
        tamper(headers)
    response = send("POST", url, headers, body, chunked=chunked)
    return response.status, response.headers, json.loads(response.body)


def _replace_in(name: str, old: str, new: str) -> Callable[[dict[str, str]], None]:
    def tamper(headers: dict[str, str]) -> None:
        headers[name] = headers[name].replace(old, new) if old else new

    return tamper


def test_the_java_rule_encodes_the_wire_path_once_more() -> None:
    assert java_canonical_uri("/model/claude-v1%3A0/invoke") == (
        "/model/claude-v1%253A0/invoke"
    )
    assert (
        java_canonical_uri("/model/claude-v1:0/invoke") == "/model/claude-v1%3A0/invoke"
    )


@pytest.mark.parametrize(
    "wire_model_id",
    [
        "anthropic.claude-3-haiku-20240307-v1%3A0",  # encoded once on the wire
        "anthropic.claude-3-haiku-20240307-v1:0",  # sent as ML Commons builds it
    ],
)
def test_a_java_signed_request_verifies_whichever_way_the_colon_is_sent(
    emulator: EmulatorServer, wire_model_id: str
) -> None:
    body = json.dumps(claude_body()).encode()

    status, _, answer = _java_call(emulator, f"/model/{wire_model_id}/invoke", body)

    assert status == 200, answer
    assert answer["model"] == "claude-3-haiku-20240307"


def test_a_path_signed_without_the_second_encoding_is_refused(
    emulator: EmulatorServer,
) -> None:
    body = json.dumps(claude_body()).encode()
    path = "/model/anthropic.claude-3-haiku-20240307-v1%3A0/invoke"

    status, _, answer = _java_call(emulator, path, body, double_encode=False)

    assert (status, answer) == (403, {"message": BAD_SIGNATURE})


def test_a_java_signed_request_with_session_token_and_payload_hash_verifies(
    emulator: EmulatorServer,
) -> None:
    body = json.dumps(jurassic_body()).encode()

    status, _, answer = _java_call(
        emulator,
        f"/model/{J2_MID}/invoke",
        body,
        session_token="IQoJb3JpZ2luX2VjEXAMPLE",
        content_sha256=True,
    )

    assert status == 200, answer
    assert answer["completions"]


def test_a_chunked_request_body_is_read_and_verified(emulator: EmulatorServer) -> None:
    body = json.dumps(jurassic_body("What is ML Commons?")).encode()

    status, _, answer = _java_call(
        emulator, f"/model/{J2_MID}/invoke", body, chunked=True
    )

    assert status == 200, answer
    assert "ML Commons" in str(answer["completions"])


def test_a_region_other_than_us_east_1_is_accepted(emulator: EmulatorServer) -> None:
    body = json.dumps(jurassic_body()).encode()

    status, _, answer = _java_call(
        emulator, f"/model/{J2_MID}/invoke", body, region="eu-west-3"
    )

    assert status == 200, answer


def test_a_scope_region_changed_after_signing_breaks_the_signature(
    emulator: EmulatorServer,
) -> None:
    body = json.dumps(jurassic_body()).encode()

    status, headers, answer = _java_call(
        emulator,
        f"/model/{J2_MID}/invoke",
        body,
        tamper=_replace_in("Authorization", "/us-east-1/", "/us-west-2/"),
    )

    assert (status, answer) == (403, {"message": BAD_SIGNATURE})
    assert headers["x-amzn-ErrorType"].startswith("InvalidSignatureException:")


def test_a_body_changed_after_signing_breaks_the_signature(
    emulator: EmulatorServer,
) -> None:
    signed_body = json.dumps(jurassic_body()).encode()
    url = emulator.url + f"/model/{J2_MID}/invoke"
    headers = signed_headers_like_java(
        method="POST",
        url=url,
        body=signed_body,
        access_key=DEFAULT_ACCESS_KEY_ID,
        secret_key=DEFAULT_SECRET_ACCESS_KEY,
    )

    response = send("POST", url, headers, signed_body.replace(b"200", b"300"))

    assert response.status == 403
    assert json.loads(response.body) == {"message": BAD_SIGNATURE}


def test_a_payload_hash_that_does_not_match_the_body_is_refused(
    emulator: EmulatorServer,
) -> None:
    body = json.dumps(jurassic_body()).encode()

    status, _, answer = _java_call(
        emulator,
        f"/model/{J2_MID}/invoke",
        body,
        content_sha256=True,
        tamper=_replace_in("x-amz-content-sha256", "", "0" * 64),
    )

    assert status == 403
    assert answer == {
        "message": "The provided 'x-amz-content-sha256' header does not match what "
        "was computed."
    }


def test_the_host_header_must_be_signed(emulator: EmulatorServer) -> None:
    body = json.dumps(jurassic_body()).encode()

    status, _, answer = _java_call(
        emulator,
        f"/model/{J2_MID}/invoke",
        body,
        tamper=_replace_in("Authorization", ";host;", ";"),
    )

    assert status == 403
    assert answer == {
        "message": "'Host' must be a 'SignedHeader' in the AWS Authorization."
    }


def test_the_credential_must_be_scoped_to_bedrock(emulator: EmulatorServer) -> None:
    body = json.dumps(claude_body()).encode()

    status, _, answer = _java_call(
        emulator,
        f"/model/{CLAUDE_HAIKU}/invoke",
        body,
        tamper=_replace_in("Authorization", "/bedrock/", "/sagemaker/"),
    )

    assert status == 403
    assert answer == {
        "message": "Credential should be scoped to correct service: 'bedrock'."
    }


def test_an_authorization_header_without_its_parts_is_incomplete(
    emulator: EmulatorServer,
) -> None:
    url = emulator.url + f"/model/{J2_MID}/invoke"
    headers = {"Host": url.split("/")[2], "Authorization": "AWS4-HMAC-SHA256 Foo=bar"}

    response = send("POST", url, headers, b"{}")

    assert response.status == 403
    assert response.headers["x-amzn-ErrorType"].startswith(
        "IncompleteSignatureException:"
    )
    assert json.loads(response.body) == {
        "message": "Authorization header requires 'Credential' parameter. "
        "Authorization header requires 'Signature' parameter. Authorization header "
        "requires 'SignedHeaders' parameter."
    }
