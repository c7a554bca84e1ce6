"""OpenSearch and ML Commons errors become messages that say what to do."""

from __future__ import annotations

import json
import re

import opensearchpy
import pytest
from tutorial_data import RESPONSES

from helpers._blueprints import CLAUDE_MODEL
from helpers._console import parse_console
from helpers._errors import CredentialsError, KitError, MLCommonsError
from helpers._translate import task_failed, translate

MODEL = "xiDN1YsBhjmsqc9X8vet"


def error_body(
    reason: str, status: int, kind: str = "illegal_argument_exception"
) -> dict[str, object]:
    """An OpenSearch error reply as the REST layer writes it."""
    return {
        "error": {
            "root_cause": [{"type": kind, "reason": reason}],
            "type": kind,
            "reason": reason,
        },
        "status": status,
    }


def remote(message: str, status: int) -> dict[str, object]:
    """ML Commons' reply when the remote model service answered an error."""
    reason = "Error from remote service: " + json.dumps({"message": message})
    return error_body(reason, status, "status_exception")


def test_the_tutorials_connector_update_refusal_says_to_undeploy() -> None:
    body = parse_console("PUT /x\n" + RESPONSES["connector_update_refused"])[0].body

    error = translate(500, body)

    assert isinstance(error, MLCommonsError)
    assert error.status == 500 and error.body == body
    assert error.what == (
        f"The connector cannot change while deployed models use it: {MODEL}"
    )
    assert error.fix == (
        f"undeploy model {MODEL} (POST /_plugins/_ml/models/{MODEL}/_undeploy), then "
        "update the connector, then deploy the model again"
    )


def test_a_transport_error_is_read_like_its_status_and_body() -> None:
    body = parse_console("PUT /x\n" + RESPONSES["connector_update_refused"])[0].body
    raised = opensearchpy.TransportError(500, "m_l_validation_exception", body)

    error = translate(raised)

    assert isinstance(error, MLCommonsError)
    assert error.status == 500
    assert f"undeploy model {MODEL}" in str(error)


def test_deleting_a_connector_in_use_names_its_models() -> None:
    reason = (
        "2 models are still using this connector, please delete or update the "
        "models first: [m1, m2]"
    )

    error = translate(409, error_body(reason, 409, "m_l_validation_exception"))

    assert error.what == "The connector cannot be deleted while models use it: m1, m2"


def test_an_untrusted_url_gets_a_settings_request_that_trusts_it() -> None:
    url = "http://127.0.0.1:8748/model/ai21.j2-mid-v1/invoke"
    reason = (
        "Connector URL is not matching the trusted connector endpoint regex, URL is: "
        + url
    )

    error = translate(400, error_body(reason, 400))

    assert isinstance(error, MLCommonsError)
    assert error.what == (
        f"ML Commons does not trust the connector URL {url}: it matches no pattern "
        "of plugins.ml_commons.trusted_connector_endpoints_regex"
    )
    assert error.fix is not None
    request = parse_console(error.fix[error.fix.index("PUT") :])[0]
    assert (request.method, request.path) == ("PUT", "/_cluster/settings")
    assert isinstance(request.body, dict)
    patterns = request.body["persistent"][
        "plugins.ml_commons.trusted_connector_endpoints_regex"
    ]
    assert patterns[1] == r"^http://127\.0\.0\.1:8748/.*$"
    assert re.match(patterns[1], url)
    assert re.match(
        patterns[0], "https://bedrock-runtime.us-east-1.amazonaws.com/model/m/invoke"
    )


def test_the_older_untrusted_url_message_is_read_too() -> None:
    reason = (
        "Not allowed URL in connector for remote model, "
        "URL is: https://api.openai1.com, "
        "trusted connector endpoint regex is: ^https://api\\.openai\\.com/.*$"
    )

    error = translate(400, error_body(reason, 400))

    assert "URL https://api.openai1.com:" in error.what
    assert error.fix is not None and r"^https://api\\.openai1\\.com/.*$" in error.fix


def test_a_private_address_names_the_setting_and_its_version() -> None:
    reason = "Remote inference host name has private ip address: 127.0.0.1"

    error = translate(400, error_body(reason, 400))

    assert error.what == (
        "ML Commons refuses to call 127.0.0.1: the host has a private IP address"
    )
    assert error.fix is not None
    assert '"plugins.ml_commons.connector.private_ip_enabled": true' in error.fix
    assert "2.15" in error.fix


def test_a_retired_model_points_at_a_current_one() -> None:
    message = (
        "This model version has reached the end of its life. Please refer to the AWS "
        "documentation for more details."
    )

    error = translate(404, remote(message, 404))

    assert isinstance(error, MLCommonsError) and error.status == 404
    assert error.what == f"Bedrock retired the model this connector calls: {message}"
    assert error.fix is not None
    assert "claude_messages_blueprint" in error.fix and CLAUDE_MODEL in error.fix


def test_a_remote_error_wrapped_as_plain_text_is_read() -> None:
    reason = (
        "Error from remote service: This model version has reached the end of its life."
    )

    error = translate(400, error_body(reason, 400, "status_exception"))

    assert error.what.startswith("Bedrock retired the model")


@pytest.mark.parametrize(
    "message",
    [
        "The request signature we calculated does not match the signature you "
        "provided. "
        "Check your AWS Secret Access Key and signing method. Consult the service "
        "documentation for details.",
        "The security token included in the request is invalid.",
    ],
)
def test_refused_aws_keys_are_a_credentials_error(message: str) -> None:
    error = translate(403, remote(message, 403))

    assert isinstance(error, CredentialsError)
    assert error.what == f"Bedrock refused the connector's AWS credentials: {message}"
    assert error.fix is not None and "access_key and secret_key" in error.fix


def test_an_access_key_id_is_masked_in_every_message() -> None:
    message = (
        "The AWS Access Key Id AKIAIOSFODNN7EXAMPLE does not exist in our records."
    )

    error = translate(403, remote(message, 403))

    assert "AKIAIOSFODNN7EXAMPLE" not in str(error)
    assert "AKIA...MPLE" in str(error)


def test_a_denied_model_asks_for_model_access() -> None:
    message = "You don't have access to the model with the specified model ID."

    error = translate(403, remote(message, 403))

    assert isinstance(error, MLCommonsError)
    assert error.fix is not None and "bedrock:InvokeModel" in error.fix


@pytest.mark.parametrize(
    "body",
    [
        remote("Too many requests, please wait before trying again.", 429),
        error_body(
            "Error from remote service: The request was denied due to remote server "
            "throttling. To change the retry policy and behavior, please update the "
            "connector client_config.",
            429,
            "remote_connector_throttling_exception",
        ),
    ],
)
def test_throttling_says_wait_and_retry(body: dict[str, object]) -> None:
    error = translate(429, body)

    assert isinstance(error, MLCommonsError) and error.status == 429
    assert error.fix is not None and error.fix.startswith(
        "wait a few seconds and retry"
    )


def test_an_invalid_payload_explains_the_unescaped_prompt() -> None:
    reason = 'Invalid payload: {"prompt":"{"q": "x"}","maxTokens":200}'

    error = translate(400, error_body(reason, 400))

    assert error.what.endswith("the result is not valid JSON")
    assert error.fix is not None
    assert "helpers.predict_parameters(prompt)" in error.fix
    assert "JSON object or array" in error.fix


def test_a_malformed_remote_request_names_the_schema_and_escaping() -> None:
    message = (
        "Malformed input request: #: required key [prompt] not found, please reformat "
        "your input and try again."
    )

    error = translate(400, remote(message, 400))

    assert error.what == f"Bedrock could not read the request body: {message}"
    assert error.fix is not None and "request schema" in error.fix
    assert "predict_parameters" in error.fix


def test_an_unfilled_placeholder_names_the_parameter() -> None:
    reason = "Some parameter placeholder not filled in payload: inputs"

    error = translate(400, error_body(reason, 400))

    assert error.what.endswith("no parameter filled: inputs")
    assert error.fix is not None and '{"parameters": {"inputs": "..."}}' in error.fix


@pytest.mark.parametrize(
    ("reason", "model"),
    [
        (
            f"Model not ready yet. Please run this first: POST /_plugins/_ml/models/"
            f"{MODEL}/_deploy",
            MODEL,
        ),
        ("Model not ready yet. Please deploy the model first.", "<model_id>"),
    ],
)
def test_an_undeployed_model_says_deploy_it(reason: str, model: str) -> None:
    error = translate(400, error_body(reason, 400))

    assert error.what == f"Model {model} is not deployed, so it cannot run predictions"
    assert error.fix is not None
    assert f"POST /_plugins/_ml/models/{model}/_deploy" in error.fix
    assert "DEPLOYED" in error.fix


def test_an_undeployed_model_is_named_by_the_caller_when_the_reason_omits_it() -> None:
    reason = "Model not ready yet. Please deploy the model first."

    error = translate(400, error_body(reason, 400), model_id=MODEL)

    assert error.what == f"Model {MODEL} is not deployed, so it cannot run predictions"
    assert error.fix is not None
    assert f"POST /_plugins/_ml/models/{MODEL}/_deploy" in error.fix


def test_the_211_only_setting_is_named_and_dropped() -> None:
    reason = (
        "persistent setting [plugins.ml_commons.update_connector.enabled], "
        "not recognized"
    )

    error = translate(400, error_body(reason, 400))

    assert error.what == (
        "This OpenSearch does not know the setting "
        "plugins.ml_commons.update_connector.enabled"
    )
    assert error.fix is not None and "only in OpenSearch 2.11" in error.fix
    assert "drop that line" in error.fix


def test_another_unknown_setting_asks_to_check_it() -> None:
    reason = "transient setting [plugins.ml_commons.nope], not recognized"

    error = translate(400, error_body(reason, 400))

    assert error.fix is not None and error.fix.startswith("check its spelling")


def test_a_taken_model_group_name_offers_the_existing_group() -> None:
    reason = (
        "The name you provided is already being used by a model group with ID: "
        "wiBt1YsBhjmsqc9XKPfL."
    )

    error = translate(400, error_body(reason, 400))

    assert error.what == (
        "A model group with this name exists already: wiBt1YsBhjmsqc9XKPfL"
    )
    assert error.fix is not None
    assert '"model_group_id": "wiBt1YsBhjmsqc9XKPfL"' in error.fix


def test_a_missing_ml_commons_index_means_not_initialised() -> None:
    body = error_body(
        "no such index [.plugins-ml-config]", 404, "index_not_found_exception"
    )
    body["error"]["index"] = ".plugins-ml-config"  # type: ignore[index]

    error = translate(404, body)

    assert error.what == (
        "ML Commons is not initialised yet: its index .plugins-ml-config does not exist"
    )
    assert error.fix is not None and "GET /.plugins-ml-config" in error.fix


def test_a_missing_user_index_is_named() -> None:
    body = error_body("no such index [docs]", 404, "index_not_found_exception")

    assert translate(404, body).what == "The index docs does not exist"


def test_an_unknown_error_keeps_the_status_and_the_servers_reason() -> None:
    body = error_body("[query] unknown token [START_ARRAY]", 400, "parsing_exception")

    error = translate(400, body)

    assert isinstance(error, MLCommonsError)
    assert error.status == 400 and error.body == body
    assert error.what == "OpenSearch answered 400: [query] unknown token [START_ARRAY]"
    assert error.fix is not None


def test_a_plain_text_body_is_the_reason() -> None:
    error = translate(502, "Bad Gateway")

    assert error.what == "OpenSearch answered 502: Bad Gateway"


def test_a_refused_connection_names_the_url_and_how_to_start_the_node() -> None:
    raised = opensearchpy.ConnectionError(
        "N/A", "refused", ConnectionRefusedError(111, "Connection refused")
    )

    error = translate(raised, url="http://localhost:9200")

    assert type(error) is KitError
    assert error.what.startswith("Nothing answers at http://localhost:9200:")
    assert error.fix is not None and "`python -m helpers node start`" in error.fix


def test_a_connection_error_without_url_finds_it_in_the_message() -> None:
    cause = Exception(
        "HTTPConnectionPool(host='localhost', port=9200): Max retries exceeded"
    )
    raised = opensearchpy.ConnectionError("N/A", str(cause), cause)

    assert translate(raised).what.startswith("Nothing answers at http://localhost:9200")


def test_a_timeout_says_the_node_did_not_answer_in_time() -> None:
    raised = opensearchpy.ConnectionTimeout("TIMEOUT", "timed out", TimeoutError())

    error = translate(raised, url="http://localhost:9200")

    assert error.what.startswith("http://localhost:9200 did not answer in time")


def test_a_failed_task_carries_its_error_and_the_fix_for_it() -> None:
    task = {
        "model_id": MODEL,
        "task_type": "DEPLOY_MODEL",
        "function_name": "REMOTE",
        "state": "FAILED",
        "worker_node": ["Wy2Qj6mJRbO5O9BHxbnFtw"],
        "error": json.dumps(
            {
                "Wy2Qj6mJRbO5O9BHxbnFtw": (
                    "Remote inference host name has private ip address: 127.0.0.1"
                )
            }
        ),
        "is_async": True,
    }

    error = task_failed(task)

    assert isinstance(error, MLCommonsError)
    assert error.what == (
        f"The deploy model task for model {MODEL} ended FAILED: ML Commons refuses to "
        "call 127.0.0.1: the host has a private IP address"
    )
    assert error.fix is not None and "private_ip_enabled" in error.fix
    assert error.body == task


def test_a_failed_task_with_an_unknown_error_shows_it() -> None:
    task = {"task_type": "REGISTER_MODEL", "state": "FAILED", "error": "disk full"}

    error = task_failed(task)

    assert error.what == "The register model task for no model ended FAILED: disk full"
    assert error.fix is not None
