"""``python -m helpers emulator``."""

from __future__ import annotations

import argparse


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser("emulator", help="run the Bedrock runtime emulator")
    parser.set_defaults(run=lambda args: 0)
