"""`lienthong validate`: XSD and business-rule validation of edXML documents and status messages.

One line per problem, ``FILE:LINE: PATH: MESSAGE`` (``FILE: PATH: MESSAGE``
when the problem has no line), and ``FILE: valid document|status`` for a file
without problems; ``--json`` prints a list of
``{"file", "valid", "kind", "errors": [{"line", "path", "message"}]}`` instead.
Exit 0 when every file is valid, 1 when some file is invalid (empty, not XML,
unsafe, or breaking the schema or a rule), 2 on usage errors or unreadable files.
"""

from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path

from node.errors import Issue, MalformedXml, UnsafeXml

NAME = "validate"
HELP = "XSD and business-rule validation of edXML documents and status messages"

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_UNREADABLE = 2


def configure(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("files", nargs="+", metavar="FILE", type=Path, help="edXML files")
    parser.add_argument("--json", action="store_true", help="print a JSON list of results")


@dataclass(frozen=True)
class FileResult:
    file: str
    valid: bool
    kind: str | None
    errors: tuple[Issue, ...]
    readable: bool = True

    def as_dict(self) -> dict[str, object]:
        return {
            "file": self.file,
            "valid": self.valid,
            "kind": self.kind,
            "errors": [issue.as_dict() for issue in self.errors],
        }


def check_file(path: Path) -> FileResult:
    from node.validation import validate_file

    name = str(path)
    try:
        report = validate_file(path)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return FileResult(name, False, None, (Issue(None, "/", f"cannot read: {reason}"),), False)
    except MalformedXml as exc:
        return FileResult(name, False, None, (Issue(exc.line, "/", f"not XML: {exc.detail}"),))
    except UnsafeXml as exc:
        return FileResult(name, False, None, (Issue(None, "/", f"unsafe XML: {exc.detail}"),))
    kind = report.kind.value if report.kind is not None else None
    return FileResult(name, report.valid, kind, report.issues)


def _line(file: str, issue: Issue) -> str:
    where = f"{file}:{issue.line}" if issue.line is not None else file
    return f"{where}: {issue.path}: {issue.message}"


def run(args: argparse.Namespace) -> int:
    results = [check_file(path) for path in args.files]
    if args.json:
        json.dump([r.as_dict() for r in results], sys.stdout, ensure_ascii=False, indent=2)
        sys.stdout.write("\n")
    else:
        for result in results:
            if not result.readable:
                reason = result.errors[0].message
                print(f"lienthong validate: {result.file}: {reason}", file=sys.stderr)
            elif result.valid:
                print(f"{result.file}: valid {result.kind}")
            else:
                for issue in result.errors:
                    print(_line(result.file, issue))
    if any(not r.readable for r in results):
        return EXIT_UNREADABLE
    return EXIT_VALID if all(r.valid for r in results) else EXIT_INVALID
