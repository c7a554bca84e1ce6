"""Run the notebooks in order and store what they produced as their outputs.

The committed notebooks show the outputs of a real run, so a learner can read
them before running anything. Run this after changing a notebook, with the
kit's node and emulator up (``python -m helpers up``). Without arguments it
first removes what an earlier run of the series made (``kit`` prefix), so the
stored outputs are those of a first run:

    .venv/bin/python scripts/refresh-notebooks.py [NOTEBOOK ...]

It runs headless (forms show as text, no progress bars), then keeps only the
kernelspec and language_info metadata and drops papermill's bookkeeping.
"""

from __future__ import annotations

import os
import sys
import tempfile
from pathlib import Path

import nbformat
import papermill

NOTEBOOKS = Path(__file__).resolve().parent.parent / "notebooks"
KERNEL = "opensearch-bedrock-kit"


def refresh(path: Path, scratch: Path) -> None:
    executed = scratch / path.name
    papermill.execute_notebook(
        str(path),
        str(executed),
        kernel_name=KERNEL,
        cwd=str(NOTEBOOKS),
        progress_bar=False,
    )
    notebook = nbformat.read(executed, as_version=4)
    notebook.metadata = {
        key: notebook.metadata[key]
        for key in ("kernelspec", "language_info")
        if key in notebook.metadata
    }
    for cell in notebook.cells:
        for key in ("papermill", "execution"):
            cell.metadata.pop(key, None)
        if not cell.metadata.get("tags", True):
            del cell.metadata["tags"]
    nbformat.write(notebook, path)
    print(f"refreshed {path.name}")


def main(names: list[str]) -> int:
    os.environ.update(KIT_PROGRESS="0", KIT_HEADLESS="1")
    paths = [NOTEBOOKS / name for name in names] or sorted(
        NOTEBOOKS.glob("[0-9]*.ipynb")
    )
    with tempfile.TemporaryDirectory() as scratch:
        for path in paths:
            refresh(path, Path(scratch))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
