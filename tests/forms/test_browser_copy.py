"""The credentials form as a browser sees it, over a real kernel's messages.

JupyterLab saves the widget state its own models hold: what the learner typed,
then every update the kernel sent. :class:`BrowserCopy` keeps such models from
a real kernel's comm messages, types into the secret boxes as the browser does,
and so shows what a saved notebook would hold.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jupyter_client.blocking.client import BlockingKernelClient
from jupyter_client.manager import KernelManager

pytestmark = [pytest.mark.node, pytest.mark.usefixtures("emulator")]

ROOT = Path(__file__).resolve().parents[2]
SECRET = "browser+copy/secret0123456789DoNotKeep"
TOKEN = "browser-copy-token-DoNotKeep-0123456789"


class BrowserCopy:
    """A browser's copy of a kernel's widget models; it draws nothing.

    The state in each ``comm_open`` starts a model, each ``update`` (and, to be
    strict, ``echo_update``) changes it, and what :meth:`type_into` sends is
    applied at once, as a browser applies what the learner types.
    """

    def __init__(self, client: BlockingKernelClient) -> None:
        self.client = client
        self.models: dict[str, dict[str, Any]] = {}
        self.received: list[dict[str, Any]] = []

    def execute(self, code: str) -> str:
        """Run ``code`` in the kernel; return what it printed."""
        return self._drain(self.client.execute(code))

    def type_into(self, model_id: str, value: str) -> None:
        self.models[model_id]["value"] = value
        state = {"method": "update", "state": {"value": value}, "buffer_paths": []}
        message = self.client.session.msg(
            "comm_msg", {"comm_id": model_id, "data": state}
        )
        self.client.shell_channel.send(message)
        self._drain(message["header"]["msg_id"])

    def _drain(self, parent: str) -> str:
        printed = []
        while True:
            message = self.client.get_iopub_msg(timeout=60)
            self.received.append(message["content"])
            self._apply(message)
            if message["parent_header"].get("msg_id") != parent:
                continue
            kind, content = message["msg_type"], message["content"]
            if kind == "error":
                raise AssertionError("\n".join(content["traceback"]))
            if kind == "stream":
                printed.append(content["text"])
            if kind == "status" and content["execution_state"] == "idle":
                return "".join(printed)

    def _apply(self, message: dict[str, Any]) -> None:
        content = message["content"]
        if message["msg_type"] == "comm_open":
            self.models[content["comm_id"]] = dict(content["data"]["state"])
        elif message["msg_type"] == "comm_msg":
            data = content["data"]
            if data.get("method") in ("update", "echo_update"):
                self.models.setdefault(content["comm_id"], {}).update(data["state"])


@pytest.fixture
def browser() -> Iterator[BrowserCopy]:
    manager = KernelManager(kernel_name="python3")
    manager.start_kernel(cwd=str(ROOT), env={**os.environ, "FORMS_SECRET": SECRET})
    client = manager.client()
    client.start_channels()
    try:
        client.wait_for_ready(timeout=60)
        yield BrowserCopy(client)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def test_what_the_learner_types_leaves_the_browsers_models_at_once(
    browser: BrowserCopy,
) -> None:
    ids = browser.execute(
        "import os\n"
        "from helpers._forms import CredentialsForm\n"
        "form = CredentialsForm('offline')\n"
        "print(form.secret_key.model_id, form.session_token.model_id)"
    ).split()

    browser.type_into(ids[0], SECRET)
    browser.type_into(ids[1], TOKEN)
    checked = browser.execute(
        "print(form.credentials().secret_key == os.environ['FORMS_SECRET'])\n"
        "print(form.test())"
    )

    assert checked.split() == ["True", "False"]
    assert browser.models[ids[0]]["value"] == ""
    assert browser.models[ids[1]]["value"] == ""
    saved = json.dumps(browser.models)
    assert "set (hidden), typed in" in saved
    assert "check the credentials" in saved
    for secret in (SECRET, TOKEN):
        assert secret not in saved
        assert secret not in json.dumps(browser.received)
