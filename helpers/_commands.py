"""``deploy``, ``predict``, ``status``, ``cleanup``, ``doctor`` and ``up``."""

from __future__ import annotations

import argparse
import json

from ._connection import default_client, opensearch_url
from ._errors import KitError
from ._flow import TUTORIAL_QUESTION, cleanup, deploy, inventory
from ._kit import kit_names

__all__ = ["add_parser", "add_prefix_arguments"]


def add_parser(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    common = argparse.ArgumentParser(add_help=False)
    add_prefix_arguments(common)
    common.add_argument(
        "--mode", choices=("offline", "aws"), help="default: KIT_MODE or offline"
    )

    deploy_parser = subparsers.add_parser(
        "deploy", parents=[common], help="the whole tutorial in one command"
    )
    deploy_parser.add_argument("--question", default=TUTORIAL_QUESTION)
    deploy_parser.add_argument(
        "--no-post-process",
        action="store_true",
        help="keep the verbose Jurassic-2 response (no post_process_function)",
    )
    deploy_parser.add_argument(
        "--current-model", action="store_true", help="a current Claude model instead"
    )
    deploy_parser.set_defaults(run=_deploy)

    predict_parser = subparsers.add_parser(
        "predict", parents=[common], help="ask the deployed model"
    )
    predict_parser.add_argument("prompt")
    predict_parser.add_argument("--current-model", action="store_true")
    predict_parser.add_argument(
        "--raw", action="store_true", help="print the reply JSON"
    )
    predict_parser.set_defaults(run=_predict)

    status_parser = subparsers.add_parser(
        "status", parents=[common], help="what the kit created, and its states"
    )
    status_parser.set_defaults(run=_status)

    cleanup_parser = subparsers.add_parser(
        "cleanup",
        parents=[common],
        help="delete what the kit created, nothing else",
        description="Delete the prefix's models, connectors and model group. Exits "
        "3 when ML Commons keeps a connector for a model on a lookalike connector "
        "(everything else is removed; run it again once that model is gone).",
    )
    cleanup_parser.set_defaults(run=_cleanup)


def add_prefix_arguments(parser: argparse.ArgumentParser) -> None:
    """``--attendee`` or ``--prefix``: whose resources a command works on."""
    whose = parser.add_mutually_exclusive_group()
    whose.add_argument(
        "--attendee",
        help="workshop attendee id, made into the prefix (default: ATTENDEE)",
    )
    whose.add_argument(
        "--prefix", help="resource name prefix (default: ATTENDEE, KIT_PREFIX or kit)"
    )


def _deploy(args: argparse.Namespace) -> int:
    names = kit_names(args.prefix, attendee=args.attendee)
    done = deploy(
        default_client(),
        names,
        mode=args.mode,
        post_process=not args.no_post_process,
        question=args.question or None,
        current_model=args.current_model,
    )
    print(f"model group  {done.group.name}  {done.group.id}")
    print(f"connector    {done.connector.name}  {done.connector.id}")
    print(f"model        {done.model.name}  {done.model.id}  {done.model.state}")
    if done.answer is not None:
        print(f"\nQ: {args.question}\nA: {(done.answer.text or '').strip()}")
    return 0


def _predict(args: argparse.Namespace) -> int:
    from ._mlcommons import MLCommons

    names = kit_names(args.prefix, attendee=args.attendee)
    name = names.current_model if args.current_model else names.model
    ml = MLCommons(default_client())
    models = ml.find_models(name)
    if not models:
        raise KitError(
            f"no model named {name} exists on {opensearch_url()}",
            "create it first: python -m helpers deploy",
        )
    answer = ml.predict(models[0].id, args.prompt)
    print(json.dumps(answer.raw, indent=2) if args.raw else (answer.text or "").strip())
    return 0


def _status(args: argparse.Namespace) -> int:
    names = kit_names(args.prefix, attendee=args.attendee)
    found = inventory(default_client(), names)
    if found.empty:
        print(f"nothing of prefix {names.prefix!r} exists on {opensearch_url()}")
        return 0
    if found.group is not None:
        print(f"model group  {found.group.name}  {found.group.id}")
    for connector in found.connectors:
        print(f"connector    {connector.name}  {connector.id}")
    for model in found.models:
        print(f"model        {model.name}  {model.id}  {model.state}")
    return 0


def _cleanup(args: argparse.Namespace) -> int:
    names = kit_names(args.prefix, attendee=args.attendee)
    removed = cleanup(default_client(), names)
    if removed.empty:
        print(f"nothing of prefix {names.prefix!r} to clean up")
        return 0
    print(
        f"removed {len(removed.models)} model(s), {len(removed.connectors)} "
        f"connector(s) and {int(removed.group is not None)} model group"
    )
    return 0
