"""The entry point's warning filter: dependencies silenced, our own code not."""

from __future__ import annotations

import warnings

import pytest

from node.app.cli import main


def _emit(module: str) -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        main.silence_dependency_warnings()
        warnings.warn_explicit("old API", DeprecationWarning, "x.py", 1, module=module)
    return caught


@pytest.mark.parametrize(
    "module", ["pyhanko.sign.signers.pdf_cms", "cryptography", "nodejs", "importlib._bootstrap"]
)
def test_a_dependency_warning_is_silenced(module: str) -> None:
    assert _emit(module) == []


@pytest.mark.parametrize(
    "module", ["node", "node.app.cli.verify", "signing.pdfcheck", "adapters.http.app", "schemas"]
)
def test_our_own_warning_still_follows_the_interpreter_filters(module: str) -> None:
    assert [str(w.message) for w in _emit(module)] == ["old API"]


def test_debug_leaves_the_filters_alone(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []
    monkeypatch.setattr(main, "silence_dependency_warnings", lambda: calls.append("silenced"))

    with pytest.raises(SystemExit):
        main.main(["--debug", "--version"])
    with pytest.raises(SystemExit):
        main.main(["--version"])

    assert calls == ["silenced"]
