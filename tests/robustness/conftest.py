"""The integration suite's names and fault rules, reused as they are.

The emulator listens on a free port for the session, the cluster trusts it, and
every test starts without fault rules; ``names`` gives a fresh prefix whose
resources are removed after the test.
"""

from __future__ import annotations

from integration.conftest import (  # noqa: F401  (fixtures, found by name)
    _trusted_and_without_faults,
    cluster_setting,
    fault,
    ml,
    names,
)
