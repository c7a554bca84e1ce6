"""``benchmarks/load_test.py`` with a small room, as CI runs it."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from ._support import KIT_ENVIRONMENT, ROOT

SCRIPT = ROOT / "benchmarks" / "load_test.py"


def _load_test(opensearch_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in KIT_ENVIRONMENT}
    env["OPENSEARCH_URL"] = opensearch_url
    return subprocess.run(
        [sys.executable, str(SCRIPT), *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


@pytest.mark.node
def test_three_attendees_at_once_have_no_failure_cross_talk_or_leftover(
    opensearch_url: str,
) -> None:
    done = _load_test(opensearch_url, "--attendees", "3", "--timeout", "240", "--json")

    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(done.stdout)
    assert (report["failures"], report["cross_talk"], report["leftovers"]) == (0, 0, 0)
    assert report["unfinished"] == 0
    counts = {step: row["count"] for step, row in report["steps"].items()}
    assert counts == {"deploy": 3, "predict": 9, "status": 3, "cleanup": 3}


def test_a_cluster_off_loopback_is_refused_before_any_request() -> None:
    done = _load_test("http://192.0.2.1:9200", "--attendees", "1")

    assert done.returncode == 1
    assert "runs against loopback only" in done.stderr
    assert "192.0.2.1" in done.stderr


def test_a_room_beyond_the_bound_is_refused() -> None:
    done = _load_test("http://127.0.0.1:9200", "--attendees", "101")

    assert done.returncode == 2
    assert "--attendees must be from 1 to 100" in done.stderr
