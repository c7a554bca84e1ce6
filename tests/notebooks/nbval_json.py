"""A pytest plugin for the nbval run: compare each reply by its text alone.

The ``%%opensearch`` magic shows a reply twice, as ``application/json`` (a tree
in JupyterLab) and as ``text/plain``. nbval sanitises strings only, so ids inside
the JSON tree cannot be masked; the ``text/plain`` copy carries the same reply
and is compared after sanitising.
"""

from __future__ import annotations

from typing import Any

import pytest

_JSON = "application/json"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        notebook: Any = item.parent  # nbval's IPyNbFile, which has no type hints
        skipped = getattr(notebook, "skip_compare", None)
        if skipped is not None and _JSON not in skipped:
            notebook.skip_compare = (*skipped, _JSON)
