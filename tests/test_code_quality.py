"""The package type-checks strictly and passes the project's lint rules."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def _run(*command: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *command],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )


def test_helpers_type_check_with_strict_mypy() -> None:
    done = _run("mypy")
    assert done.returncode == 0, done.stdout + done.stderr


def test_code_passes_ruff_lint_and_format() -> None:
    lint = _run("ruff", "check", "helpers", "tests", "benchmarks")
    assert lint.returncode == 0, lint.stdout
    form = _run("ruff", "format", "--check", "helpers", "tests", "benchmarks")
    assert form.returncode == 0, form.stdout
