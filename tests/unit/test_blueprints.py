"""Blueprints match the tutorial, and predict parameters reach the model intact."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from mlcommons_model import PayloadRefused, escape_json, predict_payload, substitute
from tutorial_data import REQUESTS

from helpers._blueprints import (
    CLAUDE_MODEL,
    JURASSIC2_REQUEST_BODY,
    AwsCredentials,
    ConnectorBlueprint,
    claude_messages_blueprint,
    converse_blueprint,
    jurassic2_blueprint,
    predict_parameters,
    titan_embedding_blueprint,
)
from helpers._console import parse_console
from helpers._errors import KitError

TUTORIAL_KEYS = AwsCredentials("<YOUR AWS ACCESS KEY>", "<YOUR AWS SECRET KEY>")
KEYS = AwsCredentials(
    "AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY", "token-123"
)
EMULATOR = "http://127.0.0.1:8748"

CONNECTOR_PARAMETERS = {
    "region": "us-east-1",
    "service_name": "bedrock",
    "model_name": "ai21.j2-mid-v1",
}

PROMPTS = [
    "What is the meaning of life?",
    'He said "hi" and left',
    'a backslash \\ and an escaped quote \\" too',
    "line one\nline two\r\nline three",
    "tab\there",
    "unicode: café, 東京, emoji 🙂",
    "a NUL \x00 and a bell \x07",
    "looks like a placeholder: ${parameters.region}",
    "names itself: ${parameters.inputs}",
    "already escaped: $${parameters.region} and a lone $ sign",
    "slashes / and </script>",
    "[1, 2, 3]",
    "{}",
    "",
]


def tutorial_body(name: str) -> object:
    return parse_console(REQUESTS[name])[0].body


def test_the_jurassic2_blueprint_is_the_tutorials_connector() -> None:
    assert jurassic2_blueprint(TUTORIAL_KEYS) == tutorial_body("connector_create")


def test_the_post_process_variant_is_the_tutorials_connector_update() -> None:
    blueprint = jurassic2_blueprint(TUTORIAL_KEYS, post_process=True)

    assert blueprint == tutorial_body("connector_update")
    assert blueprint["actions"][0]["post_process_function"] == (
        "\n  return params['completions'][0].data.text; \n"
    )


def test_the_blueprint_keeps_the_tutorials_field_order() -> None:
    body = tutorial_body("connector_create")

    assert isinstance(body, dict)
    assert list(jurassic2_blueprint(TUTORIAL_KEYS)) == list(body)


def test_an_endpoint_replaces_only_the_bedrock_host() -> None:
    default = jurassic2_blueprint(TUTORIAL_KEYS)
    local = jurassic2_blueprint(TUTORIAL_KEYS, endpoint=EMULATOR + "/")

    assert local["actions"][0]["url"] == (
        "http://127.0.0.1:8748/model/${parameters.model_name}/invoke"
    )
    local["actions"][0]["url"] = default["actions"][0]["url"]
    assert local == default


def test_a_session_token_joins_the_credential_only_when_given() -> None:
    assert jurassic2_blueprint(KEYS)["credential"] == {
        "access_key": KEYS.access_key,
        "secret_key": KEYS.secret_key,
        "session_token": "token-123",
    }
    assert "session_token" not in jurassic2_blueprint(TUTORIAL_KEYS)["credential"]


def test_credentials_never_show_their_secret() -> None:
    for shown in (repr(KEYS), str(KEYS), repr([KEYS]), f"{KEYS!r}"):
        assert KEYS.secret_key not in shown
        assert "token-123" not in shown
        assert KEYS.access_key not in shown
    assert repr(KEYS) == (
        "AwsCredentials(access_key='AKIA...MPLE', secret_key='***', "
        "session_token='***')"
    )
    assert "session_token=None" in repr(TUTORIAL_KEYS)


BLUEPRINTS: dict[str, Callable[..., ConnectorBlueprint]] = {
    "jurassic2": jurassic2_blueprint,
    "claude": claude_messages_blueprint,
    "converse": converse_blueprint,
    "titan": titan_embedding_blueprint,
}


@pytest.mark.parametrize("name", list(BLUEPRINTS))
def test_every_blueprint_is_a_bedrock_sigv4_connector(name: str) -> None:
    blueprint = BLUEPRINTS[name](KEYS)

    assert blueprint["protocol"] == "aws_sigv4"
    assert blueprint["parameters"]["service_name"] == "bedrock"
    assert blueprint["parameters"]["region"] == "us-east-1"
    (action,) = blueprint["actions"]
    assert action["action_type"] == "predict"
    assert action["url"].startswith("https://bedrock-runtime.${parameters.region}.")


@pytest.mark.parametrize("name", list(BLUEPRINTS))
def test_every_blueprint_takes_the_emulator_endpoint(name: str) -> None:
    url = BLUEPRINTS[name](KEYS, endpoint=EMULATOR)["actions"][0]["url"]

    assert url.startswith(EMULATOR + "/model/${parameters.")


@pytest.mark.parametrize("name", list(BLUEPRINTS))
def test_every_request_body_is_json_once_filled(name: str) -> None:
    blueprint = BLUEPRINTS[name](KEYS)
    template = blueprint["actions"][0]["request_body"]

    filled = substitute(template, {"inputs": "x", "inputText": "x"})

    assert json.loads(filled)


def test_the_claude_blueprint_sends_one_user_message() -> None:
    blueprint = claude_messages_blueprint(KEYS, max_tokens=300)
    action = blueprint["actions"][0]

    body = json.loads(substitute(action["request_body"], {"inputs": "Hello"}))

    assert action["url"].endswith("/model/${parameters.model_name}/invoke")
    assert blueprint["parameters"]["model_name"] == CLAUDE_MODEL
    assert body == {
        "anthropic_version": "bedrock-2023-05-31",
        "max_tokens": 300,
        "messages": [{"role": "user", "content": [{"type": "text", "text": "Hello"}]}],
    }
    assert "params['content'][0].text" in action["post_process_function"]


def test_the_converse_blueprint_calls_converse_with_its_model_parameter() -> None:
    blueprint = converse_blueprint(KEYS, model="amazon.nova-micro-v1:0")
    action = blueprint["actions"][0]

    body = json.loads(substitute(action["request_body"], {"inputs": "Hello"}))

    assert action["url"] == (
        "https://bedrock-runtime.${parameters.region}.amazonaws.com"
        "/model/${parameters.model}/converse"
    )
    assert blueprint["parameters"]["model"] == "amazon.nova-micro-v1:0"
    assert body["messages"] == [{"role": "user", "content": [{"text": "Hello"}]}]
    assert "['output']['message']['content'][0].text" in action["post_process_function"]


def test_the_titan_blueprint_uses_ml_commons_builtin_functions() -> None:
    action = titan_embedding_blueprint(KEYS)["actions"][0]

    assert action["pre_process_function"] == "connector.pre_process.bedrock.embedding"
    assert action["post_process_function"] == "connector.post_process.bedrock.embedding"
    assert json.loads(action["request_body"]) == {
        "inputText": "${parameters.inputText}"
    }


def test_the_tutorials_template_breaks_on_a_quote_without_escaping() -> None:
    # ML Commons 2.9 and earlier substitute the prompt as it is.
    payload = predict_payload(
        JURASSIC2_REQUEST_BODY, CONNECTOR_PARAMETERS, {"inputs": 'say "hi"'}, (2, 9)
    )

    with pytest.raises(ValueError):
        json.loads(payload)


def model_receives(prompt: str, version: str) -> str:
    parameters = predict_parameters(prompt, opensearch_version=version)
    major, minor = (int(part) for part in version.split(".")[:2])
    payload = predict_payload(
        JURASSIC2_REQUEST_BODY, CONNECTOR_PARAMETERS, parameters, (major, minor)
    )
    received = json.loads(payload)["prompt"]
    assert isinstance(received, str)
    return received


@pytest.mark.parametrize("prompt", PROMPTS)
def test_a_prompt_escaped_for_an_old_ml_commons_arrives_intact(prompt: str) -> None:
    assert model_receives(prompt, "2.9.0") == prompt


@pytest.mark.parametrize("prompt", PROMPTS)
def test_a_prompt_for_a_current_ml_commons_arrives_intact(prompt: str) -> None:
    assert model_receives(prompt, "2.19.6") == prompt


def test_old_versions_get_json_escaped_text_without_quotes() -> None:
    parameters = predict_parameters('a "b"\n$x', opensearch_version="2.9.0")

    assert parameters == {"inputs": 'a \\"b\\"\\n\\u0024x'}


def test_current_versions_get_the_prompt_unescaped() -> None:
    prompt = 'He said "hi"\n'

    assert predict_parameters(prompt, opensearch_version="2.19.6") == {"inputs": prompt}


def test_escaping_twice_would_reach_the_model_as_backslashes() -> None:
    # Why the kit does not escape for ML Commons 2.10+: it escapes again.
    escaped = json.dumps('say "hi"')[1:-1]

    payload = predict_payload(
        JURASSIC2_REQUEST_BODY, CONNECTOR_PARAMETERS, {"inputs": escaped}, (2, 19)
    )

    assert json.loads(payload)["prompt"] == 'say \\"hi\\"'


def test_a_json_object_prompt_is_refused_where_ml_commons_would_not_escape_it() -> None:
    prompt = '{"question": "why?"}'

    with pytest.raises(KitError) as caught:
        predict_parameters(prompt, opensearch_version="2.19.6")

    assert "JSON object or array" in caught.value.what
    assert (
        caught.value.fix is not None and "put words around the JSON" in caught.value.fix
    )
    with pytest.raises(ValueError):
        # What ML Commons would have sent.
        json.loads(
            predict_payload(
                JURASSIC2_REQUEST_BODY,
                CONNECTOR_PARAMETERS,
                {"inputs": prompt},
                (2, 19),
            )
        )


def test_a_json_object_prompt_goes_through_an_old_ml_commons() -> None:
    prompt = '{"question": "why?"}'

    assert model_receives(prompt, "2.9.0") == prompt


def test_placeholder_text_turns_off_the_unfilled_placeholder_check() -> None:
    parameters = predict_parameters(
        "cost in ${parameters.region}?", opensearch_version="2.17.0"
    )

    assert parameters == {
        "inputs": "cost in $${parameters.region}?",
        "skip_validating_missing_parameters": "true",
    }


def test_placeholder_text_is_refused_before_ml_commons_2_17() -> None:
    with pytest.raises(KitError, match=r"ML Commons 2\.15 refuses"):
        predict_parameters("${parameters.region}", opensearch_version="2.15.0")
    with pytest.raises(PayloadRefused):
        predict_payload(
            JURASSIC2_REQUEST_BODY,
            CONNECTOR_PARAMETERS,
            {"inputs": "$${parameters.region}"},
            (2, 15),
        )


def test_the_version_defaults_to_the_kits_node(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OPENSEARCH_VERSION", "2.9.1")

    assert predict_parameters('"') == {"inputs": '\\"'}


def test_a_malformed_version_is_refused() -> None:
    with pytest.raises(KitError, match="'latest' is not an OpenSearch version"):
        predict_parameters("hi", opensearch_version="latest")


def test_the_escape_model_matches_java_for_non_ascii() -> None:
    # Commons Text writes UTF-16 escapes, which JSON decodes back exactly.
    assert escape_json("é🙂/") == "\\u00E9\\uD83D\\uDE42\\/"
    assert json.loads('"' + escape_json("é🙂/") + '"') == "é🙂/"
