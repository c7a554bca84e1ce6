"""Workshops: ``preflight`` for a room and ``reset`` for one attendee.

A room shares one cluster and one emulator; each attendee works under their
own name prefix (see :func:`helpers._kit.kit_names`), so every command here
takes ``--attendee``.

``preflight`` runs the doctor's checks once for the shared services, adds the
two a room runs out of first (JVM heap and disk, against the thresholds above
which ML Commons refuses work, and how many models the ML nodes may hold), then
checks each attendee: the id makes a usable prefix that no other attendee's
shares, and nothing is left over from an earlier session.

``reset`` takes one attendee back to the start: it deletes their resources and
restores ``notebooks/*.ipynb`` from git. A notebook that differs from git is
first copied to ``notebooks/.edited/<UTC time>/``, a folder git ignores, so an
attendee's own work is never lost; the command says where it went.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from opensearchpy import OpenSearch
from opensearchpy.exceptions import TransportError

from . import _config
from ._commands import add_prefix_arguments
from ._connection import default_client
from ._doctor import (
    Check,
    _bedrock_reachable,
    _cluster,
    _credentials,
    _health,
    _ml_commons,
    _ml_node,
    _not_tried,
    _setting,
    _Target,
    _trusted_endpoint,
    render,
)
from ._errors import KitError
from ._flow import Inventory, cleanup, inventory
from ._kit import (
    KitNames,
    attendee_prefix,
    aws_region,
    bedrock_endpoint,
    kit_mode,
    kit_names,
)
from ._settings import parse_version, server_version
from ._translate import translate

__all__ = [
    "NotebookReset",
    "add_parser",
    "attendee_checks",
    "preflight",
    "restore_notebooks",
    "room",
    "shared_checks",
]

_OLDEST = (2, 11)
_HEAP_LIMIT = "plugins.ml_commons.jvm_heap_memory_threshold"
_DISK_LIMIT = "plugins.ml_commons.disk_free_space_threshold"
_MAX_MODELS = "plugins.ml_commons.max_model_on_node"
_EDITED = Path("notebooks") / ".edited"
_MiB = 1024**2


# -- reset ------------------------------------------------------------------------


@dataclass(frozen=True)
class NotebookReset:
    """What :func:`restore_notebooks` did: notebooks put back, and copies kept."""

    restored: list[str]
    kept: list[Path]

    @property
    def kept_in(self) -> Path | None:
        """The folder of the kept copies; ``None`` when nothing was kept."""
        return self.kept[0].parent if self.kept else None


def restore_notebooks(root: Path, *, now: datetime | None = None) -> NotebookReset:
    """Put every ``notebooks/*.ipynb`` that differs from git's HEAD back.

    Each changed notebook that still exists is copied aside first, to
    ``notebooks/.edited/<UTC time>/``; a folder that exists is never written
    into, so a second reset in the same second gets its own. Notebooks git
    does not track (an attendee's new ones) are left where they are.
    """
    root = _work_tree(root)
    changed = _changed_notebooks(root)
    if not changed:
        return NotebookReset([], [])

    kept = []
    present = [path for path in changed if (root / path).exists()]
    if present:
        folder = _new_folder(root / _EDITED, now or datetime.now(timezone.utc))
        for path in present:
            kept.append(Path(shutil.copy2(root / path, folder / Path(path).name)))

    _git(root, "restore", "--source=HEAD", "--staged", "--worktree", "--", *changed)
    return NotebookReset(changed, kept)


def _work_tree(root: Path) -> Path:
    try:
        top = _git(root, "rev-parse", "--show-toplevel").strip()
    except KitError as error:
        raise KitError(
            f"{root} is not a git checkout, so its notebooks cannot be restored",
            "clone the kit with git, or reset resources only with --no-notebooks",
        ) from error
    return Path(top)


def _changed_notebooks(root: Path) -> list[str]:
    """Notebooks of HEAD that are now modified, staged, deleted or renamed.

    Only HEAD's notebooks count: one the attendee created (even if staged, or
    renamed from one of HEAD's) stays where it is.
    """
    in_head = set(
        _git(root, "ls-tree", "-z", "--name-only", "HEAD", "notebooks/").split("\0")
    )
    listed = _git(root, "status", "--porcelain=v1", "-z", "--", "notebooks/*.ipynb")
    entries = iter(listed.split("\0"))
    candidates = []
    for entry in entries:
        state, path = entry[:2], entry[3:]
        candidates.append(path)
        if "R" in state or "C" in state:
            candidates.append(next(entries))  # the source of a rename or copy
    return sorted(
        path for path in set(candidates) if path in in_head and path.endswith(".ipynb")
    )


def _new_folder(parent: Path, now: datetime) -> Path:
    parent.mkdir(parents=True, exist_ok=True)
    # The folder keeps itself out of git, whatever the checkout's .gitignore says.
    (parent / ".gitignore").write_text("*\n")
    stamp = now.strftime("%Y%m%dT%H%M%SZ")
    for attempt in range(1, 100):
        folder = parent / (stamp if attempt == 1 else f"{stamp}-{attempt}")
        try:
            folder.mkdir()
        except FileExistsError:
            continue
        return folder
    raise KitError(
        f"{parent} already holds 99 folders named {stamp}",
        f"move the folders in {parent} somewhere else and reset again",
    )


def _git(root: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", "-C", str(root), *args],
            capture_output=True,
            text=True,
            check=False,
        )
    except FileNotFoundError as error:
        raise KitError(
            "git is not installed", "install git, then run the command again"
        ) from error
    if done.returncode != 0:
        raise KitError(
            f"`git {' '.join(args)}` failed in {root}: {done.stderr.strip()}",
            "fix what git says, then run the command again",
        )
    return done.stdout


# -- preflight --------------------------------------------------------------------


def room(attendees: Sequence[str] = (), count: int | None = None) -> list[str]:
    """The room's attendee ids: those given, ``count`` numbered ones, or one."""
    if attendees:
        return [name.strip() for name in attendees if name.strip()]
    if count:
        width = max(2, len(str(count)))
        return [f"attendee-{number:0{width}d}" for number in range(1, count + 1)]
    return [kit_names().prefix]


def preflight(attendees: Sequence[str], mode: str | None = None) -> list[Check]:
    """The shared services' checks, then each attendee's."""
    checks, client = shared_checks(len(attendees), mode)
    return checks + attendee_checks(client, attendees)


def shared_checks(
    attendees: int, mode: str | None = None
) -> tuple[list[Check], OpenSearch | None]:
    """The doctor's checks of the cluster and Bedrock, sized for a room."""
    mode = kit_mode(mode)
    target = _Target(mode, aws_region(), bedrock_endpoint(mode))
    cluster, client = _cluster()
    checks = [cluster]
    if client is None:
        names = ["version", "cluster health", "ML Commons", "ML node", "JVM heap"]
        names += ["disk", "model capacity", "trusted endpoint"]
        checks += [_not_tried(name, "cluster") for name in names]
    else:
        checks += _cluster_checks(client, target, attendees)

    checks.append(_bedrock_reachable(target))
    if checks[-1].ok:
        checks.append(_credentials(target))
    else:
        checks.append(_not_tried("credentials", "Bedrock"))
    return checks, client


def _cluster_checks(client: OpenSearch, target: _Target, attendees: int) -> list[Check]:
    try:
        version = server_version(client)
        settings = client.cluster.get_settings(
            include_defaults=True, flat_settings=True
        )
        stats = client.nodes.stats(
            metric="jvm,fs",
            filter_path="nodes.*.name,nodes.*.roles,nodes.*.jvm.mem,nodes.*.fs.total",
        )
        return [
            _version(version),
            _health(client),
            _ml_commons(client),
            _ml_node(client, settings),
            _heap(stats, settings),
            _disk(stats, settings),
            _capacity(client, settings, attendees),
            _trusted_endpoint(target, version, settings),
        ]
    except TransportError as error:
        failed = translate(error)
        return [Check("cluster calls", False, failed.what, failed.fix)]


def _version(version: str) -> Check:
    if parse_version(version)[:2] >= _OLDEST:
        return Check("version", True, f"{version} (the tutorial needs 2.11 or later)")
    return Check(
        "version",
        False,
        f"OpenSearch {version} has no connectors for remote models",
        "run OpenSearch 2.11 or later: `python -m helpers node start` runs the "
        "kit's pinned version",
    )


def _nodes(stats: dict[str, Any]) -> list[dict[str, Any]]:
    return list(stats.get("nodes", {}).values())


def _heap(stats: dict[str, Any], settings: dict[str, Any]) -> Check:
    limit = int(str(_setting(settings, _HEAP_LIMIT, 85)))
    seen, over = [], []
    for node in _nodes(stats):
        memory = node["jvm"]["mem"]
        used, most = memory["heap_used_in_bytes"], memory["heap_max_in_bytes"]
        percent = memory["heap_used_percent"]
        seen.append(f"{node['name']} {used // _MiB}/{most // _MiB} MiB ({percent}%)")
        if percent >= limit:
            over.append(node["name"])
    detail = f"{', '.join(seen)}; ML Commons refuses work above {limit}%"
    if not over:
        return Check("JVM heap", True, detail)
    return Check(
        "JVM heap",
        False,
        detail,
        f"give {', '.join(over)} more heap (OPENSEARCH_JAVA_OPTS=-Xms2g -Xmx2g), or "
        "undeploy models nobody uses: python -m helpers cleanup --attendee ID",
    )


def _disk(stats: dict[str, Any], settings: dict[str, Any]) -> Check:
    limit = _bytes(str(_setting(settings, _DISK_LIMIT, "5gb")))
    seen, short = [], []
    for node in _nodes(stats):
        free = int(node["fs"]["total"]["available_in_bytes"])
        seen.append(f"{node['name']} {free // 1024**3} GiB free")
        if free < limit:
            short.append(node["name"])
    detail = f"{', '.join(seen)}; ML Commons needs {limit // 1024**3} GiB"
    if not short:
        return Check("disk", True, detail)
    return Check(
        "disk",
        False,
        detail,
        f"free disk space on {', '.join(short)} (old snapshots, logs, `docker "
        "system prune`), or put the node's data on a larger disk",
    )


def _capacity(client: OpenSearch, settings: dict[str, Any], attendees: int) -> Check:
    """Whether each node may hold one more deployed model per attendee.

    ML Commons deploys a remote model on every node whose role is listed in
    ``plugins.ml_commons.task_dispatcher.eligible_node_role.remote_model``
    (``data`` and ``ml`` by default), so each of them holds every attendee's
    model: more nodes add no room, a higher ``max_model_on_node`` does.
    """
    per_node = int(str(_setting(settings, _MAX_MODELS, 10)))
    deployed = _models_deployed(client)
    detail = (
        f"{attendees} attendee(s) + {deployed} model(s) deployed now, at most "
        f"{per_node} per node ({_MAX_MODELS}); every eligible node holds every "
        "remote model"
    )
    if attendees + deployed <= per_node:
        return Check("model capacity", True, detail)
    wanted = attendees + deployed + 2
    return Check(
        "model capacity",
        False,
        detail + f"; the deploys after the {per_node}th model fail",
        f'allow more models per node:\nPUT _cluster/settings\n{{"persistent": '
        f'{{"{_MAX_MODELS}": {wanted}}}}}',
    )


def _models_deployed(client: OpenSearch) -> int:
    """The most models deployed on one node, from the ML profile API."""
    reply = client.transport.perform_request("GET", "/_plugins/_ml/profile/models")
    nodes = reply.get("nodes", {}).values()
    return max((len(node.get("models", {})) for node in nodes), default=0)


def _bytes(text: str) -> int:
    units = {"b": 1, "kb": 1024, "mb": 1024**2, "gb": 1024**3, "tb": 1024**4}
    text = text.strip().lower()
    for unit in ("tb", "gb", "mb", "kb", "b"):
        if text.endswith(unit):
            return int(float(text[: -len(unit)]) * units[unit])
    return int(text)


def attendee_checks(client: OpenSearch | None, attendees: Sequence[str]) -> list[Check]:
    """Per attendee: a usable prefix of their own, and nothing left over."""
    prefixes: dict[str, str | None] = {}
    checks: dict[str, list[Check]] = {}
    for attendee in attendees:
        try:
            prefixes[attendee] = attendee_prefix(attendee)
        except KitError as error:
            prefixes[attendee] = None
            checks[attendee] = [
                Check(f"{attendee}: prefix", False, error.what, error.fix)
            ]
    clashes = _clashes({a: p for a, p in prefixes.items() if p is not None})

    for attendee, prefix in prefixes.items():
        if prefix is None:
            continue
        checks[attendee] = [clashes.get(attendee) or _own_prefix(attendee, prefix)]
        checks[attendee].append(_leftovers(client, attendee, kit_names(prefix)))
    return [check for attendee in attendees for check in checks.get(attendee, [])]


def _own_prefix(attendee: str, prefix: str) -> Check:
    return Check(f"{attendee}: prefix", True, f"{prefix}-* ({kit_names(prefix).model})")


def _clashes(prefixes: dict[str, str]) -> dict[str, Check]:
    """A failed check for each attendee whose names another attendee also gets.

    Two ids can sanitise to one prefix ("Ana" and "ana"), and an attendee
    called ``kit`` shares names with everyone who set no ``ATTENDEE``.
    """
    owners: dict[str, list[str]] = defaultdict(list)
    for attendee, prefix in prefixes.items():
        for name in kit_names(prefix).every_name:
            owners[name].append(attendee)
    failed: dict[str, Check] = {}
    for attendee, prefix in prefixes.items():
        others = sorted(
            {
                other
                for name in kit_names(prefix).every_name
                for other in owners[name]
                if other != attendee
            }
        )
        if others:
            failed[attendee] = Check(
                f"{attendee}: prefix",
                False,
                f"{prefix}-* is also the prefix of {', '.join(others)}",
                "give every attendee a distinct id, such as a number after the name",
            )
        elif prefix == "kit" and len(prefixes) > 1:
            failed[attendee] = Check(
                f"{attendee}: prefix",
                False,
                "kit-* is the prefix of everyone who sets no ATTENDEE",
                "give the attendee another id",
            )
    return failed


def _leftovers(client: OpenSearch | None, attendee: str, names: KitNames) -> Check:
    name = f"{attendee}: leftovers"
    if client is None:
        return _not_tried(name, "cluster")
    try:
        found = inventory(client, names)
    except KitError as error:
        return Check(name, False, error.what, error.fix)
    if found.empty:
        return Check(name, True, "nothing from an earlier session")
    return Check(
        name,
        False,
        describe(found),
        f"start clean: python -m helpers cleanup --attendee {names.prefix}",
    )


def describe(found: Inventory) -> str:
    parts = [f"model {model.name} {model.state}" for model in found.models]
    parts += [f"connector {connector.name}" for connector in found.connectors]
    if found.group is not None:
        parts.append(f"model group {found.group.name}")
    return ", ".join(parts)


# -- the command line -------------------------------------------------------------


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    reset = subparsers.add_parser(
        "reset",
        help="back to the start: delete your resources, restore the notebooks",
        description=(
            "Delete the attendee's models, connectors and model group, and restore "
            "notebooks/*.ipynb from git. Notebooks you changed are copied to "
            "notebooks/.edited/ first."
        ),
    )
    add_prefix_arguments(reset)
    reset.add_argument(
        "--no-notebooks", action="store_true", help="delete resources only"
    )
    reset.add_argument(
        "--repo",
        type=Path,
        default=_config.PROJECT_ROOT,
        help="the kit's checkout (default: %(default)s)",
    )
    reset.set_defaults(run=_reset)

    check = subparsers.add_parser(
        "preflight",
        help="check a room's shared cluster and emulator, then each attendee",
    )
    who = check.add_mutually_exclusive_group()
    who.add_argument("--attendees", help="comma-separated attendee ids")
    who.add_argument("--count", type=int, help="N attendees, attendee-01 to N")
    check.add_argument("--mode", choices=("offline", "aws"), help="default: KIT_MODE")
    check.set_defaults(run=_preflight)


def _reset(args: argparse.Namespace) -> int:
    names = kit_names(args.prefix, attendee=args.attendee)
    if not args.no_notebooks:
        done = restore_notebooks(args.repo)
        if not done.restored:
            print("notebooks: all as in git, nothing to restore")
        else:
            print(f"notebooks: restored {', '.join(done.restored)} from git")
        if done.kept_in is not None:
            print(f"your edited copies are in {done.kept_in}")
    removed = cleanup(default_client(), names)
    if removed.empty:
        print(f"resources: nothing of prefix {names.prefix!r} to remove")
    else:
        print(f"resources: removed {describe(removed)}")
    return 0


def _preflight(args: argparse.Namespace) -> int:
    attendees = room(args.attendees.split(",") if args.attendees else (), args.count)
    checks = preflight(attendees, args.mode)
    print(render(checks))
    failed = sum(not check.ok for check in checks)
    print(f"\n{len(attendees)} attendee(s); {failed} check(s) failed")
    return 1 if failed else 0
