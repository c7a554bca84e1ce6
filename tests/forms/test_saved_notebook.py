"""What a notebook run without a browser (nbclient, papermill) saves.

nbclient stores the widget state the kernel sent, as a papermill run does; the
saved file must hold the form's widgets and outputs and none of its secrets.
What a browser holds after the learner types is test_browser_copy's subject.
"""

from __future__ import annotations

from pathlib import Path

import nbclient
import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from helpers.emulator import DEFAULT_SECRET_ACCESS_KEY

pytestmark = [pytest.mark.node, pytest.mark.usefixtures("emulator")]

ROOT = Path(__file__).resolve().parents[2]
SECRET = "saved+notebook/secret0123456789DoNotSave"
TOKEN = "saved-notebook-token-DoNotSave-0123456789"
WIDGET_STATE = "application/vnd.jupyter.widget-state+json"
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"


def run(cells: list[str], monkeypatch: pytest.MonkeyPatch, **env: str) -> str:
    """The saved text of a notebook of ``cells`` run in a fresh kernel."""
    env = {"FORMS_SECRET": SECRET, "FORMS_TOKEN": TOKEN, **env}
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    notebook = new_notebook(cells=[new_code_cell(source) for source in cells])
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    client = nbclient.NotebookClient(
        notebook,
        timeout=120,
        store_widget_state=True,
        resources={"metadata": {"path": str(ROOT)}},
    )
    client.execute()
    return str(nbformat.writes(notebook))


# What the second cell runs is what the kernel runs when the browser's boxes
# send what was typed; it reads the secrets from the environment, so no
# cell's source holds them.
CELLS = [
    """\
import os
from helpers._forms import CredentialsForm
form = CredentialsForm('offline')
form""",
    """\
form.secret_key.set_state({'value': os.environ['FORMS_SECRET']})
form.session_token.set_state({'value': os.environ['FORMS_TOKEN']})
form.test()""",
    """\
print(repr(form))
print(form.message.value)
form""",
]


def test_a_saved_notebook_holds_the_forms_widgets_but_not_its_secrets(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saved = run(CELLS, monkeypatch)

    assert WIDGET_STATE in saved and WIDGET_VIEW in saved
    assert "PasswordModel" in saved
    assert "set (hidden), typed in" in saved
    for secret in (SECRET, TOKEN, DEFAULT_SECRET_ACCESS_KEY):
        assert secret not in saved


def test_a_headless_run_saves_the_form_as_text_only(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    saved = run(CELLS, monkeypatch, KIT_HEADLESS="1")

    assert "CredentialsForm(mode='offline'" in saved
    assert WIDGET_VIEW not in saved
    for secret in (SECRET, TOKEN, DEFAULT_SECRET_ACCESS_KEY):
        assert secret not in saved
