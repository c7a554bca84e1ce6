"""Every notebook runs, in order, against the real node and the emulator."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import papermill  # type: ignore[import-untyped]
import pytest
from opensearchpy import OpenSearch

from .conftest import NOTEBOOKS, NotebookRun, delete_kit_resources, new_run

pytestmark = pytest.mark.node


class _Progress:
    """Whether an earlier notebook of the run failed; later ones depend on it."""

    failed: str | None = None


@pytest.fixture(scope="module")
def papermill_run(
    artifacts_root: Path,
    opensearch_url: str,
    notebook_emulator: str,
    notebook_client: OpenSearch,
) -> Iterator[NotebookRun]:
    run = new_run("nbtest", artifacts_root, opensearch_url, notebook_emulator)
    (run.artifacts / "executed").mkdir()
    try:
        yield run
    finally:
        # 99-cleanup has normally removed everything; this covers a failed run.
        delete_kit_resources(notebook_client, run.prefix)


@pytest.fixture(scope="module")
def progress() -> _Progress:
    return _Progress()


@pytest.mark.parametrize("notebook", NOTEBOOKS, ids=lambda path: path.stem)
def test_notebook_runs_without_errors(
    notebook: Path, papermill_run: NotebookRun, kernel_name: str, progress: _Progress
) -> None:
    if progress.failed is not None:
        pytest.skip(f"{progress.failed} failed, and this notebook builds on it")
    executed = papermill_run.artifacts / "executed" / notebook.name
    progress.failed = notebook.stem
    papermill.execute_notebook(
        str(notebook),
        str(executed),
        parameters=papermill_run.parameters,
        kernel_name=kernel_name,
        cwd=str(executed.parent),
        progress_bar=False,
        execution_timeout=120,
    )
    progress.failed = None
