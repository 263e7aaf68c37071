"""Shared fixtures: paths to the calendar fixtures and to the shared real-world corpus."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

HERE = Path(__file__).parent
FIXTURES = HERE / "fixtures" / "ics"
SHARED = HERE.parent.parent / "shared"
CORPUS = SHARED / "corpus" / "ics"
IN_CI = os.environ.get("CI", "").lower() == "true"


@pytest.fixture(autouse=True)
def _private_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test reads calendars through its own, empty disk cache."""
    from scheduler.busy import reset_ingest_cache

    monkeypatch.setenv("SCHEDULER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("SCHEDULER_SECRET_KEY", "tests")  # no key file in the user's folder
    reset_ingest_cache()


def corpus_files() -> list[Path]:
    """Every .ics file of the shared corpus; empty where ../shared is absent."""
    return sorted(CORPUS.glob("*/*.ics")) if CORPUS.is_dir() else []


def require_corpus() -> None:
    """Skip where the shared corpus is absent (a user's clone); fail in CI."""
    if CORPUS.is_dir():
        return
    if IN_CI:
        pytest.fail(f"the shared corpus is missing at {CORPUS}; CI must have ../shared")
    pytest.skip("the shared corpus (../shared/corpus/ics) is not present")
