"""Token limits, stop sequences and token accounting, checked over the wire."""

from __future__ import annotations

import itertools
from typing import Any

import pytest

from helpers.emulator.models import count_tokens, generate, tokenize

from ._support import CLAUDE_HAIKU, J2_MID, claude_body, invoke_json, jurassic_body


@pytest.mark.parametrize(
    "text",
    [
        "What is the meaning of life?",
        "\nTwo lines,\n\nthree  spaces   and\ttabs\t",
        "don't stop: 3.14 % über-fast — ok!? 🙂 snake_case",
        "",
        "   ",
    ],
)
def test_tokens_cover_the_text_exactly_once_and_in_order(text: str) -> None:
    tokens = tokenize(text)

    assert "".join(token.text for token in tokens) == text
    assert all(a.end == b.start for a, b in itertools.pairwise(tokens))
    assert all(text[t.start : t.end] == t.text for t in tokens)
    assert count_tokens(text) == len(tokens)


def test_a_generation_never_has_more_tokens_than_the_limit() -> None:
    for limit in (0, 1, 5, 17):
        generation = generate("Why is the sky blue?", max_tokens=limit)

        assert len(generation.tokens) == limit
        assert generation.finish == "length"
        assert count_tokens(generation.text) == limit


def test_jurassic2_cuts_at_max_tokens_and_says_so(bedrock: Any) -> None:
    answer = invoke_json(bedrock, J2_MID, jurassic_body(maxTokens=10))
    [completion] = answer["completions"]

    assert completion["finishReason"] == {"reason": "length", "length": 10}
    assert len(completion["data"]["tokens"]) == 10
    assert count_tokens(completion["data"]["text"]) == 10


def test_jurassic2_stops_before_a_stop_sequence_and_names_it(bedrock: Any) -> None:
    answer = invoke_json(bedrock, J2_MID, jurassic_body(stopSequences=["thinkers"]))
    [completion] = answer["completions"]
    full = invoke_json(bedrock, J2_MID, jurassic_body())["completions"][0]

    assert completion["finishReason"] == {"reason": "stop", "sequence": "thinkers"}
    assert "thinkers" not in completion["data"]["text"]
    assert full["data"]["text"].startswith(completion["data"]["text"] + "thinkers")


def test_jurassic2_text_ranges_point_at_the_tokens_characters(bedrock: Any) -> None:
    answer = invoke_json(
        bedrock, J2_MID, jurassic_body("Explain ML Commons.\nBriefly.")
    )
    sections = [answer["prompt"], answer["completions"][0]["data"]]

    for section in sections:
        text, tokens = section["text"], section["tokens"]
        assert tokens[0]["textRange"]["start"] == 0
        assert tokens[-1]["textRange"]["end"] == len(text)
        for token in tokens:
            start, end = token["textRange"]["start"], token["textRange"]["end"]
            spelled = (
                token["generatedToken"]["token"]
                .replace("<|newline|>", "\n")
                .replace("\u2581", " ")
            )
            # A word that starts a line carries one extra "▁" of its own.
            at_line_start = start == 0 or text[start - 1] == "\n"
            if at_line_start and not text[start].isspace():
                spelled = spelled[1:]
            assert text[start:end] == spelled


def test_claude_cuts_at_max_tokens_and_counts_them(bedrock: Any) -> None:
    answer = invoke_json(bedrock, CLAUDE_HAIKU, claude_body(max_tokens=12))

    assert answer["stop_reason"] == "max_tokens"
    assert answer["usage"]["output_tokens"] == 12
    assert count_tokens(answer["content"][0]["text"]) == 12


def test_claude_stops_at_the_earliest_stop_sequence(bedrock: Any) -> None:
    body = claude_body(stop_sequences=["traditions", "Existentialist"])

    answer = invoke_json(bedrock, CLAUDE_HAIKU, body)

    assert answer["stop_reason"] == "stop_sequence"
    assert answer["stop_sequence"] == "Existentialist"
    assert not answer["content"][0]["text"].endswith("Existentialist")
    text = answer["content"][0]["text"]
    assert answer["usage"]["output_tokens"] == count_tokens(text)


def test_a_token_limit_reached_before_the_stop_sequence_wins(bedrock: Any) -> None:
    body = claude_body(max_tokens=5, stop_sequences=["traditions"])

    answer = invoke_json(bedrock, CLAUDE_HAIKU, body)

    assert answer["stop_reason"] == "max_tokens"
    assert answer["stop_sequence"] is None
