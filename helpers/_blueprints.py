"""Connector blueprints for Amazon Bedrock, as the JSON ML Commons expects.

Each builder returns the body of ``POST /_plugins/_ml/connectors/_create`` (or
of the connector update). The Jurassic-2 blueprint is the tutorial's, field for
field; the others follow the same shape for models Bedrock still serves.

Every builder takes an ``endpoint``: without one the action calls Bedrock in
the connector's region, with one (the kit's emulator, say) it calls
``<endpoint>/model/...`` instead. ML Commons only accepts an endpoint that
matches ``plugins.ml_commons.trusted_connector_endpoints_regex``.

Prompts and escaping
--------------------
A request body template such as ``{"prompt":"${parameters.inputs}"}`` puts the
predict parameter between quotes, so the substituted text must be valid inside
a JSON string. ML Commons 2.10 and later escape each predict parameter
(Apache Commons Text ``escapeJson``) unless the value itself parses as a JSON
object or array; 2.9 and earlier escape nothing. :func:`predict_parameters`
prepares a prompt for either case, so the model receives exactly the prompt.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypedDict

from ._errors import KitError

__all__ = [
    "CLAUDE_MODEL",
    "CONVERSE_MODEL",
    "JURASSIC2_POST_PROCESS",
    "JURASSIC2_REQUEST_BODY",
    "TITAN_EMBEDDING_MODEL",
    "AwsCredentials",
    "ConnectorAction",
    "ConnectorBlueprint",
    "bedrock_runtime_url",
    "claude_messages_blueprint",
    "converse_blueprint",
    "jurassic2_blueprint",
    "mask_access_key",
    "predict_parameters",
    "titan_embedding_blueprint",
]

# Bedrock retired Jurassic-2; these are the defaults for the current blueprints.
# Claude 3 Haiku takes on-demand calls by its plain model id in every region
# that serves it; newer Claude models need an inference profile id instead.
CLAUDE_MODEL = "anthropic.claude-3-haiku-20240307-v1:0"
CONVERSE_MODEL = CLAUDE_MODEL
TITAN_EMBEDDING_MODEL = "amazon.titan-embed-text-v2:0"

_BEDROCK_RUNTIME = "https://bedrock-runtime.${parameters.region}.amazonaws.com"
_ANTHROPIC_VERSION = "bedrock-2023-05-31"

# The tutorial's Jurassic-2 request body and post-process script, verbatim.
JURASSIC2_REQUEST_BODY = (
    '{"prompt":"${parameters.inputs}","maxTokens":200,"temperature":0.7,"topP":1,'
    '"stopSequences":[],"countPenalty":{"scale":0},"presencePenalty":{"scale":0},'
    '"frequencyPenalty":{"scale":0}}'
)
JURASSIC2_POST_PROCESS = "\n  return params['completions'][0].data.text; \n"

# ML Commons' built-in functions between text documents and Titan embeddings.
_BEDROCK_EMBEDDING_PRE_PROCESS = "connector.pre_process.bedrock.embedding"
_BEDROCK_EMBEDDING_POST_PROCESS = "connector.post_process.bedrock.embedding"

# The first ML Commons release that escapes predict parameters itself.
_ESCAPING_SINCE = (2, 10)
# The first that lets a predict call skip the unfilled-placeholder check.
_SKIP_VALIDATION_SINCE = (2, 17)


def mask_access_key(access_key: str) -> str:
    """Enough of an access key id to tell keys apart, never all of it."""
    if len(access_key) < 12:
        return "***"
    return f"{access_key[:4]}...{access_key[-4:]}"


@dataclass(frozen=True, repr=False)
class AwsCredentials:
    """The AWS keys a ``aws_sigv4`` connector signs Bedrock calls with.

    The repr shows the access key id masked and never the secret or the token,
    so the object can be logged or shown in a notebook.
    """

    access_key: str
    secret_key: str
    session_token: str | None = None

    def __repr__(self) -> str:
        token = "'***'" if self.session_token else "None"
        return (
            f"AwsCredentials(access_key={mask_access_key(self.access_key)!r}, "
            f"secret_key='***', session_token={token})"
        )

    def connector_credential(self) -> dict[str, str]:
        """The ``credential`` object of a connector."""
        credential = {"access_key": self.access_key, "secret_key": self.secret_key}
        if self.session_token:
            credential["session_token"] = self.session_token
        return credential


class _ConnectorActionFields(TypedDict):
    action_type: str
    method: str
    headers: dict[str, str]
    url: str
    request_body: str


class ConnectorAction(_ConnectorActionFields, total=False):
    """One entry of a connector's ``actions``."""

    pre_process_function: str
    post_process_function: str


class ConnectorBlueprint(TypedDict):
    """The body ML Commons takes to create or update a connector."""

    name: str
    description: str
    version: int
    protocol: str
    credential: dict[str, str]
    parameters: dict[str, str]
    actions: list[ConnectorAction]


def bedrock_runtime_url(path: str, endpoint: str | None = None) -> str:
    """The URL of a Bedrock runtime ``path`` (``/model/...``), maybe elsewhere."""
    base = _BEDROCK_RUNTIME if endpoint is None else endpoint.rstrip("/")
    return base + path


def jurassic2_blueprint(
    credentials: AwsCredentials,
    *,
    region: str = "us-east-1",
    model_name: str = "ai21.j2-mid-v1",
    endpoint: str | None = None,
    post_process: bool = False,
) -> ConnectorBlueprint:
    """The tutorial's AI21 Labs Jurassic-2 connector.

    With ``post_process`` it is the body of the tutorial's connector update,
    which adds a Painless script returning only the completion text and, as the
    tutorial does, shortens the description.
    """
    action = _predict_action(
        bedrock_runtime_url("/model/${parameters.model_name}/invoke", endpoint),
        JURASSIC2_REQUEST_BODY,
    )
    description = "Connector for Amazon Bedrock (AI21 Labs Jurassic 2)"
    if post_process:
        action["post_process_function"] = JURASSIC2_POST_PROCESS
        description = "Connector for Amazon Bedrock (AI21 Labs)"
    return _bedrock_connector(
        description,
        credentials,
        {"region": region, "service_name": "bedrock", "model_name": model_name},
        action,
    )


def claude_messages_blueprint(
    credentials: AwsCredentials,
    *,
    region: str = "us-east-1",
    model_name: str = CLAUDE_MODEL,
    endpoint: str | None = None,
    max_tokens: int = 512,
) -> ConnectorBlueprint:
    """An Anthropic Claude connector on Bedrock's ``invoke`` and Messages API.

    The prompt goes in as one user message; the post-process script returns the
    text of the first content block, so predict answers ``{"response": text}``.
    """
    body = {
        "anthropic_version": _ANTHROPIC_VERSION,
        "max_tokens": max_tokens,
        "messages": [
            {
                "role": "user",
                "content": [{"type": "text", "text": "${parameters.inputs}"}],
            }
        ],
    }
    action = _predict_action(
        bedrock_runtime_url("/model/${parameters.model_name}/invoke", endpoint),
        _template(body),
    )
    action["post_process_function"] = "\n  return params['content'][0].text; \n"
    return _bedrock_connector(
        f"Connector for Amazon Bedrock ({model_name}, Messages API)",
        credentials,
        {"region": region, "service_name": "bedrock", "model_name": model_name},
        action,
    )


def converse_blueprint(
    credentials: AwsCredentials,
    *,
    region: str = "us-east-1",
    model: str = CONVERSE_MODEL,
    endpoint: str | None = None,
    max_tokens: int = 512,
) -> ConnectorBlueprint:
    """A connector on Bedrock's ``converse`` API, one request shape for all models.

    The post-process script returns the text of the reply's first content block.
    """
    body = {
        "messages": [{"role": "user", "content": [{"text": "${parameters.inputs}"}]}],
        "inferenceConfig": {"maxTokens": max_tokens},
    }
    action = _predict_action(
        bedrock_runtime_url("/model/${parameters.model}/converse", endpoint),
        _template(body),
    )
    action["post_process_function"] = (
        "\n  return params['output']['message']['content'][0].text; \n"
    )
    return _bedrock_connector(
        f"Connector for Amazon Bedrock ({model}, Converse API)",
        credentials,
        {"region": region, "service_name": "bedrock", "model": model},
        action,
    )


def titan_embedding_blueprint(
    credentials: AwsCredentials,
    *,
    region: str = "us-east-1",
    model: str = TITAN_EMBEDDING_MODEL,
    endpoint: str | None = None,
) -> ConnectorBlueprint:
    """An Amazon Titan text embeddings connector.

    ML Commons' built-in Bedrock embedding functions turn text documents into
    ``inputText`` and the reply's ``embedding`` into a model tensor, so the model
    works in ingest pipelines and neural search as well as with predict.
    """
    action = _predict_action(
        bedrock_runtime_url("/model/${parameters.model}/invoke", endpoint),
        _template({"inputText": "${parameters.inputText}"}),
    )
    action["pre_process_function"] = _BEDROCK_EMBEDDING_PRE_PROCESS
    action["post_process_function"] = _BEDROCK_EMBEDDING_POST_PROCESS
    return _bedrock_connector(
        f"Connector for Amazon Bedrock ({model}, text embeddings)",
        credentials,
        {"region": region, "service_name": "bedrock", "model": model},
        action,
    )


def predict_parameters(
    prompt: str, *, opensearch_version: str | None = None
) -> dict[str, str]:
    """The ``parameters`` of a predict call whose template quotes ``inputs``.

    Blueprint templates put ``${parameters.inputs}`` inside a JSON string, and
    ML Commons substitutes the parameter's text there as it is. What that text
    must be depends on the ML Commons version (``opensearch_version``, by
    default the kit's node, see ``helpers._config.opensearch_version``):

    - 2.9 and earlier escape nothing: the prompt is JSON-escaped here, without
      the surrounding quotes, and each ``$`` is written ``\\u0024`` so that text
      such as ``${parameters.region}`` in a prompt is not taken for a
      placeholder by ML Commons' substitution.
    - 2.10 and later escape the value themselves. Escaping it here too would
      reach the model as visible backslashes, so the prompt is sent as it is;
      only ``${parameters.`` is written ``$${parameters.``, the escape ML
      Commons' substitution undoes. From 2.17 a prompt with such text also
      turns off ML Commons' check for unfilled placeholders, which it would
      trip; before 2.17 that prompt is refused with a :class:`KitError`.

    Either way the substituted body is valid JSON and the model receives exactly
    ``prompt``. One kind of prompt cannot be sent this way on 2.10 and later:
    a JSON object or array holding quotes or escapes, which ML Commons leaves
    unescaped and which then breaks the quoted placeholder. It is refused with a
    :class:`KitError` saying what to do.
    """
    _check_encodable(prompt)
    version = _version_tuple(opensearch_version)
    if version < _ESCAPING_SINCE:
        escaped = json.dumps(prompt, ensure_ascii=False)[1:-1]
        return {"inputs": escaped.replace("$", "\\u0024")}

    if _is_json_container(prompt) and not _fits_json_string(prompt):
        raise KitError(
            "ML Commons passes a prompt that is itself a JSON object or array into "
            "the request body unescaped, and the quoted placeholder breaks on it",
            "put words around the JSON (e.g. 'Summarise this record: {...}'), "
            "or send it with a connector whose template does not quote inputs",
        )
    parameters = {"inputs": prompt.replace("${parameters.", "$${parameters.")}
    if "${parameters." in prompt:
        if version < _SKIP_VALIDATION_SINCE:
            raise KitError(
                f"ML Commons {'.'.join(map(str, version))} refuses a request body "
                "that still holds `${parameters.` text, and this prompt does",
                "reword the prompt (e.g. `$ {parameters...}`), or use OpenSearch "
                "2.17 or later",
            )
        parameters["skip_validating_missing_parameters"] = "true"
    return parameters


def _version_tuple(version: str | None) -> tuple[int, int]:
    from ._config import opensearch_version
    from ._settings import parse_version

    version = opensearch_version() if version is None else version
    # A version that parses to nothing would silently pick the wrong escaping.
    if not re.match(r"\d+\.\d+", version):
        raise KitError(
            f"{version!r} is not an OpenSearch version",
            "give it as MAJOR.MINOR or MAJOR.MINOR.PATCH, e.g. '2.19.6'",
        )
    major, minor, _ = parse_version(version)
    return major, minor


def _check_encodable(prompt: str) -> None:
    """Refuse a lone UTF-16 surrogate: no UTF-8 text holds one.

    Such a character survives JSON as ``\\udXXX`` up to Bedrock, whose answer
    cannot be encoded; the emulator answers 500 and a learner retries in vain.
    """
    found = re.search("[\ud800-\udfff]", prompt)
    if found is None:
        return
    raise KitError(
        f"the prompt holds a lone surrogate (U+{ord(found[0]):04X}) at character "
        f"{found.start()}, which is not a character and cannot be sent",
        "remove it; it comes from text cut inside an emoji or decoded with the "
        "wrong codec (bytes.decode('utf-8', errors='replace') gives clean text)",
    )


def _is_json_container(text: str) -> bool:
    # ML Commons' test (org.json, then Gson) is more lenient than Python's
    # json, so this catches the common case: a prompt that is a JSON document.
    try:
        return isinstance(json.loads(text), (dict, list))
    except ValueError:
        return False


def _fits_json_string(text: str) -> bool:
    """Whether ``text``, put between quotes unchanged, is a JSON string of itself."""
    try:
        return bool(json.loads(f'"{text}"') == text)
    except ValueError:
        return False


def _template(body: Mapping[str, object]) -> str:
    """A request body template: compact JSON, placeholders inside strings."""
    return json.dumps(body, separators=(",", ":"))


def _predict_action(url: str, request_body: str) -> ConnectorAction:
    return {
        "action_type": "predict",
        "method": "POST",
        "headers": {"content-type": "application/json"},
        "url": url,
        "request_body": request_body,
    }


def _bedrock_connector(
    description: str,
    credentials: AwsCredentials,
    parameters: dict[str, str],
    action: ConnectorAction,
) -> ConnectorBlueprint:
    return {
        "name": "Amazon Bedrock",
        "description": description,
        "version": 1,
        "protocol": "aws_sigv4",
        "credential": credentials.connector_credential(),
        "parameters": parameters,
        "actions": [action],
    }
