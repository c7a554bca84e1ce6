"""The prompt form: asking a model on the real node, and each failure it shows.

The model is the tutorial's Jurassic-2 on the session's Bedrock emulator; the
failures are real ones, made with the emulator's fault rules or an undeployed
model.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from helpers._errors import CredentialsError, KitError, MLCommonsError
from helpers._flow import TUTORIAL_QUESTION, Deployment
from helpers._forms import PromptForm
from helpers._mlcommons import MLCommons, Model, Prediction
from helpers.emulator import EmulatorServer

from ._support import emulator_calls, shown

pytestmark = pytest.mark.node

J2_MID = "ai21.j2-mid-v1"


@pytest.fixture
def form(ml: MLCommons, deployment: Deployment) -> PromptForm:
    return PromptForm(ml, deployment.model.id, prompt=TUTORIAL_QUESTION)


def test_ask_shows_the_answer_and_its_latency(form: PromptForm) -> None:
    form.ask_button.click()

    assert isinstance(form.prediction, Prediction)
    assert form.error is None
    answer = str(form.prediction.text)
    assert "meaning of life" in answer.lower()
    assert shown(form.answer) == answer
    assert form.latency_ms is not None and form.latency_ms > 0
    assert form.latency.value == f"{form.latency_ms} ms"
    assert form.message.value == ""


def test_ask_returns_the_prediction_it_shows(form: PromptForm) -> None:
    prediction = form.ask()

    assert prediction is form.prediction
    assert prediction is not None and prediction.raw["inference_results"]


def test_the_answer_is_shown_as_text_not_html(form: PromptForm) -> None:
    # The emulator quotes the prompt in its answer.
    form.prompt.value = "Repeat: <b>x & y</b>"

    form.ask()

    assert form.prediction is not None
    assert "<b>x & y</b>" in str(form.prediction.text)
    assert "<b>x" not in form.answer.value
    assert "&lt;b&gt;x &amp; y&lt;/b&gt;" in form.answer.value


def test_the_ask_button_is_disabled_while_the_request_runs(
    form: PromptForm, ml: MLCommons, monkeypatch: pytest.MonkeyPatch
) -> None:
    during: list[bool] = []
    real_predict = ml.predict

    def predict(*args: Any, **kwargs: Any) -> Prediction:
        during.append(form.ask_button.disabled)
        return real_predict(*args, **kwargs)

    monkeypatch.setattr(ml, "predict", predict)
    changes: list[bool] = []
    form.ask_button.observe(lambda change: changes.append(change["new"]), "disabled")

    form.ask_button.click()

    assert during == [True]
    assert changes == [True, False]
    assert form.prediction is not None


def test_the_raw_toggle_shows_the_ml_commons_response_as_json(
    form: PromptForm,
) -> None:
    form.ask()
    assert form.raw.value == ""

    form.show_raw.value = True

    assert form.prediction is not None
    assert json.loads(shown(form.raw)) == form.prediction.raw
    assert '"inference_results"' in shown(form.raw)

    form.show_raw.value = False

    assert form.raw.value == ""


def test_the_raw_toggle_set_before_asking_shows_the_next_response(
    form: PromptForm,
) -> None:
    form.show_raw.value = True
    assert form.raw.value == ""

    form.ask()

    assert "inference_results" in json.loads(shown(form.raw))


def test_an_undeployed_model_says_deploy_it(
    ml: MLCommons, undeployed_model: Model
) -> None:
    form = PromptForm(ml, undeployed_model.id, prompt=TUTORIAL_QUESTION)

    assert form.ask() is None

    assert isinstance(form.error, MLCommonsError)
    assert form.error.what == (
        f"Model {undeployed_model.id} is not deployed, so it cannot run predictions"
    )
    assert (
        f"deploy it with POST /_plugins/_ml/models/{undeployed_model.id}/_deploy"
        in shown(form.message)
    )
    assert form.answer.value == "" and form.latency.value == ""
    assert not form.ask_button.disabled


def test_a_throttled_model_says_wait_and_retry(
    form: PromptForm, fault: Callable[..., dict[str, Any]]
) -> None:
    fault(model=J2_MID, fault="throttle")

    form.ask_button.click()

    assert isinstance(form.error, MLCommonsError)
    assert form.error.what.startswith("Bedrock is throttling the calls")
    assert "wait a few seconds and retry" in shown(form.message)
    assert form.prediction is None
    assert not form.ask_button.disabled


def test_a_retired_model_says_switch_to_a_current_one(
    form: PromptForm, fault: Callable[..., dict[str, Any]]
) -> None:
    fault(model=J2_MID, fault="eol")

    form.ask()

    assert isinstance(form.error, MLCommonsError)
    assert form.error.what.startswith("Bedrock retired the model")
    assert "switch to a current model" in shown(form.message)


def test_refused_connector_keys_say_check_them(
    form: PromptForm, fault: Callable[..., dict[str, Any]]
) -> None:
    fault(model=J2_MID, fault="expired-token")

    form.ask()

    assert isinstance(form.error, CredentialsError)
    assert "check the access_key and secret_key" in shown(form.message)


def test_an_answer_after_an_error_clears_the_error(
    form: PromptForm, fault: Callable[..., dict[str, Any]]
) -> None:
    fault(model=J2_MID, fault="throttle", count=1)
    form.ask()
    assert form.error is not None

    form.ask()

    assert form.error is None
    assert form.message.value == ""
    assert shown(form.answer) == str(form.prediction and form.prediction.text)


def test_an_empty_prompt_asks_for_a_question(
    form: PromptForm, emulator: EmulatorServer
) -> None:
    form.prompt.value = "   "
    before = len(emulator_calls(emulator))

    form.ask()

    assert isinstance(form.error, KitError)
    assert form.error.what == "The prompt is empty"
    assert len(emulator_calls(emulator)) == before


def test_the_tutorial_connector_fixes_the_model_parameters(form: PromptForm) -> None:
    assert form.used_parameters == frozenset()
    assert form.parameters() == {}
    assert form.max_tokens.disabled and form.temperature.disabled
    assert form.top_p.disabled
    assert "fixes maxTokens, temperature, topP" in form.parameters_note.value


def test_parameters_the_connector_reads_go_into_the_predict_call(
    ml: MLCommons, templated_model: Model, emulator: EmulatorServer
) -> None:
    form = PromptForm(ml, templated_model.id, prompt=TUTORIAL_QUESTION)
    form.max_tokens.value = 3
    form.temperature.value = 0.2

    form.ask()

    assert form.error is None, form.error
    assert form.parameters() == {"maxTokens": "3", "temperature": "0.2"}
    assert not form.max_tokens.disabled and form.top_p.disabled
    assert emulator_calls(emulator)[-1]["output_tokens"] == 3


def test_a_missing_model_is_reported_when_the_form_opens(ml: MLCommons) -> None:
    form = PromptForm(ml, "no-such-model-id")

    assert "no-such-model-id" in shown(form.message)
    assert form.used_parameters == frozenset()


def test_the_repr_names_the_model_and_the_last_answer(form: PromptForm) -> None:
    assert repr(form) == f"PromptForm(model_id={form.model_id!r}, not asked yet)"

    form.ask()

    assert repr(form).startswith(f"PromptForm(model_id={form.model_id!r}, answer=")
