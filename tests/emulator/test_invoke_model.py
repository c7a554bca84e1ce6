"""InvokeModel through a real boto3 client: each family answers in Bedrock's shape."""

from __future__ import annotations

import json
import math
from typing import Any

import pytest

from ._support import (
    CLAUDE_HAIKU,
    CLAUDE_SONNET,
    J2_MID,
    J2_ULTRA,
    MEANING_OF_LIFE,
    REGION,
    TITAN_V1,
    TITAN_V2,
    ClientFactory,
    claude_body,
    invoke_json,
    jurassic_body,
)


@pytest.mark.parametrize("model_id", [J2_MID, J2_ULTRA])
def test_jurassic2_answers_the_tutorial_request_in_bedrocks_shape(
    bedrock: Any, model_id: str
) -> None:
    answer = invoke_json(bedrock, model_id, jurassic_body())

    assert set(answer) == {"id", "prompt", "completions"}
    assert isinstance(answer["id"], int)
    assert answer["prompt"]["text"] == MEANING_OF_LIFE
    [completion] = answer["completions"]
    assert set(completion) == {"data", "finishReason"}
    assert completion["finishReason"] == {"reason": "endoftext"}
    for token in answer["prompt"]["tokens"] + completion["data"]["tokens"]:
        assert set(token) == {"generatedToken", "topTokens", "textRange"}
        assert set(token["generatedToken"]) == {"token", "logprob", "raw_logprob"}
        assert token["topTokens"] is None
        assert set(token["textRange"]) == {"start", "end"}


def test_jurassic2_explains_the_meaning_of_life_in_a_few_sentences(
    bedrock: Any,
) -> None:
    answer = invoke_json(bedrock, J2_MID, jurassic_body())
    text = answer["completions"][0]["data"]["text"]

    assert text.startswith("\n")
    assert "meaning" in text.lower() and "life" in text.lower()
    assert 3 <= text.count(". ") + 1 <= 8


def test_jurassic2_prompt_tokens_spell_spaces_as_sentencepiece_does(
    bedrock: Any,
) -> None:
    answer = invoke_json(bedrock, J2_MID, jurassic_body())
    names = [t["generatedToken"]["token"] for t in answer["prompt"]["tokens"]]

    assert names[:3] == ["\u2581What", "\u2581is", "\u2581the"]
    assert names[-1] == "?"
    first = answer["completions"][0]["data"]["tokens"][0]
    assert first["generatedToken"]["token"] == "<|newline|>"
    assert first["textRange"] == {"start": 0, "end": 1}


def test_jurassic2_returns_as_many_distinct_completions_as_num_results(
    bedrock: Any,
) -> None:
    answer = invoke_json(bedrock, J2_ULTRA, jurassic_body(numResults=3))
    texts = [c["data"]["text"] for c in answer["completions"]]

    assert len(texts) == 3
    assert len(set(texts)) == 3


def test_invoke_reports_token_counts_in_bedrock_headers(bedrock: Any) -> None:
    response = bedrock.invoke_model(modelId=J2_MID, body=json.dumps(jurassic_body()))
    headers = response["ResponseMetadata"]["HTTPHeaders"]
    answer = json.loads(response["body"].read())

    assert int(headers["x-amzn-bedrock-input-token-count"]) == len(
        answer["prompt"]["tokens"]
    )
    assert int(headers["x-amzn-bedrock-output-token-count"]) == len(
        answer["completions"][0]["data"]["tokens"]
    )
    assert len(headers["x-amzn-requestid"]) == 36


@pytest.mark.parametrize("model_id", [CLAUDE_HAIKU, CLAUDE_SONNET])
def test_claude_answers_through_the_messages_api(bedrock: Any, model_id: str) -> None:
    answer = invoke_json(bedrock, model_id, claude_body())

    assert answer["id"].startswith("msg_bdrk_")
    assert answer["type"] == "message"
    assert answer["role"] == "assistant"
    assert answer["model"] == model_id.split(".", 1)[1].rsplit("-v", 1)[0]
    [block] = answer["content"]
    assert block["type"] == "text"
    assert "meaning of life" in block["text"].lower()
    assert answer["stop_reason"] == "end_turn"
    assert answer["stop_sequence"] is None
    assert answer["usage"]["input_tokens"] == 7
    assert answer["usage"]["output_tokens"] > 50


def test_claude_accepts_a_plain_string_as_message_content_and_a_system_prompt(
    bedrock: Any,
) -> None:
    body = claude_body(system="You answer briefly.")
    body["messages"] = [{"role": "user", "content": "What is OpenSearch?"}]

    answer = invoke_json(bedrock, CLAUDE_HAIKU, body)

    assert "OpenSearch" in answer["content"][0]["text"]
    assert answer["usage"]["input_tokens"] == 4 + 4


def test_claude_accepts_an_inference_profile_id(bedrock: Any) -> None:
    answer = invoke_json(bedrock, "us." + CLAUDE_SONNET, claude_body())

    assert answer["model"] == "claude-3-5-sonnet-20240620"


def test_a_foundation_model_arn_works_as_the_model_id(bedrock: Any) -> None:
    arn = f"arn:aws:bedrock:{REGION}::foundation-model/{TITAN_V1}"

    assert len(invoke_json(bedrock, arn, {"inputText": "by ARN"})["embedding"]) == 1536


def test_titan_v1_returns_1536_dimensions_and_the_token_count(bedrock: Any) -> None:
    answer = invoke_json(bedrock, TITAN_V1, {"inputText": "OpenSearch neural search"})

    assert set(answer) == {"embedding", "inputTextTokenCount"}
    assert len(answer["embedding"]) == 1536
    assert answer["inputTextTokenCount"] == 3


def test_titan_v2_defaults_to_1024_normalised_dimensions(bedrock: Any) -> None:
    answer = invoke_json(bedrock, TITAN_V2, {"inputText": "OpenSearch neural search"})

    assert len(answer["embedding"]) == 1024
    assert math.isclose(_norm(answer["embedding"]), 1.0, rel_tol=1e-6)


@pytest.mark.parametrize("dimensions", [256, 512, 1024])
def test_titan_v2_honours_the_requested_dimensions(
    bedrock: Any, dimensions: int
) -> None:
    body = {"inputText": "vector search", "dimensions": dimensions}

    assert len(invoke_json(bedrock, TITAN_V2, body)["embedding"]) == dimensions


def test_titan_v2_leaves_the_vector_unnormalised_when_asked(bedrock: Any) -> None:
    body = {"inputText": "a longer text about vector search", "normalize": False}

    assert _norm(invoke_json(bedrock, TITAN_V2, body)["embedding"]) > 1.5


def test_titan_v2_returns_binary_embeddings_by_type_when_asked(bedrock: Any) -> None:
    body = {"inputText": "hello", "dimensions": 256, "embeddingTypes": ["binary"]}

    answer = invoke_json(bedrock, TITAN_V2, body)

    assert set(answer["embeddingsByType"]["binary"]) <= {0, 1}
    assert len(answer["embeddingsByType"]["binary"]) == 256


def test_titan_embeddings_of_related_texts_are_closer_than_unrelated_ones(
    bedrock: Any,
) -> None:
    def vector(text: str) -> list[float]:
        return list(invoke_json(bedrock, TITAN_V2, {"inputText": text})["embedding"])

    anchor = vector("OpenSearch runs neural search with remote models")
    related = vector("neural search in OpenSearch uses remote models")
    unrelated = vector("a recipe for lemon cake with fresh berries")

    assert _dot(anchor, related) > _dot(anchor, unrelated) + 0.3


@pytest.mark.parametrize(
    ("model_id", "body"),
    [
        (J2_MID, jurassic_body("Why is the sky blue?", numResults=2)),
        (CLAUDE_HAIKU, claude_body("How do I create an index in OpenSearch?")),
        (TITAN_V2, {"inputText": "determinism"}),
    ],
)
def test_the_same_request_always_gets_the_same_answer(
    client_for: ClientFactory, model_id: str, body: dict[str, Any]
) -> None:
    first = invoke_json(client_for(), model_id, body)
    second = invoke_json(client_for(), model_id, body)

    assert first == second


def test_different_questions_get_different_answers(bedrock: Any) -> None:
    one = invoke_json(bedrock, CLAUDE_HAIKU, claude_body("What is a vector database?"))
    two = invoke_json(bedrock, CLAUDE_HAIKU, claude_body("How does a tokenizer work?"))

    assert one["content"][0]["text"] != two["content"][0]["text"]
    assert "vector database" in one["content"][0]["text"]
    assert "tokenizer" in two["content"][0]["text"].lower()


def _norm(vector: list[float]) -> float:
    return math.sqrt(sum(value * value for value in vector))


def _dot(a: list[float], b: list[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))
