"""``python -m helpers emulator`` as a learner runs it: a real process."""

from __future__ import annotations

import json
import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ._support import (
    J2_MID,
    invoke_json,
    jurassic_body,
    make_client,
    raises_client_error,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


def _environment() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("BEDROCK_EMULATOR_")}
    env["PYTHONUNBUFFERED"] = "1"
    return env


@contextmanager
def running_emulator(*options: str) -> Iterator[tuple[subprocess.Popen[str], str]]:
    """Start the CLI on a free port and yield the process and the URL it printed."""
    process = subprocess.Popen(
        [sys.executable, "-m", "helpers", "emulator", "--port", "0", *options],
        cwd=PROJECT_ROOT,
        env=_environment(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        yield process, _first_line(process, timeout=20)
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)
        for stream in (process.stdout, process.stderr):
            assert stream is not None
            stream.close()


def _first_line(process: subprocess.Popen[str], timeout: float) -> str:
    assert process.stdout is not None
    with selectors.DefaultSelector() as selector:
        selector.register(process.stdout, selectors.EVENT_READ)
        if not selector.select(timeout):
            pytest.fail(f"the emulator printed no URL within {timeout} s")
    return process.stdout.readline().strip()


def test_port_zero_prints_a_usable_url_and_sigterm_stops_it_cleanly() -> None:
    with running_emulator() as (process, url):
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", url), url
        with urllib.request.urlopen(url + "/_emulator/health", timeout=5) as response:
            assert json.loads(response.read()) == {"status": "ok"}
        assert invoke_json(make_client(url), J2_MID, jurassic_body())["completions"]

        process.send_signal(signal.SIGTERM)

        assert process.wait(timeout=10) == 0
        assert process.stderr is not None
        log = process.stderr.read()
    assert "POST /model/ai21.j2-mid-v1/invoke model=ai21.j2-mid-v1" in log
    with pytest.raises(OSError):
        urllib.request.urlopen(url + "/_emulator/health", timeout=2)


def test_ctrl_c_stops_the_emulator_with_exit_code_zero() -> None:
    with running_emulator() as (process, _):
        process.send_signal(signal.SIGINT)

        assert process.wait(timeout=10) == 0


def test_the_aws_faithful_flag_retires_jurassic2() -> None:
    with running_emulator("--aws-faithful") as (process, url):
        with raises_client_error("ResourceNotFoundException", status=404):
            invoke_json(make_client(url), J2_MID, jurassic_body())
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


def test_a_port_already_in_use_ends_with_the_port_and_the_fix() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]

        result = subprocess.run(
            [sys.executable, "-m", "helpers", "emulator", "--port", str(port)],
            cwd=PROJECT_ROOT,
            env=_environment(),
            capture_output=True,
            text=True,
            timeout=30,
        )

    assert result.returncode == 1
    assert result.stdout == ""
    assert (
        f"Port {port} on 127.0.0.1 is already in use, so the Bedrock emulator cannot "
        "listen there." in result.stderr
    )
    assert "--port 0" in result.stderr
    assert f"stop the process holding port {port}" in result.stderr
