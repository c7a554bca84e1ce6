"""The request bodies each model family accepts, and the check that enforces them.

Bedrock validates an InvokeModel body against a JSON schema per model and
reports every violation as ``#/path: problem``, joined without a separator,
inside "Malformed input request: ..., please reformat your input and try
again." :func:`check` produces the same sentences, so the message names the
offending field exactly as AWS would.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .exceptions import ValidationException

__all__ = [
    "CLAUDE_MESSAGES",
    "JURASSIC2",
    "TITAN_EMBED_V1",
    "TITAN_EMBED_V2",
    "Field",
    "check",
    "parse_json_body",
]


@dataclass(frozen=True)
class Field:
    """One node of a schema: a JSON type and the constraints on it.

    ``kind`` is ``string``, ``integer``, ``number``, ``boolean``, ``array``,
    ``object`` or ``any``. An object with ``properties`` rejects other keys.
    """

    kind: str
    required: bool = False
    minimum: float | None = None
    maximum: float | None = None
    min_length: int | None = None
    enum: tuple[object, ...] | None = None
    items: Field | None = None
    one_of_kinds: tuple[str, ...] = ()
    properties: Mapping[str, Field] | None = field(default=None)


def parse_json_body(body: bytes) -> Any:
    """The body as JSON, or a ValidationException saying where it broke."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as error:
        raise ValidationException(
            f"Malformed input request: the body is not UTF-8 (byte {error.start}), "
            "please reformat your input and try again."
        ) from None
    if not text.strip():
        raise ValidationException(
            "Malformed input request: the body is empty but must be a JSON object, "
            "please reformat your input and try again."
        )
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise ValidationException(
            "Malformed input request: the body is not valid JSON: "
            f"{error.msg} at line {error.lineno} column {error.colno} "
            f"(char {error.pos}){_text_before(text, error.pos)}"
            f"{_likely_cause(text, error.pos)}, please reformat your input and "
            "try again."
        ) from None


def _text_before(text: str, position: int) -> str:
    """Up to 30 characters leading to the error, to point at the culprit."""
    if position == 0:
        return ", at the very start"
    start = max(0, position - 30)
    before = text[start:position].replace("\n", "\\n")
    return ", just after '" + ("…" if start else "") + before + "'"


def _likely_cause(text: str, position: int) -> str:
    # A prompt pasted into a JSON template without escaping (ML Commons'
    # ${parameters.inputs}) ends the string early at its first double quote.
    if text[:position].rstrip().endswith('"'):
        return (
            ' (a double quote inside a JSON string must be escaped as \\"; '
            "an unescaped one ends the string early)"
        )
    return ""


def check(body: object, schema: Field) -> None:
    """Raise ValidationException listing every way ``body`` breaks ``schema``."""
    problems = list(_violations(body, schema, "#"))
    if problems:
        raise ValidationException(
            "Malformed input request: "
            + "".join(problems)
            + ", please reformat your input and try again."
        )


def _type_name(value: object) -> str:
    """The type names the Java schema validator behind Bedrock prints."""
    if value is None:
        return "Null"
    if isinstance(value, bool):
        return "Boolean"
    if isinstance(value, int):
        return "Integer"
    if isinstance(value, float):
        return "BigDecimal"
    if isinstance(value, str):
        return "String"
    if isinstance(value, list):
        return "JSONArray"
    return "JSONObject"


_EXPECTED = {
    "string": "String",
    "integer": "Integer",
    "number": "Number",
    "boolean": "Boolean",
    "array": "JSONArray",
    "object": "JSONObject",
}


def _has_kind(value: object, kind: str) -> bool:
    if kind == "any":
        return True
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    python_type = {"string": str, "boolean": bool, "array": list, "object": dict}
    return isinstance(value, python_type[kind])


def _violations(value: object, schema: Field, path: str) -> list[str]:
    kinds = schema.one_of_kinds or (schema.kind,)
    if not any(_has_kind(value, kind) for kind in kinds):
        expected = " or ".join(_EXPECTED.get(kind, kind) for kind in kinds)
        return [f"{path}: expected type: {expected}, found: {_type_name(value)}"]
    if schema.enum is not None and value not in schema.enum:
        shown = value if isinstance(value, str) else json.dumps(value)
        return [f"{path}: {shown} is not a valid enum value"]
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return _range_violations(value, schema, path)
    if isinstance(value, str) and len(value) < (schema.min_length or 0):
        return [
            f"{path}: expected minLength: {schema.min_length}, actual: {len(value)}"
        ]
    if isinstance(value, list) and schema.items is not None:
        return [
            problem
            for index, item in enumerate(value)
            for problem in _violations(item, schema.items, f"{path}/{index}")
        ]
    if isinstance(value, dict) and schema.properties is not None:
        return _object_violations(value, schema.properties, path)
    return []


def _range_violations(value: float, schema: Field, path: str) -> list[str]:
    if schema.minimum is not None and value < schema.minimum:
        return [f"{path}: {value} is not greater or equal to {_num(schema.minimum)}"]
    if schema.maximum is not None and value > schema.maximum:
        return [f"{path}: {value} is not less or equal to {_num(schema.maximum)}"]
    return []


def _num(bound: float) -> str:
    return str(int(bound)) if float(bound).is_integer() else str(bound)


def _object_violations(
    value: dict[str, object], properties: Mapping[str, Field], path: str
) -> list[str]:
    # Object paths read "#" for the body and "#/countPenalty" below it, with
    # key problems reported on the object and value problems on the key.
    problems = [
        f"{path}: required key [{name}] not found"
        for name, spec in properties.items()
        if spec.required and name not in value
    ]
    problems += [
        f"{path}: extraneous key [{name}] is not permitted"
        for name in value
        if name not in properties
    ]
    for name, item in value.items():
        if name in properties:
            problems += _violations(item, properties[name], f"{path}/{name}")
    return problems


def _penalty() -> Field:
    flag = Field("boolean")
    return Field(
        "object",
        properties={
            "scale": Field("number", required=True, minimum=0),
            "applyToWhitespaces": flag,
            "applyToPunctuations": flag,
            "applyToNumbers": flag,
            "applyToStopwords": flag,
            "applyToEmojis": flag,
        },
    )


_STRINGS = Field("array", items=Field("string"))

JURASSIC2 = Field(
    "object",
    properties={
        "prompt": Field("string", required=True, min_length=1),
        "maxTokens": Field("integer", minimum=0, maximum=8191),
        "minTokens": Field("integer", minimum=0),
        "temperature": Field("number", minimum=0, maximum=1),
        "topP": Field("number", minimum=0, maximum=1),
        "stopSequences": _STRINGS,
        "countPenalty": _penalty(),
        "presencePenalty": _penalty(),
        "frequencyPenalty": _penalty(),
        "numResults": Field("integer", minimum=1, maximum=16),
    },
)

_CONTENT_BLOCK = Field(
    "object",
    properties={
        "type": Field("string", required=True),
        "text": Field("string"),
        "source": Field("object"),
        "id": Field("string"),
        "name": Field("string"),
        "input": Field("object"),
        "tool_use_id": Field("string"),
        "content": Field("any"),
        "is_error": Field("boolean"),
        "cache_control": Field("object"),
    },
)

CLAUDE_MESSAGES = Field(
    "object",
    properties={
        "anthropic_version": Field(
            "string", required=True, enum=("bedrock-2023-05-31",)
        ),
        "anthropic_beta": _STRINGS,
        "max_tokens": Field("integer", required=True, minimum=1),
        "messages": Field(
            "array",
            required=True,
            items=Field(
                "object",
                properties={
                    "role": Field("string", required=True, enum=("user", "assistant")),
                    "content": Field(
                        "any",
                        required=True,
                        one_of_kinds=("string", "array"),
                        items=_CONTENT_BLOCK,
                    ),
                },
            ),
        ),
        "system": Field("any", one_of_kinds=("string", "array"), items=_CONTENT_BLOCK),
        "stop_sequences": _STRINGS,
        "temperature": Field("number", minimum=0, maximum=1),
        "top_p": Field("number", minimum=0, maximum=1),
        "top_k": Field("integer", minimum=0),
        "tools": Field("array"),
        "tool_choice": Field("object"),
        "metadata": Field("object"),
        "thinking": Field("object"),
    },
)

TITAN_EMBED_V1 = Field(
    "object",
    properties={"inputText": Field("string", required=True, min_length=1)},
)

TITAN_EMBED_V2 = Field(
    "object",
    properties={
        "inputText": Field("string", required=True, min_length=1),
        "dimensions": Field("integer", enum=(256, 512, 1024)),
        "normalize": Field("boolean"),
        "embeddingTypes": Field(
            "array", items=Field("string", enum=("float", "binary"))
        ),
    },
)
