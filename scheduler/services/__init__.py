"""The service layer: the one door to councils, calendars, proposals, meetings, links and
reports. Use cases take plain values, return plain values and own their transaction
(a unit of work); the HTTP app, the pages and the command line call only these.
"""

from __future__ import annotations

import sqlalchemy as sa

from ..jobs.settings import JobSettings
from ..mail.settings import MailSettings
from ..secret_key import server_key
from ..storage.changes import FeedChecks, count_changes
from ..storage.database import make_engine, upgrade
from ..storage.rates import SqlRates
from ..storage.unit_of_work import SqlUnitOfWork
from .access import AccessServices, ResourceKind
from .base import UnitOfWorkFactory
from .conflicts import ReportServices
from .councils import CouncilServices
from .history import HistoryServices
from .jobs import JobServices
from .mailing import mail_hold_from_env, mail_quiet_from_env
from .member_own import MemberOwnServices, link_rate_from_env
from .polls import PollServices

__all__ = ["ResourceKind", "Services", "UnitOfWorkFactory", "open_services"]


class Services(CouncilServices, JobServices, MemberOwnServices, PollServices,
               AccessServices, ReportServices, HistoryServices):
    """Everything the service does, over one store."""


def open_services(url: str, *, link_key: str | None = None, mail: MailSettings | None = None,
                  public_url: str | None = None) -> tuple[Services, sa.Engine]:
    """Services over the database at ``url``, its schema brought up to date; ``mail``
    turns mail on, ``public_url`` is where members' links in mail point."""
    engine = make_engine(url)
    upgrade(engine)
    count_changes(engine)  # after the migrations: the counter's table exists from here on

    def unit_of_work(write: bool = True) -> SqlUnitOfWork:
        return SqlUnitOfWork(engine, write=write)

    made = Services(unit_of_work, link_key=link_key or server_key(), mail=mail,
                    public_url=public_url, rates=SqlRates(engine))
    made.job_settings = JobSettings.from_env()
    made.mail_quiet_s = mail_quiet_from_env()
    made.mail_hold_max_s = mail_hold_from_env()
    made.link_rate = link_rate_from_env()
    made.feed_check = FeedChecks(engine)
    return made, engine
