"""One emulator for the whole session, on a free port, and boto3 clients for it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from helpers.emulator import EmulatorConfig, EmulatorServer

from ._support import EXPIRED_TOKEN, ClientFactory, make_client


@pytest.fixture(scope="session")
def emulator() -> Iterator[EmulatorServer]:
    # Explicit settings, so BEDROCK_EMULATOR_* variables in the environment of
    # whoever runs the tests cannot change what they check.
    config = EmulatorConfig(expired_tokens=frozenset({EXPIRED_TOKEN}))
    with EmulatorServer(port=0, config=config) as server:
        yield server


@pytest.fixture(autouse=True)
def _no_faults_left_behind(emulator: EmulatorServer) -> Iterator[None]:
    yield
    emulator.backend.faults.remove()


@pytest.fixture
def client_for(emulator: EmulatorServer) -> ClientFactory:
    def factory(**options: Any) -> Any:
        return make_client(emulator.url, **options)

    return factory


@pytest.fixture
def bedrock(client_for: ClientFactory) -> Any:
    return client_for()
