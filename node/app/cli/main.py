"""Entry point of the ``lienthong`` console script."""

from __future__ import annotations

import argparse
import importlib
import os
import sys
import warnings
from collections.abc import Sequence
from types import ModuleType

from node import __version__
from node.errors import LienthongError

COMMAND_MODULES = (
    "node.app.cli.validate",
    "node.app.cli.sign",
    "node.app.cli.verify",
    "node.app.cli.pki",
    "node.app.cli.init",
    "node.app.cli.serve",
    "node.app.cli.send",
    "node.app.cli.admin",
    "node.app.cli.db",
    "node.app.cli.audit",
    "node.app.cli.demo",
)

EXIT_USAGE = 2
EXIT_INTERRUPTED = 130

#: Modules whose warnings are ours to show; everything else is a dependency.
OWN_MODULES = r"(node|signing|adapters|schemas)(\.|$)"


def silence_dependency_warnings() -> None:
    """Keep the libraries' warnings off the user's terminal.

    A deprecation inside pyHanko or cryptography is for us to act on (the
    lock file and ``make test-latest`` show it), not three lines a clerk
    must read under every ``lienthong verify``. Warnings raised by our own
    modules still follow the interpreter's filters (``-W``,
    ``PYTHONWARNINGS``), so a test can turn them into errors; ``--debug``
    shows everything.
    """
    warnings.filterwarnings("ignore", module=rf"(?!{OWN_MODULES})")


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # type: ignore[override]
        self.print_usage(sys.stderr)
        print(f"{self.prog}: error: {message}", file=sys.stderr)
        raise SystemExit(EXIT_USAGE)


def build_parser() -> tuple[argparse.ArgumentParser, dict[str, ModuleType]]:
    parser = _Parser(
        prog="lienthong",
        description="Exchange node for Vietnam's e-document interchange axis (edXML).",
    )
    parser.add_argument("--version", action="version", version=f"lienthong {__version__}")
    parser.add_argument(
        "--debug", action="store_true", help="show tracebacks for unexpected errors"
    )
    subparsers = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    modules: dict[str, ModuleType] = {}
    for name in COMMAND_MODULES:
        module = importlib.import_module(name)
        sub = subparsers.add_parser(module.NAME, help=module.HELP, description=module.HELP)
        module.configure(sub)
        modules[module.NAME] = module
    return parser, modules


def main(argv: Sequence[str] | None = None) -> int:
    if "--debug" not in (sys.argv[1:] if argv is None else argv):
        silence_dependency_warnings()
    parser, modules = build_parser()
    args = parser.parse_args(argv)
    if not args.command:
        parser.print_help(sys.stderr)
        return EXIT_USAGE
    try:
        code: int = modules[args.command].run(args)
    except LienthongError as exc:
        if args.debug:
            raise
        print(f"lienthong {args.command}: {exc.detail}", file=sys.stderr)
        return getattr(exc, "exit_code", 1)
    except KeyboardInterrupt:
        print(f"lienthong {args.command}: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except Exception as exc:
        if args.debug:
            raise
        print(
            f"lienthong {args.command}: unexpected error: {type(exc).__name__}: {exc} "
            "(run with --debug for the traceback)",
            file=sys.stderr,
        )
        return 1
    return code


def entry() -> None:
    """The console script: run, then exit with the command's code.

    After Ctrl-C the command has already cleaned up and returns 130; leave
    with exactly that. CPython remembers a KeyboardInterrupt that struck while
    it ran an ``exec`` of source text (dataclasses and namedtuples make their
    methods that way, so an import in progress is enough) and would then end
    the process by SIGINT at shutdown, even though the interrupt was handled.
    """
    code = main()
    if code == EXIT_INTERRUPTED:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    sys.exit(code)


if __name__ == "__main__":
    entry()
