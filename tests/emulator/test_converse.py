"""Converse through a real boto3 client."""

from __future__ import annotations

from typing import Any

import pytest

from helpers.emulator.models import count_tokens

from ._support import (
    CLAUDE_HAIKU,
    CLAUDE_SONNET,
    J2_MID,
    MEANING_OF_LIFE,
    TITAN_V2,
    raises_client_error,
)


def _ask(text: str) -> list[dict[str, Any]]:
    return [{"role": "user", "content": [{"text": text}]}]


@pytest.mark.parametrize("model_id", [CLAUDE_HAIKU, CLAUDE_SONNET, J2_MID])
def test_converse_answers_with_message_usage_and_metrics(
    bedrock: Any, model_id: str
) -> None:
    response = bedrock.converse(
        modelId=model_id,
        messages=_ask(MEANING_OF_LIFE),
        inferenceConfig={"maxTokens": 300},
    )

    message = response["output"]["message"]
    assert message["role"] == "assistant"
    text = message["content"][0]["text"]
    assert "meaning of life" in text.lower()
    assert response["stopReason"] == "end_turn"
    usage = response["usage"]
    assert usage["inputTokens"] == 7
    assert usage["outputTokens"] == count_tokens(text)
    assert usage["totalTokens"] == usage["inputTokens"] + usage["outputTokens"]
    assert response["metrics"]["latencyMs"] >= 1


def test_converse_applies_jurassic2s_default_limit_of_16_tokens(bedrock: Any) -> None:
    response = bedrock.converse(modelId=J2_MID, messages=_ask(MEANING_OF_LIFE))

    assert response["stopReason"] == "max_tokens"
    assert response["usage"]["outputTokens"] == 16


def test_converse_counts_system_prompts_and_earlier_turns_as_input(
    bedrock: Any,
) -> None:
    messages = [
        *_ask("Hello"),
        {"role": "assistant", "content": [{"text": "Hi there!"}]},
        *_ask("What is Amazon Bedrock?"),
    ]

    response = bedrock.converse(
        modelId=CLAUDE_HAIKU, messages=messages, system=[{"text": "Be brief."}]
    )

    assert "Bedrock" in response["output"]["message"]["content"][0]["text"]
    assert response["usage"]["inputTokens"] == 1 + 3 + 5 + 3


def test_converse_honours_max_tokens(bedrock: Any) -> None:
    response = bedrock.converse(
        modelId=CLAUDE_HAIKU,
        messages=_ask(MEANING_OF_LIFE),
        inferenceConfig={"maxTokens": 8},
    )

    assert response["stopReason"] == "max_tokens"
    assert response["usage"]["outputTokens"] == 8


def test_converse_honours_stop_sequences(bedrock: Any) -> None:
    response = bedrock.converse(
        modelId=CLAUDE_SONNET,
        messages=_ask(MEANING_OF_LIFE),
        inferenceConfig={"stopSequences": ["single"]},
    )

    assert response["stopReason"] == "stop_sequence"
    assert "single" not in response["output"]["message"]["content"][0]["text"]


def test_converse_refuses_a_conversation_that_starts_with_the_assistant(
    bedrock: Any,
) -> None:
    messages = [{"role": "assistant", "content": [{"text": "Hi"}]}]

    with raises_client_error(
        "ValidationException",
        "A conversation must start with a user message. Try again with a "
        "conversation that starts with a user message.",
        status=400,
    ):
        bedrock.converse(modelId=CLAUDE_HAIKU, messages=messages)


def test_converse_refuses_an_embedding_model(bedrock: Any) -> None:
    with raises_client_error(
        "ValidationException",
        "This action doesn't support the model that you provided. Try again with a "
        "supported text or chat model.",
        status=400,
    ):
        bedrock.converse(modelId=TITAN_V2, messages=_ask("hello"))
