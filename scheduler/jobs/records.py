"""Jobs as kept: what was asked, by whom, how far it got and how it ended. Plain values."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["JOB_KINDS", "JOB_STATES", "JobKind", "JobRecord", "JobState", "NewJob"]

JobKind = Literal["proposal", "round", "refresh", "mail"]
JobState = Literal["queued", "running", "done", "failed"]
JOB_KINDS: tuple[str, ...] = ("proposal", "round", "refresh", "mail")
JOB_STATES: tuple[str, ...] = ("queued", "running", "done", "failed")


@dataclass(frozen=True)
class NewJob:
    """A job to keep: its kind, the councils it concerns, the request itself, who asked
    with which idempotency key, and the request's hash (to tell a key sent again with a
    different request)."""

    kind: str
    council_ids: tuple[str, ...]
    payload: dict[str, Any]
    requester: str | None = None
    idempotency_key: str | None = None
    request_hash: str | None = None


@dataclass(frozen=True)
class JobRecord:
    """A job as kept."""

    id: str
    kind: str
    council_ids: tuple[str, ...]
    payload: dict[str, Any]
    requester: str | None
    idempotency_key: str | None
    request_hash: str | None
    state: str
    progress: float
    stage: str | None
    detail: dict[str, Any] | None
    result: dict[str, Any] | None
    error: dict[str, Any] | None
    attempts: int
    lease_owner: str | None
    lease_until: dt.datetime | None
    created_at: dt.datetime
    updated_at: dt.datetime
    enqueued_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None

    @property
    def finished(self) -> bool:
        """Whether the job is done or failed (it will not change again)."""
        return self.state in ("done", "failed")

    def as_json(self) -> dict[str, Any]:
        """The job as the API shows it (CONTRACT.md: id, state, progress, result, error;
        and kind, stage, detail, attempts and its times)."""
        def iso(moment: dt.datetime | None) -> str | None:
            return moment.isoformat() if moment else None

        return {"id": self.id, "kind": self.kind, "state": self.state,
                "progress": self.progress, "stage": self.stage, "detail": self.detail,
                "result": self.result, "error": self.error, "attempts": self.attempts,
                "councils": list(self.council_ids), "created_at": iso(self.created_at),
                "started_at": iso(self.started_at), "finished_at": iso(self.finished_at),
                "updated_at": iso(self.updated_at)}
