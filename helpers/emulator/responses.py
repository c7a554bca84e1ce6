"""Bedrock runtime operations: read each model family's request, write its answer.

``InvokeModel`` bodies are model-specific (Jurassic-2, Anthropic Messages, Titan
embeddings) and are checked against :mod:`.schemas`; ``Converse`` has one shape
for every chat model. Response bodies follow the shapes Bedrock returns, field
for field, so connector post-processing written against the emulator works
against AWS and back.
"""

from __future__ import annotations

import hashlib
import itertools
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from . import schemas
from .exceptions import ValidationException
from .models import (
    FoundationModel,
    Generation,
    Token,
    count_tokens,
    embed,
    generate,
    jurassic_token_names,
    pseudo_logprob,
    tokenize,
)
from .wire import ReceivedRequest, Response, json_response

__all__ = ["Answer", "BedrockResponses"]


@dataclass(frozen=True)
class Answer:
    """A successful response and the token counts the request log reports."""

    response: Response
    input_tokens: int
    output_tokens: int


class BedrockResponses:
    """The runtime operations, one method per route handler in :mod:`.urls`."""

    def invoke_model(
        self, model: FoundationModel, request: ReceivedRequest, started: float
    ) -> Answer:
        body = schemas.parse_json_body(request.body)
        invoke: Callable[[FoundationModel, Any, bytes], Answer] = {
            "jurassic2": _invoke_jurassic2,
            "claude": _invoke_claude,
            "titan-embed": _invoke_titan_embed,
        }[model.family]
        answer = invoke(model, body, request.body)
        answer.response.headers.update(
            {
                "X-Amzn-Bedrock-Input-Token-Count": str(answer.input_tokens),
                "X-Amzn-Bedrock-Output-Token-Count": str(answer.output_tokens),
                "X-Amzn-Bedrock-Invocation-Latency": str(_elapsed_ms(started)),
            }
        )
        return answer

    def converse(
        self, model: FoundationModel, request: ReceivedRequest, started: float
    ) -> Answer:
        if model.family == "titan-embed":
            raise ValidationException(
                "This action doesn't support the model that you provided. Try again "
                "with a supported text or chat model."
            )
        body = schemas.parse_json_body(request.body)
        conversation = _Conversation.read(body)
        generation = generate(
            conversation.question,
            max_tokens=conversation.max_tokens or model.output_token_default,
            stop_sequences=conversation.stop_sequences,
        )
        output_tokens = len(generation.tokens)
        payload = {
            "output": {
                "message": {"role": "assistant", "content": [{"text": generation.text}]}
            },
            "stopReason": _CLAUDE_STOP_REASONS[generation.finish],
            "usage": {
                "inputTokens": conversation.input_tokens,
                "outputTokens": output_tokens,
                "totalTokens": conversation.input_tokens + output_tokens,
            },
            "metrics": {"latencyMs": _elapsed_ms(started)},
        }
        return Answer(json_response(payload), conversation.input_tokens, output_tokens)

    def not_streamed(
        self, model: FoundationModel, request: ReceivedRequest, started: float
    ) -> Answer:
        raise ValidationException(
            "The Bedrock emulator does not stream responses. Call InvokeModel "
            f"(POST /model/{model.model_id}/invoke) or Converse "
            f"(POST /model/{model.model_id}/converse) instead."
        )


def _elapsed_ms(started: float) -> int:
    return max(1, round((time.perf_counter() - started) * 1000))


def _stable_digest(raw_body: bytes) -> bytes:
    # Identifiers derive from the request, so identical requests give identical
    # bodies and notebook outputs stay reproducible.
    return hashlib.sha256(raw_body).digest()


# ---------------------------------------------------------------------------
# AI21 Labs Jurassic-2
# ---------------------------------------------------------------------------


def _invoke_jurassic2(model: FoundationModel, body: Any, raw_body: bytes) -> Answer:
    schemas.check(body, schemas.JURASSIC2)
    prompt: str = body["prompt"]
    max_tokens: int = body.get("maxTokens", model.output_token_default)
    stops: list[str] = body.get("stopSequences", [])
    generations = [
        # Jurassic-2 completions begin with a line break before the answer.
        generate(
            prompt, max_tokens=max_tokens, stop_sequences=stops, variant=n, lead="\n"
        )
        for n in range(body.get("numResults", 1))
    ]
    prompt_tokens = tokenize(prompt)
    payload = {
        "id": int.from_bytes(_stable_digest(raw_body)[:2], "big") % 9000 + 1000,
        "prompt": {
            "text": prompt,
            "tokens": _jurassic_tokens(prompt_tokens, prompt=True),
        },
        "completions": [
            {
                "data": {
                    "text": generation.text,
                    "tokens": _jurassic_tokens(generation.tokens, prompt=False),
                },
                "finishReason": _jurassic_finish(generation, max_tokens),
            }
            for generation in generations
        ],
    }
    output_tokens = sum(len(generation.tokens) for generation in generations)
    return Answer(json_response(payload), len(prompt_tokens), output_tokens)


def _jurassic_tokens(tokens: Sequence[Token], *, prompt: bool) -> list[dict[str, Any]]:
    names = jurassic_token_names(tokens)
    entries = []
    for position, (token, name) in enumerate(zip(tokens, names, strict=True)):
        # Prompt tokens are scored without sampling, so both numbers agree; for
        # generated tokens the raw score is the one before temperature.
        logprob = pseudo_logprob(name, position, -12.0 if prompt else -2.5)
        raw_logprob = logprob if prompt else logprob * 1.2 - 0.001
        entries.append(
            {
                "generatedToken": {
                    "token": name,
                    "logprob": logprob,
                    "raw_logprob": raw_logprob,
                },
                "topTokens": None,
                "textRange": {"start": token.start, "end": token.end},
            }
        )
    return entries


def _jurassic_finish(generation: Generation, max_tokens: int) -> dict[str, Any]:
    if generation.finish == "length":
        return {"reason": "length", "length": max_tokens}
    if generation.finish == "stop":
        return {"reason": "stop", "sequence": generation.stop_sequence}
    return {"reason": "endoftext"}


# ---------------------------------------------------------------------------
# Anthropic Claude (Messages API)
# ---------------------------------------------------------------------------

_CLAUDE_STOP_REASONS = {
    "end": "end_turn",
    "length": "max_tokens",
    "stop": "stop_sequence",
}


def _invoke_claude(model: FoundationModel, body: Any, raw_body: bytes) -> Answer:
    schemas.check(body, schemas.CLAUDE_MESSAGES)
    messages: list[dict[str, Any]] = body["messages"]
    if not messages:
        raise ValidationException("messages: at least one message is required")
    if messages[0]["role"] != "user":
        raise ValidationException('messages: first message must use the "user" role')
    max_tokens: int = body["max_tokens"]
    if max_tokens > model.max_output_tokens:
        raise ValidationException(
            f"max_tokens: {max_tokens} > {model.max_output_tokens}, which is the "
            f"maximum allowed number of output tokens for {model.short_name}"
        )

    texts = [_claude_text(m["content"]) for m in messages]
    user_texts = [
        t for m, t in zip(messages, texts, strict=True) if m["role"] == "user"
    ]
    input_tokens = sum(count_tokens(t) for t in texts) + count_tokens(
        _claude_text(body.get("system", ""))
    )
    generation = generate(
        user_texts[-1],
        max_tokens=max_tokens,
        stop_sequences=body.get("stop_sequences", []),
    )
    output_tokens = len(generation.tokens)
    payload = {
        "id": "msg_bdrk_01" + _base62(_stable_digest(raw_body), 22),
        "type": "message",
        "role": "assistant",
        "model": model.short_name,
        "content": [{"type": "text", "text": generation.text}],
        "stop_reason": _CLAUDE_STOP_REASONS[generation.finish],
        "stop_sequence": generation.stop_sequence,
        "usage": {"input_tokens": input_tokens, "output_tokens": output_tokens},
    }
    return Answer(json_response(payload), input_tokens, output_tokens)


def _claude_text(content: str | list[dict[str, Any]]) -> str:
    """The text of a message or system prompt: a string or a list of blocks."""
    if isinstance(content, str):
        return content
    return "\n".join(
        block.get("text", "") for block in content if block["type"] == "text"
    )


_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"


def _base62(digest: bytes, length: int) -> str:
    number = int.from_bytes(digest, "big")
    letters = []
    for _ in range(length):
        number, index = divmod(number, 62)
        letters.append(_BASE62[index])
    return "".join(letters)


# ---------------------------------------------------------------------------
# Amazon Titan text embeddings
# ---------------------------------------------------------------------------


def _invoke_titan_embed(model: FoundationModel, body: Any, raw_body: bytes) -> Answer:
    version_two = model.dimensions != (1536,)
    schemas.check(
        body, schemas.TITAN_EMBED_V2 if version_two else schemas.TITAN_EMBED_V1
    )
    text: str = body["inputText"]
    vector = embed(
        text,
        body.get("dimensions", model.default_dimensions),
        # Titan v1 returns unnormalised vectors; v2 normalises unless told not to.
        normalize=version_two and body.get("normalize", True),
    )
    input_tokens = count_tokens(text)
    payload: dict[str, Any] = {"embedding": vector, "inputTextTokenCount": input_tokens}
    if "embeddingTypes" in body:
        payload["embeddingsByType"] = {
            kind: vector if kind == "float" else [int(value > 0) for value in vector]
            for kind in body["embeddingTypes"]
        }
    return Answer(json_response(payload), input_tokens, 0)


# ---------------------------------------------------------------------------
# Converse
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class _Conversation:
    """A Converse request reduced to what the generator needs."""

    question: str
    input_tokens: int
    max_tokens: int | None
    stop_sequences: list[str]

    @classmethod
    def read(cls, body: Any) -> _Conversation:
        # Converse is validated by the AWS front end, which words its messages
        # after the Smithy model ("Value ... at 'field' failed to satisfy ...").
        if not isinstance(body, dict):
            raise ValidationException("The request body must be a JSON object.")
        messages = body.get("messages")
        if messages is None:
            raise _constraint(None, "messages", "Member must not be null")
        if not isinstance(messages, list) or not messages:
            raise _must_start_with_user()
        texts = [_converse_message_text(m, n) for n, m in enumerate(messages, 1)]
        roles = [m["role"] for m in messages]
        if roles[0] != "user":
            raise _must_start_with_user()
        if any(a == b for a, b in itertools.pairwise(roles)):
            raise ValidationException(
                "A conversation must alternate between user and assistant roles. "
                "Make sure the conversation alternates between user and assistant "
                "roles and try again."
            )
        system = _converse_system_text(body.get("system", []))
        config = body.get("inferenceConfig") or {}
        if not isinstance(config, dict):
            raise _constraint(config, "inferenceConfig", "Member must be a structure")
        max_tokens = config.get("maxTokens")
        if max_tokens is not None and (
            not isinstance(max_tokens, int) or max_tokens < 1
        ):
            raise _constraint(
                max_tokens,
                "inferenceConfig.maxTokens",
                "Member must have value greater than or equal to 1",
            )
        stops = config.get("stopSequences", [])
        if not isinstance(stops, list) or not all(isinstance(s, str) for s in stops):
            raise _constraint(
                stops,
                "inferenceConfig.stopSequences",
                "Member must be a list of strings",
            )
        user_texts = [t for role, t in zip(roles, texts, strict=True) if role == "user"]
        input_tokens = sum(count_tokens(t) for t in texts) + count_tokens(system)
        return cls(user_texts[-1], input_tokens, max_tokens, stops)


def _constraint(value: object, where: str, rule: str) -> ValidationException:
    shown = "null" if value is None else f"'{value}'"
    return ValidationException(
        f"1 validation error detected: Value {shown} at '{where}' failed to satisfy "
        f"constraint: {rule}"
    )


def _must_start_with_user() -> ValidationException:
    return ValidationException(
        "A conversation must start with a user message. Try again with a "
        "conversation that starts with a user message."
    )


def _converse_message_text(message: Any, number: int) -> str:
    where = f"messages.{number}.member"
    if not isinstance(message, dict):
        raise _constraint(message, where, "Member must be a structure")
    role = message.get("role")
    if role not in ("user", "assistant"):
        raise _constraint(
            role,
            f"{where}.role",
            "Member must satisfy enum value set: [user, assistant]",
        )
    content = message.get("content")
    if not isinstance(content, list):
        raise _constraint(None, f"{where}.content", "Member must not be null")
    return "\n".join(
        block["text"]
        for block in content
        if isinstance(block, dict) and isinstance(block.get("text"), str)
    )


def _converse_system_text(system: Any) -> str:
    if not isinstance(system, list):
        raise _constraint(system, "system", "Member must be a list of content blocks")
    return "\n".join(
        block["text"]
        for block in system
        if isinstance(block, dict) and isinstance(block.get("text"), str)
    )
