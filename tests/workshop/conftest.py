"""Workshop tests: no attendee id leaks in from the caller's environment."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _no_attendee_from_the_caller(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("ATTENDEE", raising=False)
    monkeypatch.delenv("KIT_PREFIX", raising=False)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers",
        "local_cluster: starts the kit's three-node cluster (Java, about a minute)",
    )
