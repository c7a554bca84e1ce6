"""The tutorial's Dev Tools requests and responses, kept verbatim under data/."""

from __future__ import annotations

import re
from pathlib import Path

DATA = Path(__file__).parent / "data"
REQUESTS_FILE = DATA / "tutorial_requests.console"
RESPONSES_FILE = DATA / "tutorial_responses.console"

_SECTION = re.compile(r"^### (\w+)\n", re.MULTILINE)


def sections(path: Path) -> dict[str, str]:
    """Each ``### name`` section of a data file, by name, text as written."""
    parts = _SECTION.split(path.read_text(encoding="utf-8"))
    return {
        name: text.rstrip("\n") + "\n"
        for name, text in zip(parts[1::2], parts[2::2], strict=True)
    }


REQUESTS = sections(REQUESTS_FILE)
RESPONSES = sections(RESPONSES_FILE)
