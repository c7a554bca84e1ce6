"""OpenSearch and ML Commons errors, told as what happened and what to do next.

:func:`translate` takes what the client raised (or a status and an error body)
and returns a :class:`~helpers.KitError` to raise: an
:class:`~helpers.MLCommonsError` keeping the status and body, a
:class:`~helpers.CredentialsError` when Bedrock refused the AWS keys, or a plain
:class:`~helpers.KitError` when nothing answered at all. The messages ML Commons
sends are matched on their key words, which have held from 2.11 to 2.19.

ML Commons hands a remote service's error on as
``Error from remote service: <the service's body>`` and, since 2.12, with the
service's own status; both the wrapped text and the JSON inside are read.
Access key ids are masked in every message; a secret never appears in one.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit

from opensearchpy import ConnectionError as TransportConnectionError
from opensearchpy import ConnectionTimeout, TransportError

from ._blueprints import CLAUDE_MODEL, mask_access_key
from ._connection import ML_CONFIG_INDEX
from ._errors import CredentialsError, KitError, MLCommonsError

__all__ = [
    "CONNECTOR_IN_USE",
    "ML_TASK_LIMIT",
    "loading_master_key",
    "task_failed",
    "translate",
]

# How a refused connector delete reads once translated.
CONNECTOR_IN_USE = "cannot be deleted while models use it"
# ML Commons' words when a node already runs its limit of ML tasks.
ML_TASK_LIMIT = "exceed max running task limit"

_REMOTE_PREFIX = "Error from remote service:"
_ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")
_TRUSTED_BEDROCK = r"^https://bedrock-runtime\..*[a-z0-9-]\.amazonaws\.com/.*$"


@dataclass(frozen=True)
class _Failure:
    """An error reply reduced to what the rules look at."""

    status: int | None
    reason: str
    error_type: str | None
    index: str | None
    body: object
    # The model the request was about, when the caller knows it.
    model_id: str | None = None

    @property
    def remote(self) -> str | None:
        """The remote service's message, when ML Commons passed one on."""
        if not self.reason.startswith(_REMOTE_PREFIX):
            return None
        text = self.reason[len(_REMOTE_PREFIX) :].strip()
        try:
            inner = json.loads(text)
        except ValueError:
            return text
        if isinstance(inner, dict):
            for key in ("message", "Message", "error"):
                if isinstance(inner.get(key), str):
                    return str(inner[key])
        return text


def translate(
    error: BaseException | int,
    body: object = None,
    *,
    url: str | None = None,
    model_id: str | None = None,
) -> KitError:
    """The kit's error for what OpenSearch answered, ready to raise.

    ``error`` is what opensearch-py raised, or an HTTP status given with its
    error ``body``. ``url`` names the cluster in a connection error when the
    client's message does not; ``model_id`` names the model the request was
    about when ML Commons' message does not.
    """
    if isinstance(error, TransportConnectionError):
        return _unreachable(error, url)
    if isinstance(error, TransportError):
        status = error.status_code if isinstance(error.status_code, int) else None
        body = error.info if body is None else body
    elif isinstance(error, int):
        status = error
    else:
        return KitError(f"The request failed: {_masked(str(error))}")

    failure = replace(_failure(status, body), model_id=model_id)
    for rule in _RULES:
        found = rule(failure)
        if found is not None:
            return found
    return _unmatched(failure)


def loading_master_key(error: TransportError) -> bool:
    """Whether ML Commons refused only because a node still loads its master key.

    On a cluster that has just started, a node may answer "Fetching master key
    timed out" to a request that needs the key (a connector's credentials); it
    created nothing, so the same request can be sent again.
    """
    return "Fetching master key timed out" in f"{error} {error.info}"


def task_failed(task: Mapping[str, object]) -> MLCommonsError:
    """The error for an ML Commons task (``GET _plugins/_ml/tasks/<id>``) that failed.

    The task's ``error`` text is matched like any error reply, so a known cause
    still comes with its fix.
    """
    kind = str(task.get("task_type", "task")).replace("_", " ").lower()
    subject = f"model {task['model_id']}" if task.get("model_id") else "no model"
    error_text = _task_error_text(task.get("error"))
    what = f"The {kind} task for {subject} ended {task.get('state', 'FAILED')}"

    failure = _failure(None, error_text)
    for rule in _RULES:
        found = rule(failure)
        if found is not None:
            return MLCommonsError(f"{what}: {found.what}", found.fix, body=dict(task))
    return MLCommonsError(
        f"{what}: {failure.reason or 'it gave no reason'}",
        "mend the cause the error names, then run the step again",
        body=dict(task),
    )


def _task_error_text(error: object) -> str:
    # A deploy task reports one error per node as a JSON object of node ids.
    if isinstance(error, str):
        try:
            error = json.loads(error)
        except ValueError:
            return str(error)
    if isinstance(error, dict):
        return "; ".join(str(value) for value in error.values())
    return "" if error is None else str(error)


def _failure(status: int | None, body: object) -> _Failure:
    if isinstance(body, str):
        text = body
        try:
            body = json.loads(text)
        except ValueError:
            return _Failure(status, _masked(text), None, None, text)
    if not isinstance(body, dict):
        return _Failure(
            status, _masked("" if body is None else str(body)), None, None, body
        )

    if status is None and isinstance(body.get("status"), int):
        status = body["status"]
    error = body.get("error", body)
    if not isinstance(error, dict):
        return _Failure(status, _masked(str(error)), None, None, body)

    reason = error.get("reason")
    causes = error.get("root_cause")
    if not reason and isinstance(causes, list) and causes:
        reason = causes[0].get("reason") if isinstance(causes[0], dict) else None
    if not reason:
        reason = error.get("message") or json.dumps(error)
    index = error.get("index")
    return _Failure(
        status,
        _masked(str(reason)),
        str(error["type"]) if "type" in error else None,
        str(index) if index is not None else None,
        body,
    )


def _masked(text: str) -> str:
    return _ACCESS_KEY_ID.sub(lambda match: mask_access_key(match[0]), text)


def _mlcommons(failure: _Failure, what: str, fix: str) -> MLCommonsError:
    return MLCommonsError(what, fix, status=failure.status, body=failure.body)


# Each rule recognises one kind of failure and returns its error, or None.
_Rule = Callable[[_Failure], "KitError | None"]


def _connector_in_use(failure: _Failure) -> KitError | None:
    match = re.search(
        r"models? (?:are|is) still using this connector, please "
        r"(?P<verb>undeploy|delete or update) the models first"
        r"(?:!|: \[(?P<ids>[^]]*)\])",
        failure.reason,
    )
    if match is None:
        return None
    ids = [model.strip() for model in (match["ids"] or "").split(",") if model.strip()]
    models = ", ".join(ids) or "that use it"
    if match["verb"] == "undeploy":
        steps = "; ".join(
            f"POST /_plugins/_ml/models/{model}/_undeploy" for model in ids
        )
        return _mlcommons(
            failure,
            f"The connector cannot change while deployed models use it: {models}",
            f"undeploy model {models} ({steps or 'POST .../_undeploy'}), then "
            "update the connector, then deploy the model again",
        )
    return _mlcommons(
        failure,
        f"The connector {CONNECTOR_IN_USE}: {models}",
        f"delete model {models} first, or update it to use another connector",
    )


def _untrusted_url(failure: _Failure) -> KitError | None:
    if not re.search(
        r"trusted connector endpoint|Not allowed URL", failure.reason, re.IGNORECASE
    ):
        return None
    match = re.search(r"URL is: (\S+?)(?:,|$|\s)", failure.reason)
    url = match[1] if match else None
    setting = "plugins.ml_commons.trusted_connector_endpoints_regex"
    if url is None:
        return _mlcommons(
            failure,
            f"ML Commons does not trust the connector's URL: it matches no pattern "
            f"of {setting}",
            f"add a pattern for the URL to {setting} with PUT _cluster/settings; the "
            "setting replaces the default list, so keep the patterns you still use",
        )
    patterns = json.dumps([_TRUSTED_BEDROCK, _url_pattern(url)])
    return _mlcommons(
        failure,
        f"ML Commons does not trust the connector URL {url}: it matches no "
        f"pattern of {setting}",
        "add a pattern for it; the setting replaces the default list, so keep "
        f"Bedrock's:\nPUT _cluster/settings\n"
        f'{{"persistent": {{"{setting}": {patterns}}}}}',
    )


def _url_pattern(url: str) -> str:
    """A Java regex that trusts every path under the URL's scheme, host and port."""
    # Imported here: the settings module raises this module's errors.
    from ._settings import trusted_endpoint_pattern

    parts = urlsplit(url)
    origin = f"{parts.scheme}://{parts.netloc}" if parts.netloc else url
    return trusted_endpoint_pattern(origin)


def _private_ip(failure: _Failure) -> KitError | None:
    match = re.search(r"host name has private ip address: (\S+)", failure.reason)
    if match is None:
        return None
    return _mlcommons(
        failure,
        f"ML Commons refuses to call {match[1]}: the host has a private IP address",
        "for a local endpoint such as the kit's emulator, allow private addresses "
        "(OpenSearch 2.15 or later):\nPUT _cluster/settings\n"
        '{"persistent": {"plugins.ml_commons.connector.private_ip_enabled": true}}',
    )


def _endpoint_unreachable(failure: _Failure) -> KitError | None:
    match = re.search(r"Error communicating with remote model: (.+)", failure.reason)
    if match is None:
        return None
    return _mlcommons(
        failure,
        f"ML Commons could not reach the connector's endpoint: {match[1]}",
        "start what the connector calls (offline, the kit's Bedrock emulator: "
        "`python -m helpers emulator`, or `python -m helpers up`), or correct "
        "the URL in the connector's actions; then run this again",
    )


def _invalid_payload(failure: _Failure) -> KitError | None:
    if not failure.reason.startswith("Invalid payload"):
        return None
    return _mlcommons(
        failure,
        "ML Commons filled the connector's request_body with the predict "
        "parameters and the result is not valid JSON",
        "a parameter holds text that breaks the template around it, most often "
        'a prompt between quotes ("${parameters.inputs}"). ML Commons 2.10 and '
        "later escape text, but not a prompt that is itself a JSON object or "
        "array, and 2.9 and earlier escape nothing. Send prompts with "
        "helpers.predict_parameters(prompt), which prepares them for this "
        "version or says why it cannot",
    )


def _unfilled_placeholder(failure: _Failure) -> KitError | None:
    match = re.search(r"placeholder not filled in payload: (.+)", failure.reason)
    if match is None:
        return None
    names = match[1].strip()
    return _mlcommons(
        failure,
        f"The connector's request_body has placeholders no parameter filled: {names}",
        f'pass them in the predict call, e.g. {{"parameters": {{"{names.split(",")[0]}"'
        ': "..."}}, or give them a value in the connector\'s parameters',
    )


def _model_not_deployed(failure: _Failure) -> KitError | None:
    if not re.search(
        r"Model not ready yet|model (?:is )?not deployed", failure.reason, re.IGNORECASE
    ):
        return None
    match = re.search(r"/models/([\w-]+)/_deploy", failure.reason)
    # 2.19 says only "Please deploy the model first." without the id.
    model = match[1] if match else failure.model_id or "<model_id>"
    return _mlcommons(
        failure,
        f"Model {model} is not deployed, so it cannot run predictions",
        f"deploy it with POST /_plugins/_ml/models/{model}/_deploy and wait until "
        f"GET /_plugins/_ml/models/{model} shows model_state DEPLOYED",
    )


_SETTING_SINCE = {
    "plugins.ml_commons.update_connector.enabled": (
        "it existed only in OpenSearch 2.11; later versions update the connector "
        "of an undeployed model without it, so drop that line"
    ),
    "plugins.ml_commons.connector.private_ip_enabled": (
        "it exists from OpenSearch 2.15 on; on older versions point the connector "
        "at a public host instead"
    ),
}


def _unknown_setting(failure: _Failure) -> KitError | None:
    match = re.search(r"setting \[([^]]+)\], not recognized", failure.reason)
    if match is None:
        return None
    name = match[1]
    fix = _SETTING_SINCE.get(
        name,
        "check its spelling, and the OpenSearch version that brought it in",
    )
    return _mlcommons(failure, f"This OpenSearch does not know the setting {name}", fix)


def _model_group_taken(failure: _Failure) -> KitError | None:
    match = re.search(
        r"already being used by a model group with ID: ([\w-]+)", failure.reason
    )
    if match is None:
        return None
    group = match[1]
    return _mlcommons(
        failure,
        f"A model group with this name exists already: {group}",
        f'reuse it (use "model_group_id": "{group}" when you register the model), '
        "or register the group under another name",
    )


def _index_missing(failure: _Failure) -> KitError | None:
    if failure.error_type != "index_not_found_exception" and not re.search(
        r"no such index|Fetching master key timed out", failure.reason
    ):
        return None
    index = failure.index or _first(r"no such index \[([^]]+)\]", failure.reason)
    if index is None and "master key" in failure.reason:
        # Right after a restart the index exists; the first call that needs the
        # key starts loading it and times out meanwhile.
        state = "it has not loaded its master key (the node started moments ago)"
    else:
        state = f"{'its index ' + str(index) if index else 'its system index'} "
        state += "does not exist"
    if index is None or index.startswith(".plugins-ml"):
        return _mlcommons(
            failure,
            f"ML Commons is not initialised yet: {state}",
            "wait a few seconds after the node starts, then retry; "
            f"GET /{ML_CONFIG_INDEX} answers once ML Commons is ready. If it never "
            "does, check that the plugin is installed: GET _cat/plugins",
        )
    return _mlcommons(
        failure,
        f"The index {index} does not exist",
        "check its name, or create it before using it",
    )


def _first(pattern: str, text: str) -> str | None:
    match = re.search(pattern, text)
    return None if match is None else match[1]


def _remote(failure: _Failure) -> KitError | None:
    message = failure.remote
    if message is None:
        return None
    status = failure.status
    said = f"The remote model service answered {status or 'an error'}: {message}"

    if re.search(r"end of (?:its )?life", message, re.IGNORECASE):
        return _mlcommons(
            failure,
            f"Bedrock retired the model this connector calls: {message}",
            "switch to a current model: create a connector with "
            f"helpers.claude_messages_blueprint(credentials) ({CLAUDE_MODEL}) or "
            "helpers.converse_blueprint(credentials), then register and deploy a "
            "model with it",
        )
    if re.search(
        r"signature|security token|UnrecognizedClient|Access Key Id", message, re.I
    ):
        return CredentialsError(
            f"Bedrock refused the connector's AWS credentials: {message}",
            "check the access_key and secret_key in the connector's credential (and "
            "session_token for temporary keys, which expire), then update the "
            "connector with valid keys",
        )
    if status == 403 or re.search(r"don't have access|AccessDenied", message):
        return _mlcommons(
            failure,
            f"Bedrock denied the call: {message}",
            "give the connector's IAM identity bedrock:InvokeModel, and turn on "
            "access to the model in the Bedrock console for the connector's region",
        )
    if status == 429 or re.search(r"throttl|too many requests", message, re.I):
        return _mlcommons(
            failure,
            f"Bedrock is throttling the calls: {message}",
            "wait a few seconds and retry; send fewer requests at once, or ask AWS "
            "for a higher quota",
        )
    if re.search(r"Malformed input request", message, re.IGNORECASE):
        return _mlcommons(
            failure,
            f"Bedrock could not read the request body: {message}",
            "the connector's request_body does not fit this model's request schema "
            "(compare it with the model's documentation), or a prompt broke the "
            "JSON; send prompts with helpers.predict_parameters(prompt)",
        )
    return _mlcommons(
        failure,
        said,
        "the message is the remote service's own; mend what it names in the "
        "connector or in the predict parameters",
    )


_RULES: tuple[_Rule, ...] = (
    _connector_in_use,
    _untrusted_url,
    _private_ip,
    _remote,
    _endpoint_unreachable,
    _invalid_payload,
    _unfilled_placeholder,
    _model_not_deployed,
    _unknown_setting,
    _model_group_taken,
    _index_missing,
)

_FIX_BY_STATUS = {
    400: "check the request body and the parameters the reason names",
    401: "give the client a user and password the cluster accepts",
    403: "give the cluster user the permission the reason names",
    404: "check the path and the id in it",
    409: "the resource changed meanwhile; read it again, then retry",
}


def _unmatched(failure: _Failure) -> MLCommonsError:
    status = failure.status
    fix = _FIX_BY_STATUS.get(status or 0)
    if fix is None:
        fix = "read the reason above; for a 5xx status the node's log has the cause"
    prefix = f"OpenSearch answered {status}" if status else "OpenSearch refused it"
    return _mlcommons(failure, f"{prefix}: {failure.reason or 'no reason given'}", fix)


def _unreachable(error: TransportConnectionError, url: str | None) -> KitError:
    cause = _masked(str(error.info) if error.info is not None else str(error))
    where = url or _url_in(cause) or "the cluster"
    if isinstance(error, ConnectionTimeout):
        return KitError(
            f"{where} did not answer in time: {cause}",
            "the node may be busy starting; wait a little and retry",
        )
    return KitError(
        f"Nothing answers at {where}: {cause}",
        "is the node running? Start it with `python -m helpers node start`, "
        "then run this again",
    )


def _url_in(text: str) -> str | None:
    match = re.search(r"host='([^']+)', port=(\d+)", text)
    return None if match is None else f"http://{match[1]}:{match[2]}"
