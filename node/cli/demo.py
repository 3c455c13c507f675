"""`lienthong demo`: two nodes, two DMS simulators, one document, full status round trip.

Until the two-node demo lands, it validates the packaged sample document and
status message and prints what they say.
"""

from __future__ import annotations

import argparse

from node.model import Status

NAME = "demo"
HELP = "two nodes, two DMS simulators, one document, full status round trip"


def configure(parser: argparse.ArgumentParser) -> None:
    del parser


def run(args: argparse.Namespace) -> int:
    del args
    from node.validation import validate_file
    from schemas import SAMPLE_DOCUMENT, SAMPLE_STATUS, schema_path

    for name in (SAMPLE_DOCUMENT, SAMPLE_STATUS):
        report = validate_file(schema_path(name))
        report.raise_for_issues()
        env = report.envelope
        assert env is not None
        what = (
            f"status {env.header.status_code.value}"
            if isinstance(env.header, Status)
            else f"document, {len(env.attachments)} attachment(s)"
        )
        print(
            f"{name}: valid {what}: {env.document_id} from {env.sender} "
            f"to {', '.join(env.recipients)}"
        )
    print("lienthong demo: samples valid (the two-node demo is not built yet)")
    return 0
