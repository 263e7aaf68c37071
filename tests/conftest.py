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
    from scheduler.calendar_sources import reset_ingest_cache

    monkeypatch.setenv("SCHEDULER_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setenv("SCHEDULER_SECRET_KEY", "tests")  # no key file in the user's folder
    # jobs run at once, inside the request (tests of the queue itself name their own)
    monkeypatch.setenv("SCHEDULER_QUEUE_URL", "immediate:")
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


# the app, flaskr style -------------------------------------------------------------------
@pytest.fixture
def app(tmp_path):
    """A fresh app over its own SQLite file."""
    from api import create_app

    made = create_app({"DATABASE_URL": f"sqlite:///{tmp_path / 'app.sqlite'}", "TESTING": True})
    yield made
    made.extensions["council_engine"].dispose()


@pytest.fixture
def client(app):
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def services(app):
    """The app's services."""
    return app.extensions["council_services"]


def bearer(app, role: str = "admin", council_id: str | None = None) -> dict[str, str]:
    """An Authorization header with a new token of ``role`` (scoped to ``council_id``)."""
    secret = app.extensions["council_services"].create_token(role, council_id)[1]
    return {"Authorization": f"Bearer {secret}"}


class Repositories:
    """Each repository call in a unit of work of its own, committed (for storage tests)."""

    def __init__(self, engine):
        self.engine = engine

    def __getattr__(self, repository: str):
        from scheduler.storage.unit_of_work import SqlUnitOfWork

        engine = self.engine

        class _Calls:
            def __getattr__(self, method: str):
                def call(*args, **kwargs):
                    with SqlUnitOfWork(engine) as uow:
                        result = getattr(getattr(uow, repository), method)(*args, **kwargs)
                        uow.commit()
                        return result
                return call
        return _Calls()


# the slow tier: tests that drive Chromium, start real servers or worker processes, fuzz
# the API or run a long state machine; `bash scripts/test -m "not slow"` leaves them out
_SLOW_FIXTURES = frozenset({"browser", "site", "server", "running_server"})
_SLOW_FILES = frozenset({"test_api_conformance.py", "test_one_truth.py", "test_worker_redis.py",
                         "test_serve.py", "test_server.py", "test_queue_servers.py",
                         "test_fetch_limits.py", "test_queue_faults.py"})


def pytest_collection_modifyitems(config, items) -> None:
    """Mark the slow tier (see above) so that a fast run can leave it out."""
    slow = pytest.mark.slow
    for item in items:
        if item.path.name in _SLOW_FILES or _SLOW_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(slow)
