"""How ML Commons turns predict parameters into a remote request body.

A small model of the 2.x predict path, for testing what the kit sends without a
node: ``RemoteConnectorExecutor.preparePayloadAndInvoke`` escapes each parameter
(``ConnectorUtils.escapeRemoteInferenceInputData``, Apache Commons Text
``escapeJson``) unless it parses as a JSON object or array, from 2.10 on;
``HttpConnector.createPayload`` fills ``${parameters.name}`` with Commons Text's
``StringSubstitutor`` (``$`` escapes a placeholder, values are filled in turn);
``Connector.validatePayload`` refuses a body that still holds ``${parameters``
unless ``skip_validating_missing_parameters`` is ``"true"`` (2.17 on).
"""

from __future__ import annotations

import json

PREFIX = "${parameters."


class PayloadRefused(Exception):
    """ML Commons would answer 400 before calling the remote model."""


def escape_json(text: str) -> str:
    """Apache Commons Text ``StringEscapeUtils.escapeJson``."""
    named = {
        '"': '\\"',
        "\\": "\\\\",
        "/": "\\/",
        "\b": "\\b",
        "\n": "\\n",
        "\t": "\\t",
        "\f": "\\f",
        "\r": "\\r",
    }
    out = []
    for char in text:
        if char in named:
            out.append(named[char])
        elif ord(char) < 32 or ord(char) > 0x7F:
            encoded = char.encode("utf-16-be")
            for unit in range(0, len(encoded), 2):
                out.append(f"\\u{int.from_bytes(encoded[unit : unit + 2], 'big'):04X}")
        else:
            out.append(char)
    return "".join(out)


def is_json(text: str) -> bool:
    """``StringUtils.isJson``: a JSON object or array (Python's stricter parse)."""
    try:
        return isinstance(json.loads(text), (dict, list))
    except ValueError:
        return False


def substitute(
    text: str, parameters: dict[str, str], seen: tuple[str, ...] = ()
) -> str:
    """``StringSubstitutor(parameters, "${parameters.", "}")``.replace(text)."""
    out: list[str] = []
    position = 0
    while position < len(text):
        if not text.startswith(PREFIX, position):
            out.append(text[position])
            position += 1
            continue
        if out and out[-1].endswith("$"):
            # The char before the placeholder escapes it, whatever put it there.
            out[-1] = out[-1][:-1]
            out.append(PREFIX)
            position += len(PREFIX)
            continue
        end = text.find("}", position)
        name = text[position + len(PREFIX) : end] if end >= 0 else None
        if name is None or name not in parameters:
            out.append(text[position])
            position += 1
            continue
        if name in seen:
            raise PayloadRefused(f"Infinite loop in property interpolation of {name}")
        out.append(substitute(parameters[name], parameters, (*seen, name)))
        position = end + 1
    return "".join(out)


def predict_payload(
    template: str,
    connector_parameters: dict[str, str],
    predict_parameters: dict[str, str],
    version: tuple[int, int],
) -> str:
    """The request body ML Commons ``version`` would send to the remote model."""
    given = dict(predict_parameters)
    if version >= (2, 10):
        given = {
            key: value if is_json(value) else escape_json(value)
            for key, value in given.items()
        }
    parameters = {**connector_parameters, **given}
    payload = substitute(template, parameters)
    skip = (
        version >= (2, 17)
        and parameters.get("skip_validating_missing_parameters") == "true"
    )
    if PREFIX[:-1] in payload and not skip:
        raise PayloadRefused(
            f"Some parameter placeholder not filled in payload: {payload}"
        )
    return payload
