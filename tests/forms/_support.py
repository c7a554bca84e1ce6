"""What the forms tests share: the emulator's admin API and AWS profile files."""

from __future__ import annotations

import html
import json
import re
import urllib.request
from pathlib import Path
from typing import Any

from helpers.emulator import EmulatorServer


def admin(
    emulator: EmulatorServer, method: str, path: str, body: object = None
) -> dict[str, Any]:
    data = None if body is None else json.dumps(body).encode()
    request = urllib.request.Request(
        emulator.url + path,
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(request, timeout=5) as reply:
        answer: dict[str, Any] = json.load(reply)
    return answer


def emulator_calls(emulator: EmulatorServer) -> list[dict[str, Any]]:
    """The runtime calls the emulator has seen, oldest first."""
    calls: list[dict[str, Any]] = admin(
        emulator, "GET", "/_emulator/requests?limit=500"
    )["requests"]
    return calls


def write_profile(directory: Path, name: str, access_key: str, secret: str) -> None:
    """An AWS shared credentials and config file with one profile."""
    (directory / "credentials").write_text(
        f"[{name}]\naws_access_key_id = {access_key}\n"
        f"aws_secret_access_key = {secret}\n"
    )
    (directory / "config").write_text(f"[profile {name}]\nregion = eu-west-3\n")


def shown(widget: Any) -> str:
    """The text an HTML widget shows: tags dropped, entities read."""
    return html.unescape(re.sub(r"<[^>]+>", "", str(widget.value)))
