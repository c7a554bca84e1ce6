"""The emulated foundation models and the emulator's state.

* The catalogue: which model IDs exist and how each family behaves.
* A tokenizer, used for every token count the emulator reports, so counts,
  ``maxTokens`` truncation and Jurassic-2 ``textRange`` offsets always agree.
* Text generation: a deterministic answer derived from the prompt. A few
  questions have written answers (see :mod:`.prose`); any other question gets a
  readable general answer assembled from sentence pools by a random generator
  seeded with the question, so the same request always gets the same answer.
* Embeddings: a hashed bag of words and character trigrams, so texts that share
  words get similar vectors, which is enough to rehearse semantic search.
* State: the fault rules set through the admin API and the request log.
"""

from __future__ import annotations

import hashlib
import math
import random
import re
import threading
from collections import deque
from collections.abc import Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from typing import Literal

from . import prose
from .config import EmulatorConfig

__all__ = [
    "CATALOGUE",
    "FAULTS",
    "BedrockBackend",
    "FaultBook",
    "FaultRule",
    "FoundationModel",
    "Generation",
    "RequestLog",
    "RequestRecord",
    "Token",
    "compose_answer",
    "count_tokens",
    "embed",
    "find_model",
    "generate",
    "jurassic_token_names",
    "tokenize",
]

# ---------------------------------------------------------------------------
# Tokens
# ---------------------------------------------------------------------------

# A token is a line break, or a word or a single punctuation mark together with
# the spaces before it, or spaces left over before a line break or at the end.
# Every character belongs to exactly one token, so the tokens of a text joined
# together give the text back.
_TOKEN = re.compile(r"\n|[^\S\n]*(?:[^\W_]+(?:['\u2019][^\W_]+)*|[^\w\s]|_)|[^\S\n]+")


@dataclass(frozen=True)
class Token:
    """One token: its exact characters and their offsets in the text."""

    text: str
    start: int
    end: int


def tokenize(text: str) -> list[Token]:
    return [Token(m.group(), m.start(), m.end()) for m in _TOKEN.finditer(text)]


def count_tokens(text: str) -> int:
    return sum(1 for _ in _TOKEN.finditer(text))


def jurassic_token_names(tokens: Sequence[Token]) -> Iterator[str]:
    """Tokens spelled the way Jurassic-2 reports them.

    Spaces become "▁" and a line break becomes "<|newline|>". Like the
    SentencePiece vocabulary Jurassic-2 uses, a word that starts a line gets a
    "▁" of its own, so the first token of "What is" is "▁What" although its
    ``textRange`` covers only "What".
    """
    line_start = True
    for token in tokens:
        if token.text == "\n":
            line_start = True
            yield "<|newline|>"
            continue
        name = token.text.replace(" ", "\u2581")
        if line_start and not token.text[0].isspace():
            name = "\u2581" + name
        line_start = False
        yield name


# ---------------------------------------------------------------------------
# Catalogue
# ---------------------------------------------------------------------------

Family = Literal["jurassic2", "claude", "titan-embed"]


@dataclass(frozen=True)
class FoundationModel:
    """A model ID the emulator answers for, and how that model behaves."""

    model_id: str
    family: Family
    provider: str
    name: str
    max_output_tokens: int = 0
    dimensions: tuple[int, ...] = ()
    default_dimensions: int = 0
    # Output limit when a request gives none (AI21's documented default is 16);
    # 0 means the model's maximum.
    default_max_tokens: int = 0
    # AWS has retired the model; the AWS-faithful switch makes it answer so.
    retired_on_aws: bool = False

    @property
    def output_token_default(self) -> int:
        return self.default_max_tokens or self.max_output_tokens

    @property
    def short_name(self) -> str:
        """The name Claude reports in ``model``: no provider, no version suffix."""
        name = self.model_id.split(".", 1)[-1]
        return re.sub(r"-v\d+(:\d+)?$", "", name)

    def to_json(self) -> dict[str, object]:
        return asdict(self)


CATALOGUE: dict[str, FoundationModel] = {
    model.model_id: model
    for model in (
        FoundationModel(
            "ai21.j2-mid-v1",
            "jurassic2",
            "AI21 Labs",
            "Jurassic-2 Mid",
            max_output_tokens=8191,
            default_max_tokens=16,
            retired_on_aws=True,
        ),
        FoundationModel(
            "ai21.j2-ultra-v1",
            "jurassic2",
            "AI21 Labs",
            "Jurassic-2 Ultra",
            max_output_tokens=8191,
            default_max_tokens=16,
            retired_on_aws=True,
        ),
        FoundationModel(
            "anthropic.claude-3-haiku-20240307-v1:0",
            "claude",
            "Anthropic",
            "Claude 3 Haiku",
            max_output_tokens=4096,
        ),
        FoundationModel(
            "anthropic.claude-3-5-sonnet-20240620-v1:0",
            "claude",
            "Anthropic",
            "Claude 3.5 Sonnet",
            max_output_tokens=8192,
        ),
        FoundationModel(
            "anthropic.claude-3-5-sonnet-20241022-v2:0",
            "claude",
            "Anthropic",
            "Claude 3.5 Sonnet v2",
            max_output_tokens=8192,
        ),
        FoundationModel(
            "anthropic.claude-3-7-sonnet-20250219-v1:0",
            "claude",
            "Anthropic",
            "Claude 3.7 Sonnet",
            max_output_tokens=64000,
        ),
        FoundationModel(
            "anthropic.claude-sonnet-4-20250514-v1:0",
            "claude",
            "Anthropic",
            "Claude Sonnet 4",
            max_output_tokens=64000,
        ),
        FoundationModel(
            "amazon.titan-embed-text-v1",
            "titan-embed",
            "Amazon",
            "Titan Embeddings G1 - Text",
            dimensions=(1536,),
            default_dimensions=1536,
        ),
        FoundationModel(
            "amazon.titan-embed-text-v2:0",
            "titan-embed",
            "Amazon",
            "Titan Text Embeddings V2",
            dimensions=(256, 512, 1024),
            default_dimensions=1024,
        ),
    )
}

# Cross-region inference profiles put a geography in front of the model ID.
_PROFILE_PREFIXES = ("us.", "eu.", "apac.", "global.", "us-gov.", "jp.", "au.", "ca.")


def find_model(model_id: str) -> FoundationModel | None:
    """The catalogue entry for a model ID, an inference profile ID or an ARN."""
    candidate = model_id
    if candidate.startswith("arn:"):
        candidate = candidate.rsplit("/", 1)[-1]
    if candidate in CATALOGUE:
        return CATALOGUE[candidate]
    for prefix in _PROFILE_PREFIXES:
        if candidate.startswith(prefix):
            return CATALOGUE.get(candidate[len(prefix) :])
    return None


# ---------------------------------------------------------------------------
# Text generation
# ---------------------------------------------------------------------------

Finish = Literal["end", "length", "stop"]


@dataclass(frozen=True)
class Generation:
    """What a text model produced and why it stopped.

    ``finish`` is ``"end"`` (the answer was complete), ``"length"`` (cut at the
    token limit) or ``"stop"`` (cut before ``stop_sequence``).
    """

    text: str
    tokens: tuple[Token, ...]
    finish: Finish
    stop_sequence: str | None = None


def generate(
    prompt: str,
    *,
    max_tokens: int,
    stop_sequences: Sequence[str] = (),
    variant: int = 0,
    lead: str = "",
) -> Generation:
    """Answer ``prompt``, honouring the token limit and the stop sequences.

    ``lead`` is put before the answer (Jurassic-2 starts its completions with a
    line break); ``variant`` picks another phrasing of the same answer.
    """
    text, stop = _cut_at_stop(lead + compose_answer(prompt, variant), stop_sequences)
    tokens = tokenize(text)
    if len(tokens) > max_tokens:
        kept = tokens[:max_tokens]
        return Generation(text[: kept[-1].end] if kept else "", tuple(kept), "length")
    if stop is not None:
        return Generation(text, tuple(tokens), "stop", stop)
    return Generation(text, tuple(tokens), "end")


def _cut_at_stop(text: str, stop_sequences: Sequence[str]) -> tuple[str, str | None]:
    """The text before the earliest stop sequence, and that sequence."""
    found: tuple[int, str] | None = None
    for sequence in stop_sequences:
        at = text.find(sequence) if sequence else -1
        if at >= 0 and (found is None or at < found[0]):
            found = (at, sequence)
    if found is None:
        return text, None
    return text[: found[0]], found[1]


def compose_answer(prompt: str, variant: int = 0) -> str:
    """A few readable sentences answering the last question in ``prompt``."""
    question = _question_of(prompt)
    if not question:
        return (
            "The prompt was empty, so there is nothing to answer yet. Ask a "
            "question or give an instruction and I will respond to it."
        )
    kind, subject = _classify(question)
    known = _known_answer(question, subject, variant)
    if known is not None:
        return known
    return _general_answer(
        question, kind, subject, random.Random(_seed(question, variant))
    )


_ROLE_MARK = re.compile(
    r"^\s*(?:human|user|assistant)\s*:\s*", re.IGNORECASE | re.MULTILINE
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")


def _question_of(prompt: str) -> str:
    """The sentence the prompt asks about: its last question, else its last line."""
    lines = [line.strip() for line in _ROLE_MARK.sub("", prompt).splitlines()]
    lines = [line for line in lines if line]
    if not lines:
        return ""
    asked = [line for line in lines if "?" in line]
    sentences = _SENTENCE_END.split(asked[-1] if asked else lines[-1])
    questions = [s for s in sentences if s.endswith("?")]
    sentence = questions[-1] if questions else sentences[-1]
    # "Answer briefly: what is X?" asks about X, not about the instruction.
    if sentence.endswith("?") and ": " in sentence:
        sentence = sentence.rsplit(": ", 1)[1]
    return sentence.strip()


_KINDS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern, re.IGNORECASE))
    for kind, pattern in (
        ("how_works", r"^how (?:does|do|did) (?P<s>.+?) (?:work|function)$"),
        ("how_to", r"^how (?:do|can|should|would|could) (?:i|you|we|one) (?P<s>.+)$"),
        ("how_to", r"^how to (?P<s>.+)$"),
        ("what", r"^(?:what|who) (?:is|are|was|were) (?P<s>.+)$"),
        ("what", r"^(?:what's|who's) (?P<s>.+)$"),
        ("what", r"^(?:tell me about|explain|describe|define) (?P<s>.+)$"),
        ("why", r"^why\b"),
        ("yesno", r"^(?:is|are|can|could|should|does|do|will|would|has|have)\b"),
    )
)

_SECOND_PERSON = {
    "i": "you",
    "me": "you",
    "my": "your",
    "mine": "yours",
    "myself": "yourself",
    "we": "you",
    "us": "you",
    "our": "your",
    "ours": "yours",
}


def _classify(question: str) -> tuple[str, str | None]:
    """The kind of question and, when it has one, its subject phrase."""
    bare = question.strip().rstrip("?!. ")
    for kind, pattern in _KINDS:
        match = pattern.match(bare)
        if match is None:
            continue
        subject = match.groupdict().get("s")
        if subject is None:
            return kind, None
        words = [_SECOND_PERSON.get(w.lower(), w) for w in subject.split()]
        if len(words) > 10:
            return "general", None
        return kind, " ".join(words)
    return "general", None


def _normalise(text: str) -> str:
    words = re.sub(r"[^\w\s]", " ", text.lower()).split()
    while words and words[0] in {"a", "an", "the"}:
        words.pop(0)
    return " ".join(words)


def _known_answer(question: str, subject: str | None, variant: int) -> str | None:
    asked = {_normalise(question)}
    if subject is not None:
        asked.add(_normalise(subject))
    if asked & prose.GREETINGS:
        return prose.GREETING_ANSWERS[variant % len(prose.GREETING_ANSWERS)]
    for keys, answers in prose.KNOWN_ANSWERS:
        if asked & set(keys):
            return answers[variant % len(answers)]
    return None


def _general_answer(
    question: str, kind: str, subject: str | None, rng: random.Random
) -> str:
    quoted = question
    if len(quoted) > 100:
        quoted = quoted[:97].rsplit(" ", 1)[0] + "…"
    fields = {
        "question": quoted,
        "subject": subject or "",
        "Subject": (subject[:1].upper() + subject[1:]) if subject else "",
    }
    sentences = [rng.choice(prose.OPENINGS[kind]).format(**fields)]
    form = {"what": "noun", "how_works": "noun", "how_to": "verb"}.get(kind)
    if form is not None:
        sentences.append(rng.choice(prose.TOPIC_BODIES[form]).format(**fields))
    sentences.extend(rng.sample(prose.BODIES, 2))
    sentences.append(rng.choice(prose.CLOSINGS))
    return " ".join(sentences)


def _seed(question: str, variant: int) -> int:
    digest = hashlib.sha256(f"{variant}|{_normalise(question)}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


def pseudo_logprob(name: str, position: int, low: float) -> float:
    """A stable made-up log probability in ``(low, 0)`` for a token."""
    digest = hashlib.blake2b(f"{position}|{name}".encode(), digest_size=4).digest()
    return low * (int.from_bytes(digest, "big") + 1) / 2**32


# ---------------------------------------------------------------------------
# Embeddings
# ---------------------------------------------------------------------------

_WORD = re.compile(r"[^\W_]+")


def embed(text: str, dimensions: int, *, normalize: bool) -> list[float]:
    """A deterministic vector for ``text``; texts sharing words point alike.

    Each feature (a word, or a character trigram of a word at half weight) adds
    ±weight to eight positions picked by hashing it. Without ``normalize`` the
    length of the vector grows with the text, like Titan's own unnormalised
    output.
    """
    vector = [0.0] * dimensions
    for feature, weight in _features(text):
        digest = hashlib.blake2b(feature.encode(), digest_size=32).digest()
        for offset in range(0, 32, 4):
            number = int.from_bytes(digest[offset : offset + 4], "big")
            sign = 1.0 if number & 0x80000000 else -1.0
            vector[number % dimensions] += sign * weight
    if not any(vector):
        # Text without a single word character still deserves a vector.
        vector[int(hashlib.sha256(text.encode()).hexdigest(), 16) % dimensions] = 1.0
    if normalize:
        norm = math.sqrt(sum(value * value for value in vector))
        vector = [value / norm for value in vector]
    return [round(value, 8) for value in vector]


def _features(text: str) -> Iterator[tuple[str, float]]:
    for word in _WORD.findall(text.lower()):
        yield "w:" + word, 1.0
        padded = f"<{word}>"
        for i in range(len(padded) - 2):
            yield "t:" + padded[i : i + 3], 0.5


# ---------------------------------------------------------------------------
# State: faults and the request log
# ---------------------------------------------------------------------------

FAULTS = ("throttle", "internal", "unavailable", "expired-token", "eol")


@dataclass
class FaultRule:
    """Misbehaviour for one model (``"*"``: every model).

    ``remaining`` counts the calls still to be affected; ``None`` means every
    call until the rule is deleted. ``latency_ms`` is added to each affected call.
    """

    model: str
    fault: str | None = None
    remaining: int | None = None
    latency_ms: int = 0

    def to_json(self) -> dict[str, object]:
        return {
            "model": self.model,
            "fault": self.fault,
            "count": self.remaining,
            "latency_ms": self.latency_ms,
        }


class FaultBook:
    """The fault rules, safe to use from the server's request threads."""

    def __init__(self) -> None:
        self._rules: dict[str, FaultRule] = {}
        self._lock = threading.Lock()

    def put(self, rule: FaultRule) -> None:
        with self._lock:
            self._rules[rule.model] = rule

    def remove(self, model: str | None = None) -> int:
        """Delete the rule for ``model``, or every rule; returns how many went."""
        with self._lock:
            if model is None:
                count = len(self._rules)
                self._rules.clear()
                return count
            return 1 if self._rules.pop(model, None) is not None else 0

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return [replace(rule) for rule in self._rules.values()]

    def take(self, model_id: str) -> FaultRule | None:
        """The rule that applies to this call, counting the call against it."""
        with self._lock:
            rule = self._rules.get(model_id) or self._rules.get("*")
            if rule is None:
                return None
            if rule.remaining is not None:
                rule.remaining -= 1
                if rule.remaining <= 0:
                    del self._rules[rule.model]
            return replace(rule)


@dataclass(frozen=True)
class RequestRecord:
    """One runtime call as the request log keeps it: no body, secret or signature."""

    time: str
    request_id: str
    method: str
    path: str
    operation: str | None
    model_id: str | None
    access_key_id: str | None
    signed_headers: tuple[str, ...]
    session_token: bool
    status: int
    error_code: str | None
    latency_ms: float
    input_tokens: int | None = None
    output_tokens: int | None = None
    fault: str | None = None

    def to_json(self) -> dict[str, object]:
        record = asdict(self)
        record["signed_headers"] = list(self.signed_headers)
        return record


class RequestLog:
    """The most recent runtime calls, oldest first."""

    def __init__(self, size: int) -> None:
        self._records: deque[RequestRecord] = deque(maxlen=size)
        self._lock = threading.Lock()

    def append(self, record: RequestRecord) -> None:
        with self._lock:
            self._records.append(record)

    def recent(self, limit: int | None = None) -> list[RequestRecord]:
        with self._lock:
            records = list(self._records)
        return records if limit is None else records[len(records) - limit :]

    def clear(self) -> None:
        with self._lock:
            self._records.clear()


class BedrockBackend:
    """Everything one emulator instance remembers between requests."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.config = config
        self.faults = FaultBook()
        self.requests = RequestLog(config.request_log_size)
