"""``python -m helpers doctor``: is everything the tutorial needs in place?

:func:`run_checks` looks at the cluster (reachable, healthy, ML Commons ready,
the settings connectors need) and at Bedrock (reachable, and the credentials
accepted by one signed test call), and returns one :class:`Check` per thing
looked at. A failed check says what to do in ``fix``. Checks that depend on
one that failed are reported as not tried, so the first fix is the one to make.

Offline the Bedrock side is the kit's emulator at ``BEDROCK_ENDPOINT`` and the
test call embeds a word with Titan; on AWS it is Bedrock in ``AWS_REGION`` and
the test call asks the current Claude model for one token. Nothing printed
ever holds a secret; access key ids are masked.
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import logging
import re
import socket
import urllib.error
import urllib.request
import warnings
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from opensearchpy import OpenSearch, OpenSearchWarning
from opensearchpy.exceptions import ConnectionError as OSConnectionError
from opensearchpy.exceptions import TransportError

from ._blueprints import (
    CONVERSE_MODEL,
    bedrock_runtime_url,
    mask_access_key,
)
from ._connection import ML_CONFIG_INDEX, connect, opensearch_url
from ._errors import KitError
from ._kit import (
    aws_region,
    bedrock_endpoint,
    bedrock_test_call,
    kit_mode,
    kit_names,
    resolve_credentials,
)
from ._mlcommons import MLCommons
from ._settings import (
    TRUSTED_ENDPOINTS,
    parse_version,
    server_version,
    tutorial_settings,
)
from ._translate import translate

__all__ = ["Check", "add_parser", "render", "run_checks"]

logger = logging.getLogger(__name__)

_ONLY_ML_NODE = "plugins.ml_commons.only_run_on_ml_node"
_PRIVATE_IP = "plugins.ml_commons.connector.private_ip_enabled"
_PRIVATE_IP_SINCE = (2, 15)
_DEPLOY_DOES_IT = {"offline": " (`python -m helpers deploy` does this too)", "aws": ""}
_START_EMULATOR = (
    "start the emulator with `python -m helpers emulator` in another terminal (or "
    "`python -m helpers up`), or set BEDROCK_ENDPOINT to the URL where it runs"
)


@dataclass(frozen=True)
class Check:
    """One thing the doctor looked at: ``ok``, what it saw, and the ``fix``."""

    name: str
    ok: bool
    detail: str
    fix: str | None = None


@dataclass(frozen=True)
class _Target:
    """The Bedrock runtime the kit's connectors call in this mode."""

    mode: str
    region: str
    endpoint: str | None  # None: Bedrock's own regional URL

    @property
    def base_url(self) -> str:
        return self.endpoint or f"https://bedrock-runtime.{self.region}.amazonaws.com"

    @property
    def connector_url(self) -> str:
        """A URL the kit's connector would call, as ML Commons checks it."""
        model = "ai21.j2-mid-v1" if self.mode == "offline" else CONVERSE_MODEL
        return bedrock_runtime_url(f"/model/{model}/invoke", self.base_url)


def run_checks(mode: str | None = None, prefix: str | None = None) -> list[Check]:
    """Check the cluster and Bedrock for ``mode``; the kit's models of ``prefix``."""
    mode = kit_mode(mode)
    target = _Target(mode, aws_region(), bedrock_endpoint(mode))

    cluster, client = _cluster()
    checks = [cluster]
    if client is not None:
        checks += _cluster_checks(client, target, prefix)
    else:
        names = ["cluster health", "ML Commons", "ML node", "trusted endpoint"]
        checks += [_not_tried(name, "cluster") for name in names]

    checks.append(_bedrock_reachable(target))
    if checks[-1].ok:
        checks.append(_credentials(target))
    else:
        checks.append(_not_tried("credentials", "Bedrock"))
    return checks


def _cluster_checks(
    client: OpenSearch, target: _Target, prefix: str | None
) -> list[Check]:
    try:
        version = server_version(client)
        settings = client.cluster.get_settings(
            include_defaults=True, flat_settings=True
        )
        checks = [
            _health(client),
            _ml_commons(client),
            _ml_node(client, settings),
            _trusted_endpoint(target, version, settings),
        ]
        if parse_version(version)[:2] >= _PRIVATE_IP_SINCE and _is_private(target):
            checks.append(_private_ip(target, settings))
        checks.append(_kit_models(client, prefix))
    except TransportError as error:
        # The cluster answered a moment ago; report what it says now.
        failed = translate(error)
        return [Check("cluster calls", False, failed.what, failed.fix)]
    return checks


# -- the cluster ----------------------------------------------------------------


def _cluster() -> tuple[Check, OpenSearch | None]:
    """Whether the cluster answers, and a client for it when it does."""
    url = opensearch_url()
    logger.info("GET / on %s", url)
    try:
        client = connect(url, timeout=10)
        info = client.info()
    except KitError as error:
        return Check("cluster", False, error.what, error.fix), None
    except OSConnectionError:
        return Check(
            "cluster",
            False,
            f"nothing answers at {url}",
            "start the local node with `python -m helpers node start` (or "
            "`python -m helpers up`), or set OPENSEARCH_URL to your cluster's URL",
        ), None
    except TransportError as error:
        return Check(
            "cluster",
            False,
            f"{url} answered {error.status_code}: {error.error}",
            "check OPENSEARCH_URL, and OPENSEARCH_USERNAME/OPENSEARCH_PASSWORD for a "
            "secured cluster",
        ), None
    version = info["version"]["number"]
    return Check("cluster", True, f"OpenSearch {version} at {url}"), client


def _health(client: OpenSearch) -> Check:
    health = client.cluster.health()
    status = str(health["status"])
    nodes = health["number_of_nodes"]
    detail = f"{status}, {nodes} node(s)"
    if status == "red":
        return Check(
            "cluster health",
            False,
            f"{detail}, {health['unassigned_shards']} unassigned shard(s)",
            "GET _cluster/allocation/explain names the shard that has no home and "
            "why; a disk over its watermark is the usual cause on a laptop",
        )
    if status == "yellow":
        detail += " (replicas without a second node; fine for the tutorial)"
    return Check("cluster health", True, detail)


def _ml_commons(client: OpenSearch) -> Check:
    plugins = {row["component"] for row in client.cat.plugins(format="json")}
    if "opensearch-ml" not in plugins:
        return Check(
            "ML Commons",
            False,
            "the opensearch-ml plugin is not installed",
            "use a distribution with ML Commons (the kit's node and "
            "docker-compose.yml have it); GET _cat/plugins lists what is installed",
        )
    with warnings.catch_warnings():
        # The tutorial's own readiness check reads this system index, which
        # draws a deprecation warning from the client.
        warnings.simplefilter("ignore", OpenSearchWarning)
        ready = client.indices.exists(index=ML_CONFIG_INDEX)
    if not ready:
        return Check(
            "ML Commons",
            False,
            f"installed, but {ML_CONFIG_INDEX} does not exist yet",
            "ML Commons creates it a few seconds after the node starts; wait, then "
            "run the doctor again. If it never appears, read the node's log",
        )
    return Check("ML Commons", True, f"ready ({ML_CONFIG_INDEX} exists)")


def _ml_node(client: OpenSearch, settings: dict[str, Any]) -> Check:
    only_ml = str(_setting(settings, _ONLY_ML_NODE, "true")).lower() == "true"
    if not only_ml:
        return Check("ML node", True, f"{_ONLY_ML_NODE} is false: any node runs models")
    nodes = client.nodes.info(filter_path="nodes.*.name,nodes.*.roles")
    ml_nodes = [
        node["name"]
        for node in nodes.get("nodes", {}).values()
        if "ml" in node.get("roles", [])
    ]
    if ml_nodes:
        return Check("ML node", True, f"ML node(s): {', '.join(ml_nodes)}")
    body = {"persistent": {_ONLY_ML_NODE: False}}
    return Check(
        "ML node",
        False,
        f"{_ONLY_ML_NODE} is true and no node has the ml role",
        f"let any node run models:\nPUT _cluster/settings\n{json.dumps(body)}",
    )


def _trusted_endpoint(target: _Target, version: str, settings: dict[str, Any]) -> Check:
    patterns = _as_list(_setting(settings, TRUSTED_ENDPOINTS, []))
    url = target.connector_url
    admitting = [pattern for pattern in patterns if _java_matches(pattern, url)]
    if admitting:
        return Check("trusted endpoint", True, f"{url} matches {admitting[0]}")
    wanted = tutorial_settings(
        version, trusted_endpoint=target.base_url, keep_patterns=patterns
    )[TRUSTED_ENDPOINTS]
    body = {"persistent": {TRUSTED_ENDPOINTS: wanted}}
    return Check(
        "trusted endpoint",
        False,
        f"{url} matches no pattern of {TRUSTED_ENDPOINTS}",
        f"add its pattern, keeping the others{_DEPLOY_DOES_IT[target.mode]}:\n"
        f"PUT _cluster/settings\n{json.dumps(body)}",
    )


def _private_ip(target: _Target, settings: dict[str, Any]) -> Check:
    host = urlsplit(target.base_url).hostname
    if str(_setting(settings, _PRIVATE_IP, "false")).lower() == "true":
        return Check("private endpoint", True, f"{_PRIVATE_IP} is true ({host})")
    body = {"persistent": {_PRIVATE_IP: True}}
    return Check(
        "private endpoint",
        False,
        f"{host} is a private address and {_PRIVATE_IP} is false, so ML Commons "
        "will refuse to call it",
        f"allow private addresses:\nPUT _cluster/settings\n{json.dumps(body)}",
    )


def _kit_models(client: OpenSearch, prefix: str | None) -> Check:
    names = kit_names(prefix)
    ml = MLCommons(client)
    models = [
        ml.get_model(hit.id)
        for name in (names.model, names.current_model)
        for hit in ml.find_models(name)
    ]
    if not models:
        return Check(
            "kit models",
            True,
            f"none of prefix {names.prefix!r} yet (`python -m helpers deploy`)",
        )
    states = ", ".join(f"{model.name} {model.state}" for model in models)
    failed = [m for m in models if m.state in ("DEPLOY_FAILED", "PARTIALLY_DEPLOYED")]
    if failed:
        return Check(
            "kit models",
            False,
            states,
            f"remove and recreate them: python -m helpers cleanup --prefix "
            f"{names.prefix} && python -m helpers deploy --prefix {names.prefix}",
        )
    return Check("kit models", True, states)


# -- Bedrock --------------------------------------------------------------------


def _bedrock_reachable(target: _Target) -> Check:
    if target.mode == "offline":
        return _emulator_health(target.base_url)
    parts = urlsplit(target.base_url)
    host, port = parts.hostname or "", parts.port or 443
    logger.info("TCP connect to %s:%s", host, port)
    try:
        with socket.create_connection((host, port), timeout=3):
            pass
    except OSError as error:
        return Check(
            "Bedrock",
            False,
            f"cannot connect to {host}:{port}: {error}",
            f"check the network (proxy, firewall, VPN) and AWS_REGION ({target.region})"
            "; Bedrock must be offered in that region",
        )
    return Check("Bedrock", True, f"{host}:{port} accepts connections")


def _emulator_health(url: str) -> Check:
    logger.info("GET %s/_emulator/health", url)
    try:
        with urllib.request.urlopen(f"{url}/_emulator/health", timeout=3) as reply:
            answer = json.load(reply)
    except (OSError, ValueError) as error:
        reason = getattr(error, "reason", error)
        return Check(
            "Bedrock",
            False,
            f"the emulator does not answer at {url}: {reason}",
            _START_EMULATOR,
        )
    if answer != {"status": "ok"}:
        return Check(
            "Bedrock",
            False,
            f"{url} answers, but not as the kit's emulator: {answer}",
            _START_EMULATOR,
        )
    return Check("Bedrock", True, f"the kit's emulator answers at {url}")


def _credentials(target: _Target) -> Check:
    from botocore.exceptions import (  # type: ignore[import-untyped]
        BotoCoreError,
        ClientError,
    )

    try:
        credentials = resolve_credentials(target.mode)
    except KitError as error:
        return Check("credentials", False, error.what, error.fix)
    signed_as = f"signed as {mask_access_key(credentials.access_key)}"
    try:
        model = bedrock_test_call(
            credentials,
            mode=target.mode,
            region=target.region,
            endpoint=target.endpoint,
        )
    except ClientError as error:
        return _refused(target, signed_as, error.response.get("Error", {}))
    except BotoCoreError as error:
        return Check(
            "credentials",
            False,
            f"the test call did not reach Bedrock: {error}",
            "see the Bedrock check above; the endpoint stopped answering",
        )
    return Check("credentials", True, f"{signed_as}: {model} answered")


def _refused(target: _Target, signed_as: str, error: dict[str, Any]) -> Check:
    """The check for a test call Bedrock answered with an error."""
    code = str(error.get("Code", "Unknown"))
    said = f"{signed_as}: {code}: {error.get('Message', '')}"
    if code in ("ThrottlingException", "ServiceUnavailableException"):
        # Bedrock checks the signature first: a throttled call was signed well.
        return Check("credentials", True, f"{said} (the keys were accepted)")
    return Check("credentials", False, said, _credentials_fix(target, code))


def _credentials_fix(target: _Target, code: str) -> str:
    offline = target.mode == "offline"
    if code in (
        "UnrecognizedClientException",
        "InvalidSignatureException",
        "SignatureDoesNotMatch",
        "IncompleteSignatureException",
    ):
        if offline:
            return (
                "give the kit the emulator's key pair: unset "
                "BEDROCK_EMULATOR_ACCESS_KEY_ID and BEDROCK_EMULATOR_SECRET_ACCESS_KEY "
                "in both shells, or set both to the same values where the emulator "
                "runs and here"
            )
        return (
            "check AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (or the profile in "
            "AWS_PROFILE): the key pair is mistyped, deleted or deactivated"
        )
    if code == "ExpiredTokenException":
        return (
            "the temporary credentials ran out: get new ones (`aws sso login`, or a "
            "new session token) and run the doctor again"
        )
    if code == "AccessDeniedException":
        return (
            "give the identity bedrock:InvokeModel, and turn on access to "
            f"{CONVERSE_MODEL} in the Bedrock console for {target.region}"
        )
    if code in ("ResourceNotFoundException", "ValidationException"):
        return (
            f"the model is not offered to this account in {target.region}: pick a "
            "region that serves it (AWS_REGION), or request access to it"
        )
    return "the code and message above are Bedrock's own; mend what they name"


# -- helpers --------------------------------------------------------------------


def _not_tried(name: str, depends_on: str) -> Check:
    return Check(
        name,
        False,
        f"not tried: the {depends_on} check failed",
        f"do what the {depends_on} check says first",
    )


def _setting(settings: dict[str, Any], name: str, default: object) -> object:
    """A setting's value in force: transient, else persistent, else the default."""
    for scope in ("transient", "persistent", "defaults"):
        value = settings.get(scope, {}).get(name)
        if value is not None:
            return value
    return default


def _as_list(value: object) -> list[str]:
    if isinstance(value, str):
        return [value]
    return [str(item) for item in value] if isinstance(value, list) else []


def _java_matches(pattern: str, url: str) -> bool:
    """Java's ``Pattern.matches``, as ML Commons uses it, for the kit's patterns.

    Python's ``re`` reads the common subset alike; a pattern it cannot read
    counts as admitting nothing, which can only make the check too strict.
    """
    try:
        return re.fullmatch(pattern, url) is not None
    except re.error:
        return False


def _is_private(target: _Target) -> bool:
    host = urlsplit(target.base_url).hostname or ""
    if target.endpoint is None:
        return False  # Bedrock's regional URL
    if host == "localhost":
        return True
    try:
        addresses = {ipaddress.ip_address(host)}
    except ValueError:
        try:
            infos = socket.getaddrinfo(host, None)
        except OSError:
            return False
        addresses = {ipaddress.ip_address(info[4][0]) for info in infos}
    return any(a.is_private or a.is_loopback or a.is_link_local for a in addresses)


def render(checks: list[Check]) -> str:
    """The checks as a table; under each failure, the line that says what to do."""
    width = max(len("check"), *(len(check.name) for check in checks)) + 2
    indent = " " * (width + 8)
    lines = [f"{'check':<{width}}{'result':<8}detail"]
    for check in checks:
        result = "ok" if check.ok else "FAIL"
        lines.append(f"{check.name:<{width}}{result:<8}{check.detail}")
        if not check.ok and check.fix:
            fix_lines = check.fix.splitlines()
            lines.append(f"{indent}fix: {fix_lines[0]}")
            lines += [f"{indent}     {line}" for line in fix_lines[1:]]
    return "\n".join(lines)


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "doctor", help="check the cluster, Bedrock and the credentials"
    )
    parser.add_argument("--mode", choices=("offline", "aws"), help="default: KIT_MODE")
    parser.add_argument("--prefix", help="resource name prefix (default: KIT_PREFIX)")
    parser.set_defaults(run=_doctor)


def _doctor(args: argparse.Namespace) -> int:
    checks = run_checks(mode=args.mode, prefix=args.prefix)
    print(render(checks))
    return 0 if all(check.ok for check in checks) else 1
