"""What the test machine lacks: a skip on a developer's machine, a failure in CI.

CI (``CI=true``) installs everything the suite needs (``make test``); a test
that silently skips there proves nothing, so a missing service or tool is a
failure with the same message.
"""

from __future__ import annotations

import os
from typing import NoReturn

import pytest


def in_ci() -> bool:
    return os.environ.get("CI") == "true"


def missing(message: str) -> NoReturn:
    """Skip the test for ``message``, or fail it under ``CI=true``."""
    if in_ci():
        pytest.fail(f"{message} (CI=true: required)", pytrace=False)
    pytest.skip(message)
