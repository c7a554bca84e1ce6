"""The kit's command line: ``python -m helpers COMMAND``.

Each command lives beside the code it drives and adds itself through an
``add_parser(subparsers)`` function listed in ``_COMMAND_MODULES``.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from collections.abc import Sequence

from ._errors import KitError

__all__ = ["main"]

_COMMAND_MODULES = (
    "helpers.node.cli",
    "helpers.emulator.cli",
    "helpers._commands",
    "helpers._up",
    "helpers._doctor",
    "helpers._workshop",
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m helpers",
        description="Run OpenSearch ML Commons with a Bedrock model, step by step.",
    )
    parser.add_argument(
        "-v", "--verbose", action="count", default=0, help="-v for INFO, -vv for DEBUG"
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in _COMMAND_MODULES:
        importlib.import_module(name).add_parser(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    level = {0: logging.WARNING, 1: logging.INFO}.get(args.verbose, logging.DEBUG)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    # opensearch-py logs every refused connection with a traceback (expected
    # while the kit polls a starting node), and at DEBUG it logs request bodies,
    # connector credentials included: never below INFO, and ERROR unless -vv.
    logging.getLogger("opensearch").setLevel(
        logging.INFO if args.verbose >= 2 else logging.ERROR
    )
    try:
        return int(args.run(args) or 0)
    except KitError as error:
        print(f"error: {error}", file=sys.stderr)
        return error.exit_status
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
