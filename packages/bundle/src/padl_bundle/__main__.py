"""`python -m padl_bundle build [--allow-partial]` and `python -m padl_bundle grade --bundle ZIP --data DIR`."""

import argparse
import sys

from padl_shared.cli import print_json
from padl_shared.errors import DataError, Interrupted, raise_on_stop_signals

from padl_bundle.build import build
from padl_bundle.grade import grade


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="padl_bundle")
    commands = parser.add_subparsers(dest="command", required=True)
    build_args = commands.add_parser("build")
    build_args.add_argument("--allow-partial", action="store_true")
    grade_args = commands.add_parser("grade")
    grade_args.add_argument("--bundle", required=True)
    grade_args.add_argument("--data", required=True)
    args = parser.parse_args(argv)
    raise_on_stop_signals()
    try:
        result = build(args.allow_partial) if args.command == "build" else grade(args.bundle, args.data)
    except DataError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Interrupted as stop:
        print(f"interrupted by {stop}: no bundle written; the previous one, if any, is kept", file=sys.stderr)
        return stop.exit_code
    if result.get("missing"):
        print(f"bundled without: {', '.join(result['missing'])}", file=sys.stderr)
    for note in result.get("notes", []):
        print(f"note: {note}", file=sys.stderr)
    for warning in result.get("warnings", []):
        print(f"WARNING: {warning}", file=sys.stderr)
    print_json(result)
    return 0


raise SystemExit(main())
