"""The credentials form: filling, the Test button's one call, and its secrets.

Every Test click signs a real call to the session's Bedrock emulator; the
secret-keeping tests look where a saved notebook would: each widget's state,
the manager state ipywidgets embeds, the messages sent to the browser.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import ipywidgets  # type: ignore[import-untyped]
import pytest
from ipywidgets import embed

from helpers._blueprints import AwsCredentials
from helpers._errors import CredentialsError
from helpers._forms import TEST_MODELS, CredentialsForm, headless
from helpers._kit import resolve_credentials
from helpers.emulator import (
    DEFAULT_ACCESS_KEY_ID,
    DEFAULT_SECRET_ACCESS_KEY,
    EmulatorServer,
)

from ._support import emulator_calls, shown, write_profile

pytestmark = [pytest.mark.node, pytest.mark.usefixtures("emulator")]

WRONG_SECRET = "forms+wrong/secret0123456789DoNotShowMe"
TOKEN = "forms-session-token-DoNotShowMe-0123456789"


class _QuotingFrontDoor(BaseHTTPRequestHandler):
    """Refuses every signature the way AWS can: quoting the canonical request.

    AWS's InvalidSignatureException may include the canonical request it
    expected, and with it the X-Amz-Security-Token header's value.
    """

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        token = self.headers.get("X-Amz-Security-Token", "")
        body = json.dumps(
            {
                "message": "The request signature we calculated does not match the "
                "signature you provided. The Canonical String for this request "
                f"should have been 'POST\n/model\n\nx-amz-security-token:{token}'"
            }
        ).encode()
        self.send_response(403)
        self.send_header("Content-Type", "application/json")
        self.send_header("x-amzn-ErrorType", "InvalidSignatureException:")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def quoting_front_door(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _QuotingFrontDoor)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    url = f"http://127.0.0.1:{server.server_port}"
    monkeypatch.setenv("BEDROCK_ENDPOINT", url)
    yield url
    server.shutdown()
    server.server_close()


def saved_state(form: CredentialsForm) -> str:
    """Everything a notebook could save about the form's widgets, as text."""
    each = [widget.get_state() for widget in _widgets(form.widget)]
    manager = ipywidgets.Widget.get_manager_state()
    embedded = embed.dependency_state(form.widget, drop_defaults=False)
    return json.dumps([each, manager, embedded], default=str)


def _widgets(root: ipywidgets.Widget) -> list[ipywidgets.Widget]:
    found = [root, root.layout]
    if hasattr(root, "style"):
        found.append(root.style)
    for child in getattr(root, "children", ()):
        found += _widgets(child)
    return found


def test_the_form_starts_with_the_emulators_keys_offline() -> None:
    form = CredentialsForm("offline")

    assert form.credentials() == resolve_credentials("offline")
    assert form.access_key.value == DEFAULT_ACCESS_KEY_ID
    assert form.secret_key.value == ""
    assert "the emulator's keys" in shown(form.message)


def test_the_test_button_makes_one_call_that_the_emulator_accepts(
    emulator: EmulatorServer,
) -> None:
    form = CredentialsForm("offline")
    before = len(emulator_calls(emulator))

    form.test_button.click()

    calls = emulator_calls(emulator)[before:]
    assert [(call["model_id"], call["status"]) for call in calls] == [
        (TEST_MODELS["offline"], 200)
    ]
    assert form.last_error is None
    assert "Bedrock accepted the keys" in shown(form.message)
    assert emulator.url in shown(form.message)
    assert not form.test_button.disabled


def test_a_wrong_secret_says_check_the_credentials_without_showing_it() -> None:
    form = CredentialsForm("offline")
    form.secret_key.value = WRONG_SECRET

    assert form.test() is False

    assert isinstance(form.last_error, CredentialsError)
    assert "InvalidSignatureException" in form.last_error.what
    assert str(form.last_error.fix).startswith("check the credentials")
    assert "check the credentials" in shown(form.message)
    assert WRONG_SECRET not in form.message.value
    assert WRONG_SECRET not in str(form.last_error)


def test_an_unknown_access_key_says_check_the_credentials() -> None:
    form = CredentialsForm("offline")
    form.access_key.value = "AKIAZZZZZZZZZZZZZZZ"

    assert form.test() is False

    assert isinstance(form.last_error, CredentialsError)
    assert "UnrecognizedClientException" in form.last_error.what
    # Access key ids are shown masked, like everywhere in the kit.
    assert "AKIAZZZZZZZZZZZZZZZ" not in form.message.value
    assert "check the credentials" in shown(form.message)


def test_an_expired_session_token_says_get_fresh_keys(
    fault: Callable[..., dict[str, Any]],
) -> None:
    fault(model=TEST_MODELS["offline"], fault="expired-token")
    form = CredentialsForm("offline")

    assert form.test() is False

    assert isinstance(form.last_error, CredentialsError)
    assert form.last_error.what.startswith("The session token has expired")
    assert "get fresh temporary keys" in shown(form.message)


def test_a_throttled_test_call_says_the_keys_were_accepted(
    fault: Callable[..., dict[str, Any]],
) -> None:
    fault(model=TEST_MODELS["offline"], fault="throttle", count=1)
    form = CredentialsForm("offline")

    assert form.test() is False

    assert form.last_error is not None
    assert "throttling" in form.last_error.what
    assert form.last_error.fix == "the keys were accepted; wait a few seconds and retry"


def test_nothing_listening_says_start_the_emulator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Port 9 (discard) on loopback: nothing of the kit's listens there.
    monkeypatch.setenv("BEDROCK_ENDPOINT", "http://127.0.0.1:9")
    form = CredentialsForm("offline")

    assert form.test() is False

    assert form.last_error is not None
    assert form.last_error.what == "Nothing answers at http://127.0.0.1:9"
    assert "python -m helpers up" in shown(form.message)


def test_a_secret_typed_in_the_box_moves_into_the_form() -> None:
    form = CredentialsForm("offline")

    form.secret_key.value = WRONG_SECRET
    form.session_token.value = TOKEN

    assert form.secret_key.value == ""
    assert form.session_token.value == ""
    assert form.credentials() == AwsCredentials(
        DEFAULT_ACCESS_KEY_ID, WRONG_SECRET, TOKEN
    )
    assert "set (hidden), typed in" in saved_state(form)


def test_a_secret_sent_by_the_browser_is_not_echoed_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    form = CredentialsForm("offline")
    sent: list[dict[str, Any]] = []
    monkeypatch.setattr(
        form.secret_key, "_send", lambda msg, buffers=None: sent.append(msg)
    )

    # What ipywidgets runs when the browser's box reports its value.
    form.secret_key.set_state({"value": WRONG_SECRET})

    assert WRONG_SECRET not in json.dumps(sent)
    assert sent[-1]["state"] == {"value": ""}
    assert form.credentials().secret_key == WRONG_SECRET


def test_no_widget_state_and_no_repr_holds_the_secrets() -> None:
    form = CredentialsForm("offline")
    form.secret_key.value = WRONG_SECRET
    form.session_token.value = TOKEN
    form.test_button.click()

    shown = [
        saved_state(form),
        repr(form),
        json.dumps(form._repr_mimebundle_()),
        form.message.value,
        str(form.last_error),
    ]
    for text in shown:
        assert WRONG_SECRET not in text
        assert TOKEN not in text
    assert "secret_key='***', session_token='***'" in repr(form)


def test_a_session_token_aws_quotes_back_is_not_shown(
    quoting_front_door: str,
) -> None:
    form = CredentialsForm("offline")
    form.session_token.value = TOKEN

    assert form.test() is False

    assert isinstance(form.last_error, CredentialsError)
    assert "x-amz-security-token:***" in form.last_error.what
    assert TOKEN not in form.message.value
    assert TOKEN not in str(form.last_error)


def test_no_log_line_holds_the_secrets_even_at_debug(
    caplog: pytest.LogCaptureFixture,
) -> None:
    form = CredentialsForm("offline")
    form.secret_key.value = WRONG_SECRET
    form.session_token.value = TOKEN

    with caplog.at_level(logging.DEBUG):
        form.test()

    # botocore's DEBUG lines quote the signed headers, token included.
    assert "x-amz-security-token:***" in caplog.text
    assert "testing AWS keys AKIA...MPLE" in caplog.text
    assert TOKEN not in caplog.text
    assert WRONG_SECRET not in caplog.text


def test_the_emulators_own_secret_stays_out_of_the_widget_state() -> None:
    form = CredentialsForm("offline")
    form.test_button.click()

    assert form.last_error is None
    assert DEFAULT_SECRET_ACCESS_KEY not in saved_state(form)
    assert DEFAULT_SECRET_ACCESS_KEY not in repr(form)


def test_aws_mode_fills_the_form_from_the_environment_and_tests_with_converse(
    emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", DEFAULT_ACCESS_KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", DEFAULT_SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_REGION", "eu-central-1")
    form = CredentialsForm("aws")
    before = len(emulator_calls(emulator))

    assert form.test() is True

    assert form.region.value == "eu-central-1"
    assert form.credentials() == AwsCredentials(
        DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY
    )
    [call] = emulator_calls(emulator)[before:]
    assert call["operation"] == "Converse"
    assert call["model_id"] == TEST_MODELS["aws"]


def test_aws_mode_reads_the_named_profile(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_profile(tmp_path, "learner", DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY)
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_PROFILE", "learner")

    form = CredentialsForm("aws")

    assert form.region.value == "eu-west-3"
    assert form.access_key.value == DEFAULT_ACCESS_KEY_ID
    assert "AWS profile learner" in shown(form.message)
    assert form.test() is True


def test_aws_mode_without_keys_asks_for_them() -> None:
    form = CredentialsForm("aws")

    assert "enter them above" in shown(form.message)
    with pytest.raises(CredentialsError) as caught:
        form.credentials()
    assert caught.value.what == "The credentials form has no access key id"
    assert form.test() is False
    assert "enter the access key id and the secret key" in shown(form.message)


def test_switching_the_mode_fills_the_form_again() -> None:
    form = CredentialsForm("aws")

    form.mode.value = "offline"

    assert form.credentials() == resolve_credentials("offline")


def test_keys_set_from_code_are_used_and_hidden() -> None:
    form = CredentialsForm("offline")

    form.set_secrets(WRONG_SECRET, TOKEN)

    assert form.credentials().session_token == TOKEN
    assert WRONG_SECRET not in saved_state(form)


def test_a_headless_run_shows_text_and_uses_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("KIT_HEADLESS", "1")

    form = CredentialsForm()

    assert headless()
    assert form._repr_mimebundle_() == {"text/plain": repr(form)}
    assert form.credentials() == resolve_credentials()


def test_a_papermill_run_counts_as_headless(monkeypatch: pytest.MonkeyPatch) -> None:
    assert not headless()

    monkeypatch.setenv("PAPERMILL_EXECUTION", "1")

    assert headless()


def test_from_environment_shows_text_even_with_a_frontend() -> None:
    form = CredentialsForm.from_environment("offline")

    assert list(form._repr_mimebundle_()) == ["text/plain"]
    assert form.credentials() == resolve_credentials("offline")


def test_an_interactive_form_displays_its_widgets() -> None:
    form = CredentialsForm("offline")

    bundle = form._repr_mimebundle_()

    view = bundle["application/vnd.jupyter.widget-view+json"]
    assert view["model_id"] == form.widget.model_id
    assert bundle["text/plain"] == repr(form)
