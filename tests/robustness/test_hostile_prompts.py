"""Whatever a learner types reaches the model intact, or is refused with a fix.

Each prompt goes through ``MLCommons.predict`` to the tutorial's Jurassic-2
model on the real node, whose connector calls the emulator. Jurassic-2 echoes
the prompt it received in ``prompt.text``, so the test compares that echo with
what was sent, character for character. A prompt that cannot be sent ends in a
KitError that says what to do. After every prompt, sent or refused, the same
model still answers the tutorial's question: nothing is left broken.
"""

from __future__ import annotations

import html
from collections.abc import Iterator

import pytest
from integration._support import unique_names
from opensearchpy import OpenSearch

from helpers._errors import KitError, MLCommonsError
from helpers._flow import cleanup
from helpers._forms import PromptForm
from helpers._mlcommons import MLCommons, Model
from helpers._settings import apply_tutorial_settings
from helpers.emulator import EmulatorServer

from ._support import answers_normally, jurassic2_model

pytestmark = pytest.mark.node

_LONG = "".join(f"line {n:05d} of a long pasted document. " for n in range(2000))
LONG_PROMPT = _LONG[: 64 * 1024]

# Prompts the model must receive exactly as typed.
ECHOED = {
    "double-quotes": 'She said "stop", then "go"',
    "backslashes": "C:\\Users\\ana\\new.txt; \\n is not a newline; \\u0041 not A",
    "newlines": "first line\nsecond line\r\nthird line\n",
    "tabs": "name\tstate\nmodel\tDEPLOYED",
    "right-to-left-and-emoji": "مرحبا بالعالم שלום עולם \u202eevil\u202c 😀 👩‍👩‍👧 🇫🇷",
    "nul-character": "before\x00after",
    "terminal-escapes": "\x1b[31mred\x1b[0m \x07 \x01\x1f\x7f",
    "64-kb": LONG_PROMPT,
    "whitespace-only": " \t\n  ",
    "quote-then-brace": '"}',
    "json-between-words": 'Summarise this record: {"a": 1, "b": "c\\"d"}',
    "unfinished-json": '{"a": ',
    "parameters-placeholder": "${parameters.x}",
    "inputs-placeholder": "${parameters.inputs}",
    "connector-parameters": "Use ${parameters.model_name} in ${parameters.region}",
    "painless-code": "params['x']; return 1;",
    "post-process-script": "return params['completions'][0].data.text;",
    "html-and-script": '<b>bold</b><script>alert("x")</script><img src=x onerror=1>',
    "templating-lookalikes": "$100, ${ unfinished, {{mustache}}, #{ruby}, %s %d",
    "unicode-separators": "a\u2028b\u2029c \ufeffzero\u200bwidth",
    "sql-and-shell": "'; DROP TABLE models; -- $(rm -rf /) `id`",
}


@pytest.fixture(scope="module")
def model(client: OpenSearch, emulator: EmulatorServer) -> Iterator[Model]:
    names = unique_names()
    apply_tutorial_settings(client, trusted_endpoint=emulator.url)
    try:
        yield jurassic2_model(MLCommons(client), names, emulator.url)
    finally:
        cleanup(client, names)


def calls(emulator: EmulatorServer) -> int:
    return len(emulator.backend.requests.recent())


@pytest.mark.parametrize("prompt", ECHOED.values(), ids=ECHOED.keys())
def test_the_model_receives_the_prompt_exactly_as_sent(
    ml: MLCommons, model: Model, prompt: str
) -> None:
    reply = ml.predict(model.id, prompt)

    assert reply.data["prompt"]["text"] == prompt
    assert reply.text is not None
    assert answers_normally(ml, model.id)


# Prompts no request can carry through the tutorial's quoted template; the kit
# refuses them before any call, with what to do instead.
REFUSED_BY_THE_KIT = {
    "json-object": (
        '{"a": 1}',
        "ML Commons passes a prompt that is itself a JSON object or array into "
        "the request body unescaped, and the quoted placeholder breaks on it",
        "put words around the JSON",
    ),
    "json-array": (
        '["x"]',
        "ML Commons passes a prompt that is itself a JSON object or array into "
        "the request body unescaped, and the quoted placeholder breaks on it",
        "put words around the JSON",
    ),
    "json-array-with-escapes": (
        '["a\\nb", "\\"quoted\\""]',
        "ML Commons passes a prompt that is itself a JSON object or array into "
        "the request body unescaped, and the quoted placeholder breaks on it",
        "put words around the JSON",
    ),
    "lone-surrogate": (
        "an emoji cut in half: \ud83d",
        "the prompt holds a lone surrogate (U+D83D) at character 22, which is not "
        "a character and cannot be sent",
        "remove it",
    ),
}


@pytest.mark.parametrize(
    ("prompt", "what", "fix"),
    REFUSED_BY_THE_KIT.values(),
    ids=REFUSED_BY_THE_KIT.keys(),
)
def test_a_prompt_that_cannot_be_carried_is_refused_before_any_call(
    ml: MLCommons,
    model: Model,
    emulator: EmulatorServer,
    prompt: str,
    what: str,
    fix: str,
) -> None:
    before = calls(emulator)

    with pytest.raises(KitError) as caught:
        ml.predict(model.id, prompt)

    assert type(caught.value) is KitError
    assert caught.value.what == what
    assert str(caught.value.fix).startswith(fix)
    assert calls(emulator) == before
    assert answers_normally(ml, model.id)


def test_an_empty_prompt_gets_bedrocks_own_reason(ml: MLCommons, model: Model) -> None:
    with pytest.raises(MLCommonsError) as caught:
        ml.predict(model.id, "")

    assert caught.value.what == (
        "Bedrock could not read the request body: Malformed input request: "
        "#/prompt: expected minLength: 1, actual: 0, please reformat your input "
        "and try again."
    )
    assert caught.value.fix
    assert answers_normally(ml, model.id)


# -- the prompt form: what a learner types into the box ---------------------

FORM_ECHOED = (
    "double-quotes",
    "newlines",
    "right-to-left-and-emoji",
    "nul-character",
    "parameters-placeholder",
    "html-and-script",
)


@pytest.mark.parametrize("name", FORM_ECHOED)
def test_the_prompt_form_sends_the_prompt_exactly_as_typed(
    ml: MLCommons, model: Model, name: str
) -> None:
    form = PromptForm(ml, model.id, prompt=ECHOED[name])
    form.show_raw.value = True

    prediction = form.ask()

    assert prediction is not None, form.error
    assert prediction.data["prompt"]["text"] == ECHOED[name]
    # What the form shows is text, never markup the prompt brought in.
    for shown in (form.answer.value, form.raw.value):
        assert "<script>" not in shown
        assert "<img" not in shown
    assert answers_normally(ml, model.id)


def test_the_prompt_form_shows_escaped_markup_from_the_prompt(
    ml: MLCommons, model: Model
) -> None:
    form = PromptForm(ml, model.id, prompt=ECHOED["html-and-script"])
    form.show_raw.value = True

    form.ask()

    assert "&lt;script&gt;alert(" in form.raw.value


@pytest.mark.parametrize(
    ("prompt", "what", "fix"),
    [
        pytest.param("", "The prompt is empty", "type a question", id="empty"),
        pytest.param(
            " \t\n ", "The prompt is empty", "type a question", id="whitespace-only"
        ),
        pytest.param(
            *REFUSED_BY_THE_KIT["json-object"][:2],
            "put words around the JSON",
            id="json-object",
        ),
    ],
)
def test_the_prompt_form_shows_why_a_prompt_was_refused(
    ml: MLCommons, model: Model, prompt: str, what: str, fix: str
) -> None:
    form = PromptForm(ml, model.id, prompt=prompt)

    assert form.ask() is None

    assert type(form.error) is KitError
    assert form.error.what == what
    assert str(form.error.fix).startswith(fix)
    assert html.escape(what) in form.message.value
    assert form.ask_button.disabled is False
    assert answers_normally(ml, model.id)
