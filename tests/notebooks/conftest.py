"""What the notebook tests share: the notebooks, an emulator, a run's prefix.

The notebooks run against the real node (``opensearch_url`` from
``tests/conftest.py``) and an emulator on a free port, which they reach through
their ``emulator_url`` parameter and ``BEDROCK_ENDPOINT`` (for the command line
that notebook 06 runs). Each run names its resources with its own prefix and
deletes them afterwards, even when a notebook failed halfway.

Executed and prepared copies are kept for reading after the run, outside the
repository: under ``$KIT_ARTIFACTS/notebooks/`` (default: the system's temporary
directory, ``kit-artifacts/notebooks/``).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from kit_support import (
    KERNEL_NAME,
    NOTEBOOK_DIR,
    NOTEBOOKS,
    REPO_ROOT,
    NotebookRun,
    delete_kit_resources,
    distrust,
    new_run,
)
from opensearchpy import OpenSearch

from helpers.emulator import EmulatorConfig, EmulatorServer

__all__ = [
    "KERNEL_NAME",
    "NOTEBOOKS",
    "NOTEBOOK_DIR",
    "REPO_ROOT",
    "NotebookRun",
    "delete_kit_resources",
    "new_run",
]

SANITIZE_FILE = Path(__file__).with_name("sanitize.cfg")


@pytest.fixture(scope="session")
def artifacts_root() -> Path:
    base = os.environ.get("KIT_ARTIFACTS") or Path(
        tempfile.gettempdir(), "kit-artifacts"
    )
    root = Path(base, "notebooks").resolve()
    if root.is_relative_to(REPO_ROOT):
        raise pytest.UsageError(
            f"KIT_ARTIFACTS={base} lies inside the repository; executed notebooks "
            "would end up beside the committed ones. Point it elsewhere."
        )
    root.mkdir(parents=True, exist_ok=True)
    return root


@pytest.fixture(scope="session")
def kernel_name() -> str:
    from jupyter_client.kernelspec import KernelSpecManager, NoSuchKernel

    try:
        KernelSpecManager().get_kernel_spec(KERNEL_NAME)
    except NoSuchKernel:
        pytest.fail(
            f"the Jupyter kernel {KERNEL_NAME!r} is not installed; run `make setup`, "
            f"or: python -m ipykernel install --sys-prefix --name {KERNEL_NAME}"
        )
    return KERNEL_NAME


@pytest.fixture(scope="session")
def notebook_client(opensearch_url: str) -> OpenSearch:
    from helpers import connect

    return connect(opensearch_url)


@pytest.fixture(scope="session")
def notebook_emulator(notebook_client: OpenSearch) -> Iterator[str]:
    """An emulator on a free port, trusted while the session lasts."""
    # Explicit settings, so BEDROCK_EMULATOR_* in the caller's environment
    # cannot change the answers the stored outputs hold.
    with EmulatorServer(port=0, config=EmulatorConfig()) as server:
        saved = {
            key: os.environ.get(key)
            for key in ("BEDROCK_ENDPOINT", "KIT_PROGRESS", "KIT_HEADLESS")
        }
        # Kernels inherit this environment: the CLI of notebook 06 finds the
        # emulator through BEDROCK_ENDPOINT, progress bars stay out of outputs,
        # and the forms show as text instead of waiting for someone to type.
        os.environ.update(
            BEDROCK_ENDPOINT=server.url, KIT_PROGRESS="0", KIT_HEADLESS="1"
        )
        try:
            yield server.url
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value
            distrust(notebook_client, server.url)
