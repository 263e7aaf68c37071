"""One transaction per use case: the repositories of a unit of work share a connection,
and nothing is written unless the use case commits."""

from __future__ import annotations

from types import TracebackType

import sqlalchemy as sa

from .attendance import AttendanceRepository
from .bodies import BodyRepository
from .calendars import CalendarRepository
from .call_ins import CallInRepository
from .councils import CouncilRepository
from .event_versions import EventVersionRepository
from .history import HistoryRepository
from .jobs import JobRepository
from .links import LinkRepository
from .outbox import OutboxRepository
from .plans import PlanRepository
from .rounds import RoundRepository
from .statements import PollRepository, StatementRepository
from .tokens import TokenRepository

__all__ = ["SqlUnitOfWork"]


class SqlUnitOfWork:
    """A transaction over the database with every repository bound to it.

    ``with uow: ...; uow.commit()``: leaving the block without a commit rolls back.
    ``write=False`` marks a read-only use case (SQLite then takes no write lock).
    """

    councils: CouncilRepository
    calendars: CalendarRepository
    plans: PlanRepository
    attendance: AttendanceRepository
    bodies: BodyRepository
    links: LinkRepository
    tokens: TokenRepository
    statements: StatementRepository
    polls: PollRepository
    call_ins: CallInRepository
    history: HistoryRepository
    event_versions: EventVersionRepository
    outbox: OutboxRepository
    rounds: RoundRepository
    jobs: JobRepository

    def __init__(self, engine: sa.Engine, *, write: bool = True):
        self.engine = engine
        self.write = write
        self._connection: sa.Connection | None = None
        self._transaction: sa.RootTransaction | None = None

    def __enter__(self) -> SqlUnitOfWork:
        connection = self.engine.connect()
        connection.info["write"] = self.write
        self._connection = connection
        self._transaction = connection.begin()
        self.councils = CouncilRepository(connection)
        self.calendars = CalendarRepository(connection)
        self.plans = PlanRepository(connection)
        self.attendance = AttendanceRepository(connection)
        self.bodies = BodyRepository(connection)
        self.links = LinkRepository(connection)
        self.tokens = TokenRepository(connection)
        self.statements = StatementRepository(connection)
        self.polls = PollRepository(connection)
        self.call_ins = CallInRepository(connection)
        self.history = HistoryRepository(connection)
        self.event_versions = EventVersionRepository(connection)
        self.outbox = OutboxRepository(connection)
        self.rounds = RoundRepository(connection)
        self.jobs = JobRepository(connection)
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        try:
            if self._transaction is not None and self._transaction.is_active:
                self._transaction.rollback()
        finally:
            if self._connection is not None:
                self._connection.info.pop("write", None)
                self._connection.close()
            self._connection = self._transaction = None

    def commit(self) -> None:
        """Write everything this unit of work did."""
        if self._transaction is None:
            raise RuntimeError("commit outside the unit of work")
        self._transaction.commit()
