"""Forms for the notebooks: AWS credentials, a prompt box, a progress line.

:class:`CredentialsForm` collects the keys a connector signs with and tests them
with one signed Bedrock call; :class:`PromptForm` asks a deployed model a
question and shows the answer, the raw reply and what went wrong;
:class:`StatusWidget` shows a long wait.

Secrets and saved notebooks
---------------------------
A notebook saves the state of every widget model, and ipywidgets syncs a
``Password`` box's value like any other text. The credentials form therefore
takes a secret out of its box as soon as the box sends it (on Enter or when the
box loses focus), keeps it in a private attribute of the Python object, and
empties the box; the box says "set (hidden)" instead. The widget model, its
echo to the browser, the saved widget state and every repr see an empty value.

Without anyone to type (``KIT_HEADLESS=1``, or any ``PAPERMILL_*`` variable),
the forms display as one line of text and the credentials form holds what the
environment gives; :meth:`CredentialsForm.from_environment` asks for that
explicitly. papermill itself sets no variable, so whatever runs the notebooks
headless sets ``KIT_HEADLESS=1``; a form displayed anyway waits for nothing and
holds the environment's keys all the same.
"""

from __future__ import annotations

import contextlib
import html
import json
import logging
import os
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

import ipywidgets as widgets  # type: ignore[import-untyped]
from botocore.exceptions import (  # type: ignore[import-untyped]
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
)
from opensearchpy.exceptions import TransportError
from traitlets import Unicode

from ._blueprints import (
    AwsCredentials,
    mask_access_key,
)
from ._errors import CredentialsError, KitError
from ._kit import (
    MODES,
    TEST_MODELS,
    aws_region,
    bedrock_endpoint,
    bedrock_test_call,
    kit_mode,
    resolve_credentials,
)
from ._mlcommons import MLCommons, Prediction
from ._translate import translate
from ._wait import Poll

__all__ = [
    "TEST_MODELS",
    "CredentialsForm",
    "PromptForm",
    "StatusWidget",
    "headless",
]

logger = logging.getLogger(__name__)

T = TypeVar("T")

# The Test button's one call. Offline it embeds a word, the cheapest call the
# emulator serves; on AWS it asks the tutorial's current model for one token,
# so it also tells whether the account has access to that model.

# Regions where Bedrock runs; the box also takes any other name.
_BEDROCK_REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-2",
    "ca-central-1",
    "sa-east-1",
    "eu-central-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "ap-northeast-1",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
)

_BAD_KEYS = {
    "UnrecognizedClientException",
    "InvalidSignatureException",
    "IncompleteSignatureException",
    "MissingAuthenticationTokenException",
}
_ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")
_WIDE = {"width": "36em"}
_LABEL = {"description_width": "8em"}


def headless() -> bool:
    """Whether nobody is there to type: ``KIT_HEADLESS=1`` or ``PAPERMILL_*`` set."""
    if os.environ.get("KIT_HEADLESS", "").strip().lower() in {"1", "true", "yes"}:
        return True
    return any(name.startswith("PAPERMILL_") for name in os.environ)


# -- credentials --------------------------------------------------------------


class _SecretBox(widgets.Password):  # type: ignore[misc]
    """A password box whose value is never echoed back to the browser.

    ipywidgets 8 echoes each update it receives to every view; this trait
    opts out, so the secret crosses the comm once, inbound.
    """

    value = Unicode("", help="Always emptied by the kernel").tag(
        sync=True, echo_update=False
    )


class _SecretInput:
    """A password box, a note beside it, and the secret itself, kernel-side."""

    def __init__(self, description: str, placeholder: str) -> None:
        self.box = _SecretBox(
            description=description,
            placeholder=placeholder,
            continuous_update=False,
            style=_LABEL,
            layout=_WIDE,
        )
        self.note = widgets.Label()
        self.row = widgets.HBox([self.box, self.note])
        self._secret = ""
        self.box.observe(self._take, names="value")

    def _take(self, change: Mapping[str, Any]) -> None:
        if change["new"]:
            self.set(change["new"], "typed in")
            self.box.value = ""

    def set(self, secret: str, how: str) -> None:
        """Keep ``secret``; the note says ``how`` it came ("typed in", "from ...")."""
        self._secret = secret
        self.note.value = f"set (hidden), {how}" if secret else "not set"

    @property
    def secret(self) -> str:
        return self._secret

    def __repr__(self) -> str:
        return "'***'" if self._secret else "None"


class CredentialsForm:
    """The AWS keys a connector signs with, and a button that tries them.

    ``mode`` is ``offline`` (the kit's emulator; its keys are filled in) or
    ``aws`` (keys from the environment or the AWS profile, when there are any).
    Changing the mode fills the form again from that mode's source.
    :meth:`credentials` returns what the form holds; :meth:`test` (the Test
    button) makes one signed call to Bedrock with it.

    Keys a profile resolves to (SSO, assumed roles) are read once, when the
    form fills itself; temporary keys expire, after which Test says so and
    switching the mode back and forth reads them again.

    In a notebook::

        form = CredentialsForm()
        form                                  # fill it in, press Test
        blueprint = claude_messages_blueprint(
            form.credentials(), region=form.region.value, endpoint=...
        )
    """

    def __init__(self, mode: str | None = None, *, headless_run: bool | None = None):
        self.headless = headless() if headless_run is None else headless_run
        self.last_error: KitError | None = None
        self.mode = widgets.ToggleButtons(
            options=MODES, value=kit_mode(mode), description="Mode", style=_LABEL
        )
        self.access_key = widgets.Text(
            description="Access key",
            placeholder="AKIA... or ASIA...",
            continuous_update=False,
            style=_LABEL,
            layout=_WIDE,
        )
        self._secret_key = _SecretInput("Secret key", "the secret access key")
        self._session_token = _SecretInput("Session token", "only for temporary keys")
        self.region = widgets.Combobox(
            options=_BEDROCK_REGIONS,
            description="Region",
            ensure_option=False,
            continuous_update=False,
            style=_LABEL,
            layout=_WIDE,
        )
        self.test_button = widgets.Button(
            description="Test", icon="plug", tooltip="one signed call to Bedrock"
        )
        self.message = widgets.HTML()
        self.widget = widgets.VBox(
            [
                self.mode,
                self.access_key,
                self._secret_key.row,
                self._session_token.row,
                self.region,
                widgets.HBox([self.test_button, self.message]),
            ]
        )
        self.mode.observe(lambda change: self.fill(change["new"]), names="value")
        self.test_button.on_click(lambda _: self.test())
        self.fill(self.mode.value)

    @classmethod
    def from_environment(cls, mode: str | None = None) -> CredentialsForm:
        """A form filled from the environment that shows as text, for headless runs."""
        return cls(mode, headless_run=True)

    @property
    def secret_key(self) -> widgets.Password:
        """The secret key's box; what is typed there moves into the form."""
        return self._secret_key.box

    @property
    def session_token(self) -> widgets.Password:
        """The session token's box; what is typed there moves into the form."""
        return self._session_token.box

    def set_secrets(self, secret_key: str, session_token: str | None = None) -> None:
        """Give the form a secret key (and token) from code rather than the boxes."""
        self._secret_key.set(secret_key, "from code")
        self._session_token.set(session_token or "", "from code")

    def fill(self, mode: str) -> None:
        """Fill the form from ``mode``'s source: the emulator's keys, or AWS's."""
        found, source = _found_credentials(mode)
        self.region.value = aws_region() if mode == "offline" else _profile_region()
        self.access_key.value = found.access_key if found else ""
        how = f"from {source}"
        self._secret_key.set(found.secret_key if found else "", how)
        self._session_token.set((found.session_token or "") if found else "", how)
        self.last_error = None
        if found is None:
            self._say(
                "No AWS keys in the environment or the AWS profile: enter them above."
            )
        else:
            self._say(f"Filled in from {source}.")

    def credentials(self) -> AwsCredentials:
        """The keys the form holds, for a connector blueprint."""
        access_key = self.access_key.value.strip()
        if not access_key or not self._secret_key.secret:
            raise CredentialsError(
                "The credentials form has no "
                + ("access key id" if not access_key else "secret key"),
                "enter the access key id and the secret key (and the session token "
                "for temporary keys), or set AWS_ACCESS_KEY_ID and "
                "AWS_SECRET_ACCESS_KEY and switch the mode to fill the form again",
            )
        token = self._session_token.secret or None
        return AwsCredentials(access_key, self._secret_key.secret, token)

    def test(self) -> bool:
        """One signed call to Bedrock with the form's keys; the answer shows inline.

        What the Test button does. Returns whether Bedrock accepted the call;
        after a refusal, :attr:`last_error` holds the error shown.
        """
        self.test_button.disabled = True
        try:
            elapsed_ms, where = self._call_bedrock()
        except KitError as error:
            self.last_error = _scrubbed(error, self._secrets())
            self._say_error(self.last_error)
            return False
        finally:
            self.test_button.disabled = False
        self.last_error = None
        model = TEST_MODELS[self.mode.value]
        answered = f"{model} answered at {where} in {elapsed_ms} ms"
        self._say(f"Bedrock accepted the keys: {answered}.", color="green")
        return True

    def _call_bedrock(self) -> tuple[int, str]:
        credentials = self.credentials()
        region = self.region.value.strip() or aws_region()
        endpoint = bedrock_endpoint(self.mode.value)
        where = endpoint or f"Bedrock in {region}"
        logger.info(
            "testing AWS keys %s with %s at %s",
            mask_access_key(credentials.access_key),
            TEST_MODELS[self.mode.value],
            where,
        )
        started = time.monotonic()
        try:
            with _redacted_logs("botocore", self._secrets()):
                bedrock_test_call(
                    credentials, mode=self.mode.value, region=region, endpoint=endpoint
                )
        except ClientError as error:
            raise _refusal(error, TEST_MODELS[self.mode.value], region) from error
        except BotoCoreError as error:
            raise _not_sent(error, where, self.mode.value) from error
        return round((time.monotonic() - started) * 1000), where

    def _secrets(self) -> list[str]:
        return [self._secret_key.secret, self._session_token.secret]

    def _say(self, text: str, color: str | None = None) -> None:
        style = f' style="color:{color}"' if color else ""
        self.message.value = f"<span{style}>{html.escape(text)}</span>"

    def _say_error(self, error: KitError) -> None:
        self.message.value = _error_html(error)

    def __repr__(self) -> str:
        return (
            f"CredentialsForm(mode={self.mode.value!r}, "
            f"access_key={mask_access_key(self.access_key.value)!r}, "
            f"secret_key={self._secret_key!r}, "
            f"session_token={self._session_token!r}, "
            f"region={self.region.value!r})"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        return _bundle(self.widget, repr(self), self.headless, **kwargs)


def _found_credentials(mode: str) -> tuple[AwsCredentials | None, str]:
    """The keys the kit would use in ``mode``, and where they come from."""
    if mode == "offline":
        return resolve_credentials("offline"), "the emulator's keys"
    profile = os.environ.get("AWS_PROFILE")
    source = f"AWS profile {profile}" if profile else "the AWS environment"
    try:
        return resolve_credentials("aws"), source
    except CredentialsError:
        return None, "nowhere"


def _profile_region() -> str:
    import botocore.session  # type: ignore[import-untyped]

    region = botocore.session.Session().get_config_variable("region")
    return str(region) if region else aws_region()


def _refusal(error: ClientError, model: str, region: str) -> KitError:
    """Bedrock's refusal of the test call, as what happened and what to do."""
    details = error.response.get("Error", {})
    code = str(details.get("Code", "")) or "an error"
    message = _ACCESS_KEY_ID.sub(
        lambda found: mask_access_key(found[0]), str(details.get("Message", ""))
    )
    if code in _BAD_KEYS:
        return CredentialsError(
            f"Bedrock refused the keys ({code}): {message}",
            "check the credentials: the access key id and the secret key must be "
            "one pair, copied whole; temporary keys (ASIA...) also need their "
            "session token",
        )
    if code == "ExpiredTokenException":
        return CredentialsError(
            f"The session token has expired ({code}): {message}",
            "check the credentials: get fresh temporary keys (aws sso login, or "
            "aws sts get-session-token) and enter all three again",
        )
    if code == "AccessDeniedException":
        return CredentialsError(
            f"Bedrock knows the keys but denied the call ({code}): {message}",
            f"give this identity bedrock:InvokeModel and turn on access to "
            f"{model} in the Bedrock console of {region}",
        )
    if code == "ThrottlingException":
        return KitError(
            f"Bedrock is throttling the calls ({code}): {message}",
            "the keys were accepted; wait a few seconds and retry",
        )
    if re.search(r"end of (?:its )?life", message, re.IGNORECASE):
        return KitError(
            f"Bedrock retired {model}: {message}",
            "the keys were accepted; the kit's test call needs a current model",
        )
    if code == "ResourceNotFoundException":
        return KitError(
            f"Bedrock in {region} does not serve {model} ({code}): {message}",
            "pick a region where Bedrock offers it, such as us-east-1",
        )
    return KitError(
        f"Bedrock answered {code}: {message}",
        "the message is Bedrock's own; mend what it names",
    )


def _not_sent(error: BotoCoreError, where: str, mode: str) -> KitError:
    """The test call never got an answer: nothing listening, or no region."""
    if not isinstance(error, EndpointConnectionError):
        return KitError(f"The call to {where} could not be made: {error}")
    if mode == "offline":
        fix = (
            "start the emulator with `python -m helpers up` (or `python -m helpers "
            "emulator`), or set BEDROCK_ENDPOINT to the URL it listens on"
        )
    else:
        fix = "check the network, the region and BEDROCK_ENDPOINT if it is set"
    return KitError(f"Nothing answers at {where}", fix)


class _Redact(logging.Filter):
    """Writes ``***`` for each secret in a record's message."""

    def __init__(self, secrets: Iterable[str]) -> None:
        super().__init__()
        self.secrets = [secret for secret in secrets if secret]

    def filter(self, record: logging.LogRecord) -> bool:
        text = record.getMessage()
        if any(secret in text for secret in self.secrets):
            for secret in self.secrets:
                text = text.replace(secret, "***")
            record.msg, record.args = text, None
        return True


@contextlib.contextmanager
def _redacted_logs(prefix: str, secrets: Iterable[str]) -> Iterator[None]:
    """Redact ``secrets`` from the loggers under ``prefix`` for a while.

    botocore's DEBUG lines hold the canonical request and the request headers,
    X-Amz-Security-Token included; they must not carry a session token to
    wherever a learner's logging sends them.
    """
    redact = _Redact(secrets)
    loggers = [
        logging.getLogger(name)
        for name in list(logging.root.manager.loggerDict)
        if name == prefix or name.startswith(prefix + ".")
    ]
    for each in loggers:
        each.addFilter(redact)
    try:
        yield
    finally:
        for each in loggers:
            each.removeFilter(redact)


def _scrubbed(error: KitError, secrets: Iterable[str]) -> KitError:
    """``error`` with any secret text replaced by ``***``.

    AWS's InvalidSignatureException can quote the canonical request it
    expected, session token header included.
    """
    what, fix = error.what, error.fix
    for secret in secrets:
        if secret:
            what = what.replace(secret, "***")
            fix = fix.replace(secret, "***") if fix else fix
    if (what, fix) == (error.what, error.fix):
        return error
    return type(error)(what, fix)


# -- prompts ------------------------------------------------------------------

# The parameters a connector's request_body may read from a predict call.
_MODEL_PARAMETERS = ("maxTokens", "temperature", "topP")
_PLACEHOLDER = re.compile(r"\$\{parameters\.(\w+)\}")


class PromptForm:
    """A prompt box for one deployed model: answer, raw reply, latency, errors.

    :meth:`ask` (the Ask button) sends the prompt with
    :meth:`helpers.MLCommons.predict` and keeps the outcome in
    :attr:`prediction` or :attr:`error`, and the time it took in
    :attr:`latency_ms`. The request runs in the kernel while the button is
    disabled, so the notebook waits for the answer as it would for a cell.

    maxTokens, temperature and topP go into the predict call only when the
    model's connector reads them (``${parameters.maxTokens}`` and so on in its
    ``request_body``); otherwise their boxes are greyed out. The kit's own
    blueprints write these values into the request body: the Jurassic-2 one
    sends maxTokens 200, temperature 0.7 and topP 1, and the Claude Messages
    and Converse ones take ``max_tokens`` as an argument of the blueprint
    builder. A connector made with placeholders there lets this form set them.

    ML Commons 2.12 and later deploy an undeployed remote model on its first
    predict (``plugins.ml_commons.model_auto_deploy.enable``, on by default),
    so the form shows "not deployed" only where that setting is off.
    """

    def __init__(self, ml: MLCommons, model_id: str, *, prompt: str = "") -> None:
        self.ml = ml
        self.model_id = model_id
        self.headless = headless()
        self.prediction: Prediction | None = None
        self.error: KitError | None = None
        self.latency_ms: int | None = None
        self.prompt = widgets.Textarea(
            value=prompt,
            placeholder="Ask the model something",
            layout=widgets.Layout(width="48em", height="6em"),
        )
        self.max_tokens = widgets.BoundedIntText(
            value=200, min=1, max=8192, description="maxTokens", style=_LABEL
        )
        self.temperature = widgets.FloatSlider(
            value=0.7, min=0.0, max=1.0, step=0.05, description="temperature"
        )
        self.top_p = widgets.FloatSlider(
            value=1.0, min=0.0, max=1.0, step=0.05, description="topP"
        )
        self.ask_button = widgets.Button(description="Ask", button_style="primary")
        self.show_raw = widgets.Checkbox(description="raw ML Commons response")
        self.latency = widgets.Label()
        self.message = widgets.HTML()
        self.answer = widgets.HTML()
        self.raw = widgets.HTML()
        self.parameters_note = widgets.Label()
        self.widget = widgets.VBox(
            [
                self.prompt,
                widgets.HBox([self.max_tokens, self.temperature, self.top_p]),
                self.parameters_note,
                widgets.HBox([self.ask_button, self.latency, self.show_raw]),
                self.message,
                self.answer,
                self.raw,
            ]
        )
        self.ask_button.on_click(lambda _: self.ask())
        self.show_raw.observe(lambda _: self._show_raw(), names="value")
        self.used_parameters = self._read_template()

    def parameters(self) -> dict[str, str]:
        """The model parameters the connector reads, as the predict call sends them."""
        values = {
            "maxTokens": str(self.max_tokens.value),
            "temperature": f"{self.temperature.value:g}",
            "topP": f"{self.top_p.value:g}",
        }
        used = self.used_parameters
        return {name: values[name] for name in _MODEL_PARAMETERS if name in used}

    def ask(self) -> Prediction | None:
        """Send the prompt and show the answer, or what went wrong and what to do.

        What the Ask button does; the button stays disabled while the request
        runs. Returns the prediction, or ``None`` after an error (kept in
        :attr:`error`).
        """
        self.ask_button.disabled = True
        self._clear()
        started = time.monotonic()
        try:
            self.prediction = self._predict()
        except KitError as error:
            self.error = error
            self.message.value = _error_html(error)
            return None
        finally:
            self.latency_ms = round((time.monotonic() - started) * 1000)
            self.ask_button.disabled = False
        self._show_prediction(self.prediction)
        return self.prediction

    def _predict(self) -> Prediction:
        prompt = self.prompt.value
        if not prompt.strip():
            raise KitError("The prompt is empty", "type a question, then press Ask")
        try:
            return self.ml.predict(self.model_id, prompt, parameters=self.parameters())
        except TransportError as error:
            # predict reads the node's version first, outside its own translation.
            raise translate(error, model_id=self.model_id) from error

    def _read_template(self) -> frozenset[str]:
        try:
            used = _template_parameters(self.ml, self.model_id)
        except KitError as error:
            self.message.value = _error_html(error)
            used = frozenset()
        for name, box in self._parameter_boxes().items():
            box.disabled = name not in used
        unused = [name for name in _MODEL_PARAMETERS if name not in used]
        self.parameters_note.value = (
            f"This model's connector fixes {', '.join(unused)} in its request "
            "body; the greyed-out values are not sent."
            if unused
            else ""
        )
        return used

    def _parameter_boxes(self) -> dict[str, widgets.ValueWidget]:
        return {
            "maxTokens": self.max_tokens,
            "temperature": self.temperature,
            "topP": self.top_p,
        }

    def _clear(self) -> None:
        self.prediction = None
        self.error = None
        for output in (self.message, self.answer, self.raw):
            output.value = ""
        self.latency.value = ""

    def _show_prediction(self, prediction: Prediction) -> None:
        self.latency.value = f"{self.latency_ms} ms"
        if prediction.text is None:
            self.message.value = html.escape(
                "The reply holds no answer text the kit recognises; tick "
                "'raw ML Commons response' to see all of it."
            )
        else:
            self.answer.value = _pre(prediction.text)
        self._show_raw()

    def _show_raw(self) -> None:
        if self.show_raw.value and self.prediction is not None:
            text = json.dumps(self.prediction.raw, indent=2, ensure_ascii=False)
            self.raw.value = _pre(text)
        else:
            self.raw.value = ""

    def __repr__(self) -> str:
        if self.error is not None:
            last = f"error={self.error.what!r}"
        elif self.prediction is not None:
            last = f"answer={self.prediction.text!r}, latency_ms={self.latency_ms}"
        else:
            last = "not asked yet"
        return f"PromptForm(model_id={self.model_id!r}, {last})"

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        return _bundle(self.widget, repr(self), self.headless, **kwargs)


def _template_parameters(ml: MLCommons, model_id: str) -> frozenset[str]:
    """The model parameters the predict action's request_body reads."""
    model = ml.get_model(model_id)
    if model.connector_id:
        connector = ml.get_connector(model.connector_id).body
    else:
        # A model registered with an internal connector carries it inline.
        connector = model.body.get("connector", {})
    templates = " ".join(
        str(action.get("request_body", ""))
        for action in connector.get("actions", [])
        if str(action.get("action_type", "")).lower() == "predict"
    )
    return frozenset(_PLACEHOLDER.findall(templates)) & set(_MODEL_PARAMETERS)


# -- progress -----------------------------------------------------------------


class StatusWidget:
    """A progress bar and a line of state for a long wait.

    Call it with ``(done, total, state)`` from anything that reports progress,
    or hand :meth:`watch` a probe for :func:`helpers.wait_for`::

        status = StatusWidget("deploying")
        display(status)
        wait_for(status.watch(probe, timeout=120), what="deploy", timeout=120,
                 progress=False)
    """

    def __init__(self, description: str = "", total: int = 100) -> None:
        self.bar = widgets.IntProgress(
            value=0, min=0, max=max(1, total), description=description
        )
        self.label = widgets.Label()
        self.widget = widgets.HBox([self.bar, self.label])

    def __call__(
        self, done: float, total: float | None = None, state: str = ""
    ) -> None:
        if total:
            self.bar.max = max(1, round(total))
        self.bar.value = max(0, min(round(done), self.bar.max))
        self.label.value = state

    def finish(self, state: str = "done") -> None:
        self.bar.value = self.bar.max
        self.bar.bar_style = "success"
        self.label.value = state

    def fail(self, state: str) -> None:
        self.bar.bar_style = "danger"
        self.label.value = state

    def watch(
        self, probe: Callable[[], Poll[T]], *, timeout: float
    ) -> Callable[[], Poll[T]]:
        """``probe``, showing each state it sees and the seconds out of ``timeout``."""
        started = time.monotonic()

        def watched() -> Poll[T]:
            poll = probe()
            if poll.done:
                self.finish(poll.state)
            else:
                self(time.monotonic() - started, timeout, poll.state)
            return poll

        return watched

    def __repr__(self) -> str:
        return (
            f"StatusWidget({self.bar.description!r}, {self.bar.value}/{self.bar.max}, "
            f"{self.label.value!r})"
        )

    def _repr_mimebundle_(self, **kwargs: Any) -> dict[str, Any]:
        return _bundle(self.widget, repr(self), headless(), **kwargs)


# -- display ------------------------------------------------------------------


def _bundle(
    widget: widgets.Widget, text: str, text_only: bool, **kwargs: Any
) -> dict[str, Any]:
    """The display of a form: its widgets, or only its text when headless."""
    if text_only:
        return {"text/plain": text}
    bundle: dict[str, Any] = widget._repr_mimebundle_(**kwargs) or {}
    bundle["text/plain"] = text
    return bundle


def _pre(text: str) -> str:
    return f'<pre style="white-space: pre-wrap">{html.escape(text)}</pre>'


def _error_html(error: KitError) -> str:
    parts = [f'<b style="color:#b00020">{html.escape(error.what)}</b>']
    if error.fix:
        parts.append(f"What to do: {html.escape(error.fix)}")
    return "<br>".join(parts)
