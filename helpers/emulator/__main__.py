"""``python -m helpers.emulator``: the emulator alone, with botocore as its only need.

The same as ``python -m helpers emulator``, without loading the rest of the
kit's command line; the compose service runs it this way.
"""

import argparse
import logging
import sys

from .cli import add_parser

parser = argparse.ArgumentParser(prog="python -m helpers.emulator")
add_parser(parser.add_subparsers(dest="command"))
logging.basicConfig(level=logging.WARNING, format="%(levelname)s %(name)s: %(message)s")
arguments = parser.parse_args(["emulator", *sys.argv[1:]])
sys.exit(arguments.run(arguments))
