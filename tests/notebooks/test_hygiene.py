"""The committed notebooks are safe to publish and tidy to read."""

from __future__ import annotations

import ast
import json
import re
from pathlib import Path
from typing import Any

import pytest

from helpers.emulator import DEFAULT_ACCESS_KEY_ID, DEFAULT_SECRET_ACCESS_KEY

from .conftest import KERNEL_NAME, NOTEBOOKS, REPO_ROOT

PARAMETERS = {"mode", "opensearch_url", "emulator_url", "prefix"}
CELL_TAGS = {"parameters", "nbval-ignore-output"}

_ACCESS_KEY_ID = re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")
# An AWS secret access key: 40 base64 characters, mixing cases and digits.
_SECRET_ACCESS_KEY = re.compile(
    r"(?<![A-Za-z0-9/+])(?=[A-Za-z0-9/+]*[a-z])(?=[A-Za-z0-9/+]*[A-Z])"
    r"(?=[A-Za-z0-9/+]*[0-9])[A-Za-z0-9/+]{40}(?![A-Za-z0-9/+=])"
)
# A secret-looking field with a value that is not masked.
_SECRET_FIELD = re.compile(
    r"""(secret_key|session_token|password)\\?["']?\s*[:=]\s*\\?["'](?!\*\*\*)[^"'\\]+"""
)
_LOCAL_PATH = re.compile(
    r"(?<![\w.])(?:/(?:home|Users|root|tmp|work|opt|var|usr|private)/|[A-Za-z]:\\\\)"
)
_CREDENTIAL_WORDS = re.compile(
    r"access_key|secret|token|password|credential", re.IGNORECASE
)


def load(path: Path) -> dict[str, Any]:
    notebook: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return notebook


def code_cells(notebook: dict[str, Any]) -> list[dict[str, Any]]:
    return [cell for cell in notebook["cells"] if cell["cell_type"] == "code"]


def source(cell: dict[str, Any]) -> str:
    text = cell["source"]
    return text if isinstance(text, str) else "".join(text)


notebooks = pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)


def test_the_series_is_there() -> None:
    stems = [path.stem for path in NOTEBOOKS]
    assert stems[0] == "00-setup" and stems[-1] == "99-cleanup"
    assert all(re.fullmatch(r"\d\d-[a-z0-9-]+", stem) for stem in stems)


@notebooks
def test_no_credentials_are_stored(path: Path) -> None:
    text = path.read_text(encoding="utf-8")

    assert DEFAULT_SECRET_ACCESS_KEY not in text
    assert DEFAULT_ACCESS_KEY_ID not in text
    assert _ACCESS_KEY_ID.findall(text) == []
    assert _SECRET_ACCESS_KEY.findall(text) == []
    assert _SECRET_FIELD.findall(text) == []


@notebooks
def test_no_local_paths_are_stored(path: Path) -> None:
    text = path.read_text(encoding="utf-8")

    assert str(REPO_ROOT) not in text
    assert _LOCAL_PATH.findall(text) == []
    assert "site-packages" not in text


@notebooks
def test_metadata_is_only_kernelspec_and_language_info(path: Path) -> None:
    notebook = load(path)

    assert set(notebook["metadata"]) == {"kernelspec", "language_info"}
    assert notebook["metadata"]["kernelspec"]["name"] == KERNEL_NAME
    for cell in notebook["cells"]:
        assert set(cell["metadata"]) <= {"tags"}, cell["metadata"]
        if "tags" in cell["metadata"]:
            assert cell["metadata"]["tags"], "an empty tag list"
            assert set(cell["metadata"]["tags"]) <= CELL_TAGS


@notebooks
def test_no_widget_state_or_progress_bars_are_stored(path: Path) -> None:
    text = path.read_text(encoding="utf-8")

    assert "application/vnd.jupyter.widget" not in text
    assert "widgets" not in load(path)["metadata"]


@notebooks
def test_stored_outputs_come_from_a_complete_run(path: Path) -> None:
    cells = code_cells(load(path))

    counts = [cell["execution_count"] for cell in cells]
    assert None not in counts, "a code cell was not run"
    assert counts == sorted(counts), "cells were not run from the top"
    for cell in cells:
        for output in cell["outputs"]:
            assert output["output_type"] != "error", source(cell)
            assert output.get("name") != "stderr", (source(cell), output["text"])


@notebooks
def test_one_parameters_cell_names_no_credentials(path: Path) -> None:
    cells = code_cells(load(path))
    tagged = [
        cell for cell in cells if "parameters" in cell["metadata"].get("tags", [])
    ]

    assert len(tagged) == 1
    assert not any(
        "injected-parameters" in cell["metadata"].get("tags", []) for cell in cells
    )
    tree = ast.parse(source(tagged[0]))
    assigned = {
        target.id
        for statement in tree.body
        if isinstance(statement, ast.Assign)
        for target in statement.targets
        if isinstance(target, ast.Name)
    }
    assert assigned == PARAMETERS
    assert not _CREDENTIAL_WORDS.search(source(tagged[0]))


@notebooks
def test_opens_with_a_goal_and_ends_with_cleanup(path: Path) -> None:
    cells = load(path)["cells"]
    markdown = [source(cell) for cell in cells if cell["cell_type"] == "markdown"]

    assert "**Goal:**" in markdown[0]
    assert any(re.search(r"^#+ .*\bClean", text, re.MULTILINE) for text in markdown)
