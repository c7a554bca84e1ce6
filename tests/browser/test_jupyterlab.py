"""The inference notebook in real JupyterLab, driven in Debian's Chromium.

A learner opens notebook 04, runs it, types a secret key into the credentials
form, tests it, asks a question in the prompt form and saves the notebook. The
answer must appear, and the saved file must not hold the secret. A screenshot
of each run is kept under ``$KIT_ARTIFACTS/browser`` (outside the repository).
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from opensearchpy import OpenSearch

from helpers import AwsCredentials, MLCommons, kit_names
from helpers._flow import cleanup, deploy
from helpers.emulator import DEFAULT_ACCESS_KEY_ID, EmulatorConfig, EmulatorServer

pytestmark = [pytest.mark.node, pytest.mark.browser]

ROOT = Path(__file__).resolve().parent.parent.parent
CHROMIUM = Path("/usr/bin/chromium")
NOTEBOOK = "04-first-inference.ipynb"
# Not the notebook's own example prompt: this one must be typed.
QUESTION = "What colour is the sea, and why?"


@pytest.fixture(scope="module")
def artifacts() -> Path:
    base = Path(os.environ.get("KIT_ARTIFACTS") or "/tmp/kit-artifacts") / "browser"
    base.mkdir(parents=True, exist_ok=True)
    return base


@pytest.fixture(scope="module")
def canary() -> str:
    """A secret key nobody else uses, so any copy of it is found."""
    return "Canary" + secrets.token_hex(16)


@pytest.fixture(scope="module")
def deployed(client: OpenSearch, canary: str) -> Iterator[dict[str, str]]:
    """An emulator that accepts only the canary, and the tutorial's model."""
    config = EmulatorConfig(secret_access_key=canary)
    names = kit_names(f"browser-{secrets.token_hex(4)}")
    with EmulatorServer(port=0, config=config) as emulator:
        saved = os.environ.get("BEDROCK_ENDPOINT")
        os.environ["BEDROCK_ENDPOINT"] = emulator.url
        credentials = AwsCredentials(DEFAULT_ACCESS_KEY_ID, canary)
        try:
            done = deploy(client, names, credentials=credentials, question=None)
            # The emulator answers deterministically: this is what Ask must show.
            expected = MLCommons(client).predict(done.model.id, QUESTION).text or ""
            yield {
                "emulator": emulator.url,
                "prefix": names.prefix,
                "answer": expected.strip(),
            }
        finally:
            cleanup(client, names)
            if saved is None:
                os.environ.pop("BEDROCK_ENDPOINT", None)
            else:
                os.environ["BEDROCK_ENDPOINT"] = saved


@pytest.fixture(scope="module")
def jupyterlab(
    tmp_path_factory: pytest.TempPathFactory,
    opensearch_url: str,
    deployed: dict[str, str],
) -> Iterator[dict[str, object]]:
    """JupyterLab on 127.0.0.1 with a token, serving a copy of the notebooks."""
    workspace = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / "notebooks" / NOTEBOOK, workspace / NOTEBOOK)
    port, token = _free_port(), secrets.token_hex(16)
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PAPERMILL_", "BEDROCK_EMULATOR_", "KIT_HEADLESS"))
    }
    env.update(
        OPENSEARCH_URL=opensearch_url,
        BEDROCK_ENDPOINT=deployed["emulator"],
        KIT_PREFIX=deployed["prefix"],
        KIT_PROGRESS="0",
        JUPYTER_CONFIG_DIR=str(workspace / ".jupyter"),
        JUPYTERLAB_WORKSPACES_DIR=str(workspace / ".workspaces"),
    )
    log = open(workspace.parent / "jupyterlab.log", "wb")  # noqa: SIM115
    server = subprocess.Popen(
        [
            sys.executable, "-m", "jupyterlab",
            "--ip", "127.0.0.1", "--port", str(port), "--no-browser",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={workspace}",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        env=env, stdout=log, stderr=subprocess.STDOUT,
    )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_for_server(url, token, server)
        yield {"url": url, "token": token, "workspace": workspace}
    finally:
        server.terminate()
        server.wait(timeout=30)
        log.close()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium")
def test_a_learner_asks_through_the_forms_and_the_secret_is_never_saved(
    jupyterlab: dict[str, object],
    deployed: dict[str, str],
    canary: str,
    artifacts: Path,
) -> None:
    from playwright.sync_api import expect, sync_playwright

    url, token = jupyterlab["url"], jupyterlab["token"]
    saved_file = Path(str(jupyterlab["workspace"])) / NOTEBOOK
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM),
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        page = browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            page.goto(f"{url}/lab/tree/{NOTEBOOK}?token={token}")
            _run_all_cells(page)

            secret_box = page.locator("input[type=password]").first
            expect(secret_box).to_be_visible(timeout=60_000)
            secret_box.fill(canary)
            secret_box.press("Enter")
            expect(page.get_by_text("set (hidden), typed in").first).to_be_visible()
            page.get_by_role("button", name="Test").click()
            expect(page.get_by_text("Bedrock accepted the keys")).to_be_visible(
                timeout=30_000
            )

            page.get_by_placeholder("Ask the model something").fill(QUESTION)
            page.get_by_role("button", name="Ask").click()
            answer_start = deployed["answer"][:40]
            assert answer_start
            expect(page.get_by_text(answer_start).first).to_be_visible(timeout=60_000)

            before = saved_file.stat().st_mtime_ns
            page.keyboard.press("Control+s")
            _wait_saved(saved_file, before)
        finally:
            # Kept for every run, passed or failed: what the learner would see.
            stamp = time.strftime("%Y%m%d-%H%M%S")
            page.screenshot(path=str(artifacts / f"jupyterlab-{stamp}.png"))
            browser.close()

    saved = saved_file.read_text(encoding="utf-8")
    assert canary not in saved
    assert "application/vnd.jupyter.widget-state+json" not in saved
    assert "application/vnd.jupyter.widget-view+json" in saved


def _run_all_cells(page: Any) -> None:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    """Run > Run All Cells, once the notebook and its kernel are there."""
    page.locator(".jp-Notebook").wait_for(timeout=60_000)
    # JupyterLab sometimes asks which kernel to start; the notebook names it.
    select = page.locator(".jp-Dialog").get_by_role("button", name="Select")
    try:
        select.click(timeout=5_000)
    except PlaywrightTimeout:
        pass
    page.locator(".jp-Notebook-ExecutionIndicator[data-status='idle']").wait_for(
        timeout=60_000
    )
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.locator(".lm-Menu-itemLabel", has_text="Run All Cells").first.click()


def _wait_saved(path: Path, before: int) -> None:
    """Wait until JupyterLab has written the notebook again, with live widgets.

    The stored copy was made headless and holds the forms as text; a save from
    the browser holds the views of the widgets the run displayed.
    """
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if path.stat().st_mtime_ns != before:
            try:
                text = path.read_text(encoding="utf-8")
                json.loads(text)
                if "application/vnd.jupyter.widget-view+json" in text:
                    return
            except ValueError:
                pass  # caught mid-write; read it again
        time.sleep(0.5)
    raise AssertionError(f"{path.name} was not saved after Ctrl+S")


def _wait_for_server(url: str, token: str, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise AssertionError(f"JupyterLab exited with {server.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise AssertionError("JupyterLab did not answer within 60 s")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
