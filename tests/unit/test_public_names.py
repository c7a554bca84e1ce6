"""Each module's ``__all__`` names what it defines, and nothing else."""

from __future__ import annotations

import importlib

import pytest

MODULES = [
    "helpers._console",
    "helpers._blueprints",
    "helpers._translate",
    "helpers._magic",
    "helpers",
    "helpers._connection",
    "helpers._errors",
    "helpers._kit",
    "helpers._mlcommons",
    "helpers._settings",
    "helpers._wait",
    "helpers.node",
    "helpers._forms",
]


@pytest.mark.parametrize("name", MODULES)
def test_every_public_name_is_defined(name: str) -> None:
    module = importlib.import_module(name)

    missing = [public for public in module.__all__ if not hasattr(module, public)]

    assert missing == []
    assert len(set(module.__all__)) == len(module.__all__)


def test_the_package_exports_exactly_its_lazy_names() -> None:
    import helpers

    assert sorted(helpers.__all__) == sorted(helpers._HOMES)
    for name in helpers.__all__:
        assert getattr(helpers, name) is not None


def test_importing_helpers_loads_neither_jupyter_nor_opensearch() -> None:
    import subprocess
    import sys

    probe = (
        "import sys, helpers; "
        "print(sorted(m for m in ('IPython', 'ipywidgets', 'opensearchpy') "
        "if m in sys.modules))"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True
    )
    assert done.stdout.strip() == "[]"
