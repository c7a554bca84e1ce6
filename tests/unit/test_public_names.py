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
]


@pytest.mark.parametrize("name", MODULES)
def test_every_public_name_is_defined(name: str) -> None:
    module = importlib.import_module(name)

    missing = [public for public in module.__all__ if not hasattr(module, public)]

    assert missing == []
    assert len(set(module.__all__)) == len(module.__all__)
