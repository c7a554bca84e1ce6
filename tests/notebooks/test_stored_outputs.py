"""The outputs stored in the notebooks are what a run produces today (nbval)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import papermill  # type: ignore[import-untyped]
import pytest
from opensearchpy import OpenSearch

from .conftest import (
    NOTEBOOKS,
    SANITIZE_FILE,
    NotebookRun,
    delete_kit_resources,
    new_run,
)

pytestmark = pytest.mark.node

_PLUGIN_DIR = Path(__file__).parent


@pytest.fixture(scope="module")
def nbval_run(
    artifacts_root: Path,
    opensearch_url: str,
    notebook_emulator: str,
    notebook_client: OpenSearch,
) -> Iterator[NotebookRun]:
    run = new_run("nbval", artifacts_root, opensearch_url, notebook_emulator)
    try:
        yield run
    finally:
        delete_kit_resources(notebook_client, run.prefix)


def prepare(run: NotebookRun, kernel_name: str) -> Path:
    """Copies of the notebooks with their outputs and this run's parameters."""
    prepared = run.artifacts / "prepared"
    prepared.mkdir()
    for notebook in NOTEBOOKS:
        papermill.execute_notebook(
            str(notebook),
            str(prepared / notebook.name),
            parameters=run.parameters,
            kernel_name=kernel_name,
            prepare_only=True,
            progress_bar=False,
        )
    # An empty configuration keeps the repository's pytest settings out of the run.
    (prepared / "pytest.ini").write_text("[pytest]\n")
    return prepared


def test_stored_outputs_match_a_fresh_run(
    nbval_run: NotebookRun, kernel_name: str
) -> None:
    prepared = prepare(nbval_run, kernel_name)
    command = [
        sys.executable,
        *("-m", "pytest", "--nbval", "-q", "--color=no"),
        *("-p", "nbval_json", "-p", "no:cacheprovider"),
        *("--nbval-sanitize-with", str(SANITIZE_FILE)),
        *("--nbval-kernel-name", kernel_name),
        *("--nbval-cell-timeout", "120"),
        *("--rootdir", str(prepared)),
        *sorted(str(path) for path in prepared.glob("*.ipynb")),
    ]
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(
            filter(None, [str(_PLUGIN_DIR), os.environ.get("PYTHONPATH")])
        ),
    }
    result = subprocess.run(
        command,
        cwd=prepared,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    log = prepared / "nbval.log"
    log.write_text(result.stdout + result.stderr)
    assert result.returncode == 0, (
        f"nbval found outputs that differ from the stored ones (full log: {log}):\n"
        + result.stdout[-6000:]
    )
