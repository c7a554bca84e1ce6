"""``python -m helpers doctor`` on the real node: every check, and what fails when."""

from __future__ import annotations

import json
import re
import socket
import subprocess
import sys

import pytest
from opensearchpy import OpenSearch

from helpers._doctor import Check, run_checks
from helpers.emulator import EmulatorServer

from ._support import distrust, subprocess_environment, trust

pytestmark = pytest.mark.node

WRONG_SECRET = "doctor-test-secret-that-the-emulator-refuses"


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {check.name: check for check in checks}


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_a_healthy_setup_passes_every_check(emulator: EmulatorServer) -> None:
    checks = by_name(run_checks())

    assert [name for name, check in checks.items() if not check.ok] == []
    assert set(checks) == {
        "cluster",
        "cluster health",
        "ML Commons",
        "ML node",
        "trusted endpoint",
        "private endpoint",
        "kit models",
        "Bedrock",
        "credentials",
    }
    assert checks["cluster"].detail.startswith("OpenSearch 2.")
    assert checks["Bedrock"].detail == (f"the kit's emulator answers at {emulator.url}")
    assert checks["credentials"].detail == (
        "signed as AKIA...MPLE: amazon.titan-embed-text-v2:0 answered"
    )


def test_a_stopped_emulator_fails_with_the_fix_to_start_it(
    emulator: EmulatorServer, closed_port: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"http://127.0.0.1:{closed_port}"
    monkeypatch.setenv("BEDROCK_ENDPOINT", url)

    checks = by_name(run_checks())

    bedrock = checks["Bedrock"]
    assert not bedrock.ok
    assert bedrock.detail.startswith(f"the emulator does not answer at {url}: ")
    assert str(bedrock.fix).startswith(
        "start the emulator with `python -m helpers emulator`"
    )
    assert "BEDROCK_ENDPOINT" in str(bedrock.fix)
    assert checks["credentials"].detail == ("not tried: the Bedrock check failed")


def test_an_untrusted_emulator_fails_with_the_settings_body_that_trusts_it(
    client: OpenSearch, emulator: EmulatorServer
) -> None:
    distrust(client, emulator.url)
    try:
        trusted = by_name(run_checks())["trusted endpoint"]
    finally:
        trust(client, emulator.url)

    url = f"{emulator.url}/model/ai21.j2-mid-v1/invoke"
    assert not trusted.ok
    assert trusted.detail == (
        f"{url} matches no pattern of "
        "plugins.ml_commons.trusted_connector_endpoints_regex"
    )
    fix = str(trusted.fix)
    assert "\nPUT _cluster/settings\n" in fix
    body = json.loads(fix[fix.index("{") :])
    patterns = body["persistent"][
        "plugins.ml_commons.trusted_connector_endpoints_regex"
    ]
    assert any(re.fullmatch(pattern, url) for pattern in patterns)


def test_a_secret_the_emulator_does_not_accept_fails_the_credentials_check(
    emulator: EmulatorServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BEDROCK_EMULATOR_SECRET_ACCESS_KEY", WRONG_SECRET)

    credentials = by_name(run_checks())["credentials"]

    assert not credentials.ok
    assert credentials.detail.startswith(
        "signed as AKIA...MPLE: InvalidSignatureException: The request signature "
        "we calculated does not match"
    )
    assert str(credentials.fix).startswith("give the kit the emulator's key pair")
    assert WRONG_SECRET not in credentials.detail + str(credentials.fix)


def test_the_doctor_command_prints_the_table_and_exits_1_on_a_failure(
    opensearch_url: str, emulator: EmulatorServer
) -> None:
    env = subprocess_environment(opensearch_url, emulator)
    env["BEDROCK_EMULATOR_SECRET_ACCESS_KEY"] = WRONG_SECRET

    done = subprocess.run(
        [sys.executable, "-m", "helpers", "doctor"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    lines = done.stdout.splitlines()
    assert done.returncode == 1
    assert lines[0].split() == ["check", "result", "detail"]
    assert lines[1].split()[:2] == ["cluster", "ok"]
    failed = next(i for i, line in enumerate(lines) if line.startswith("credentials"))
    assert lines[failed].split()[1] == "FAIL"
    assert lines[failed + 1].strip().startswith("fix: give the kit the emulator's")
    assert WRONG_SECRET not in done.stdout + done.stderr


def test_the_doctor_command_exits_0_when_all_is_well(
    opensearch_url: str, emulator: EmulatorServer
) -> None:
    done = subprocess.run(
        [sys.executable, "-m", "helpers", "doctor"],
        env=subprocess_environment(opensearch_url, emulator),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )

    assert done.returncode == 0, done.stdout
    assert "FAIL" not in done.stdout
