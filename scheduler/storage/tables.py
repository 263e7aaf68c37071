"""The database schema (SQLAlchemy Core). Migrations in ``migrations/`` create it."""

from __future__ import annotations

import sqlalchemy as sa

__all__ = ["metadata"]

metadata = sa.MetaData(naming_convention={
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
})


def _fetch_state() -> list[sa.Column[object]]:
    """How fetching a calendar URL went (see scheduler.fetch_state): the URL the kept
    content came from (``source``), when it was last checked, its failures in a row."""
    return [sa.Column("source", sa.String(32)),
            sa.Column("checked_at", sa.DateTime(timezone=True)),
            sa.Column("failures", sa.Integer, nullable=False, server_default="0"),
            sa.Column("failing_since", sa.DateTime(timezone=True))]


councils = sa.Table(
    "councils", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("venue", sa.String(300)),
    sa.Column("weights", sa.JSON, nullable=False),
    sa.Column("blackouts", sa.JSON, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("language", sa.String(8), nullable=False, server_default="sv"),
    sa.Column("secretary_email", sa.String(320)),  # told of call-ins and uncovered parties
    sa.Column("answer_days", sa.Integer),  # answers close this many working days before
)

parties = sa.Table(
    "parties", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("council_id", sa.String(64), sa.ForeignKey("councils.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("travel_minutes", sa.Integer, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    sa.UniqueConstraint("council_id", "key", name="uq_parties_council_key"),
)

members = sa.Table(
    "members", metadata,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("party_id", sa.Integer, sa.ForeignKey("parties.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("email", sa.String(320)),
    sa.Column("calendar_url", sa.String(2000)),
    sa.Column("invited", sa.Integer, nullable=False, default=0),
    sa.Column("attended", sa.Integer, nullable=False, default=0),
    sa.Column("position", sa.Integer, nullable=False),
    sa.Column("language", sa.String(8)),
    sa.Column("horizon", sa.Date),  # declared: the calendar says nothing after this date
    sa.Column("bodies", sa.JSON),  # ids of the council's bodies the member sits in
    sa.Column("person", sa.String(64)),  # the same person in another council of a round
    sa.CheckConstraint("role in ('representative', 'substitute')", name="ck_members_role"),
)

calendars = sa.Table(
    "calendars", metadata,
    sa.Column("member_id", sa.String(64), sa.ForeignKey("members.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("content_hash", sa.String(64)),
    sa.Column("window_start", sa.DateTime(timezone=True)),
    sa.Column("window_end", sa.DateTime(timezone=True)),
    sa.Column("fetched_at", sa.DateTime(timezone=True)),
    sa.Column("last_error", sa.Text),
    sa.Column("etag", sa.String(300)),
    sa.Column("last_modified", sa.String(100)),
    # the calendar reduced to busy time (no titles, descriptions, places or other people),
    # so it can be read again for any later window
    sa.Column("sanitised", sa.Text),
    *_fetch_state(),
)

busy_intervals = sa.Table(
    "busy_intervals", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("member_id", sa.String(64), sa.ForeignKey("members.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("uid", sa.String(1000), nullable=False),
    sa.Column("recurring", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Index("ix_busy_member_start", "member_id", "starts_at"),
)

api_tokens = sa.Table(
    "api_tokens", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("council_id", sa.String(64), sa.ForeignKey("councils.id", ondelete="CASCADE")),
    sa.Column("label", sa.String(200)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint("role in ('admin', 'secretary', 'chair')", name="ck_api_tokens_role"),
)

proposals = sa.Table(
    "proposals", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("council_id", sa.String(64), sa.ForeignKey("councils.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("request", sa.JSON, nullable=False),
    sa.Column("document", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("confirmed_at", sa.DateTime(timezone=True)),
)

meetings = sa.Table(
    "meetings", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("council_id", sa.String(64), sa.ForeignKey("councils.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("proposal_id", sa.String(32), sa.ForeignKey("proposals.id", ondelete="SET NULL")),
    sa.Column("starts_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ends_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status in ('confirmed', 'cancelled')", name="ck_meetings_status"),
)

feed_tokens = sa.Table(
    "feed_tokens", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("member_id", sa.String(64), sa.ForeignKey("members.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("token_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("revoked_at", sa.DateTime(timezone=True)),
    sa.Column("purpose", sa.String(8), nullable=False, server_default="feed"),  # feed | page
    sa.Column("salt", sa.String(64)),  # the link is derived from it with the server's key
)

bodies = sa.Table(
    "bodies", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("council_id", sa.String(64), sa.ForeignKey("councils.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("key", sa.String(64), nullable=False),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("calendar_url", sa.String(2000)),
    sa.Column("draft", sa.Boolean, nullable=False),
    sa.Column("position", sa.Integer, nullable=False),
    # the meeting plan reduced to busy time, read for any window
    sa.Column("sanitised", sa.Text),
    sa.Column("content_hash", sa.String(64)),
    sa.Column("fetched_at", sa.DateTime(timezone=True)),
    sa.Column("last_error", sa.Text),
    sa.Column("etag", sa.String(300)),
    sa.Column("last_modified", sa.String(100)),
    *_fetch_state(),
    sa.UniqueConstraint("council_id", "key", name="uq_bodies_council_key"),
)

# hosts of calendar URLs that failed, and when each may be tried again
fetch_hosts = sa.Table(
    "fetch_hosts", metadata,
    sa.Column("host", sa.String(300), primary_key=True),
    sa.Column("failures", sa.Integer, nullable=False),
    sa.Column("retry_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("last_error", sa.Text),
)

sessions = sa.Table(
    "sessions", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("secret_hash", sa.String(64), nullable=False, unique=True),
    sa.Column("token_id", sa.String(32), sa.ForeignKey("api_tokens.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("ended_at", sa.DateTime(timezone=True)),
)

attendance = sa.Table(
    "attendance", metadata,
    sa.Column("meeting_id", sa.String(32), sa.ForeignKey("meetings.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("member_id", sa.String(64), sa.ForeignKey("members.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("state in ('absent_notice', 'present', 'absent')", name="ck_attendance_state"),
)

# what members say themselves (MODEL.md): absences, poll answers and meeting answers
absences = sa.Table(
    "absences", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("member_id", sa.String(64), sa.ForeignKey("members.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("starts_on", sa.Date, nullable=False),
    sa.Column("ends_on", sa.Date, nullable=False),  # inclusive
    sa.Column("stated_at", sa.DateTime(timezone=True), nullable=False),
)

polls = sa.Table(
    "polls", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("council_id", sa.String(64), sa.ForeignKey("councils.id", ondelete="CASCADE"),
              nullable=False, index=True),
    sa.Column("proposal_id", sa.String(32), sa.ForeignKey("proposals.id", ondelete="SET NULL")),
    sa.Column("deadline", sa.Date, nullable=False),  # answers are taken through this day
    sa.Column("slots", sa.JSON, nullable=False),  # [{"start", "end"}] in ISO 8601
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

poll_answers = sa.Table(
    "poll_answers", metadata,
    sa.Column("poll_id", sa.String(32), sa.ForeignKey("polls.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("member_id", sa.String(64), sa.ForeignKey("members.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("slot_start", sa.DateTime(timezone=True), primary_key=True),
    sa.Column("slot_end", sa.DateTime(timezone=True), nullable=False),
    sa.Column("answer", sa.String(16), nullable=False),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("answer in ('yes', 'if_need_be', 'no')", name="ck_poll_answers_answer"),
)

meeting_answers = sa.Table(
    "meeting_answers", metadata,
    sa.Column("meeting_id", sa.String(32), sa.ForeignKey("meetings.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("member_id", sa.String(64), sa.ForeignKey("members.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("answer", sa.String(16), nullable=False),
    sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("answer in ('coming', 'absent')", name="ck_meeting_answers_answer"),
)

# a substitute called in to a meeting for an absent representative
call_ins = sa.Table(
    "call_ins", metadata,
    sa.Column("meeting_id", sa.String(32), sa.ForeignKey("meetings.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("member_id", sa.String(64), sa.ForeignKey("members.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("changes", sa.Integer, nullable=False),  # added to the feed's SEQUENCE
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)

# a party left without anyone at a meeting, once told to the secretary
uncovered = sa.Table(
    "uncovered", metadata,
    sa.Column("meeting_id", sa.String(32), sa.ForeignKey("meetings.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("party_key", sa.String(64), primary_key=True),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
)

# what the secretary (about "party:<key>") or a representative (about
# "representative:<key>") was last told of a party's cover at a meeting, and when the net
# change may be told (a change waits for a quiet period, and a later change to the same
# key waits afresh); substitutes are told their own state (member_event_versions)
cover_told = sa.Table(
    "cover_told", metadata,
    sa.Column("meeting_id", sa.String(32), sa.ForeignKey("meetings.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("about", sa.String(80), primary_key=True),
    sa.Column("told", sa.String(80)),  # null: nothing yet
    sa.Column("due_at", sa.DateTime(timezone=True)),  # null: nothing waits
    sa.Column("first_held_at", sa.DateTime(timezone=True)),  # the first change not yet told
    sa.Column("held", sa.Integer, nullable=False),  # changes waited for, to take one once
    sa.Index("ix_cover_told_due", "due_at"),
)

# a meeting's history (scheduler/history.py): appended to, never changed; it goes only
# with the meeting, when its council is deleted. ``member_id`` is no foreign key, so that
# a member removed leaves their part in the history.
meeting_history = sa.Table(
    "meeting_history", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("meeting_id", sa.String(32), sa.ForeignKey("meetings.id", ondelete="CASCADE"),
              nullable=False),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("member_id", sa.String(64)),
    sa.Column("by", sa.String(100), nullable=False),  # token:<id> | member:<id> | system
    sa.Column("detail", sa.JSON, nullable=False),
    sa.Index("ix_meeting_history_meeting", "meeting_id", "id"),
)

# what each member was last shown of a meeting (their state in it) and the SEQUENCE it
# was shown with: a change of state is shown with a higher SEQUENCE (scheduler/member_states.py);
# and the state last mailed to them, so that a change is mailed once it has settled
member_event_versions = sa.Table(
    "member_event_versions", metadata,
    sa.Column("meeting_id", sa.String(32), sa.ForeignKey("meetings.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("member_id", sa.String(64), sa.ForeignKey("members.id", ondelete="CASCADE"),
              primary_key=True, index=True),
    sa.Column("state", sa.String(16), nullable=False),
    sa.Column("floor", sa.Integer, nullable=False),  # the least SEQUENCE it could have then
    sa.Column("sequence", sa.Integer, nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),  # the last change
    sa.Column("told_state", sa.String(16), nullable=False),  # the state last mailed (or first shown)
    sa.Column("told_sequence", sa.Integer, nullable=False),  # and its SEQUENCE
    sa.Column("untold_since", sa.DateTime(timezone=True)),  # null: the state shown was told
    sa.Index("ix_member_event_versions_untold", "untold_since"),
)

# mail not yet delivered, and mail delivered (kept for the outbox listing)
outbox = sa.Table(
    "outbox", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("recipient", sa.String(320), nullable=False),
    sa.Column("subject", sa.String(1000), nullable=False),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("message", sa.Text, nullable=False),  # the whole RFC 5322 message
    sa.Column("dedupe_key", sa.String(200), unique=True),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("claimed_until", sa.DateTime(timezone=True)),
    sa.Column("last_error", sa.Text),
    sa.Column("sent_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint("state in ('pending', 'sent', 'dead')", name="ck_outbox_state"),
    sa.Index("ix_outbox_due", "state", "next_attempt_at"),
)

# planning rounds: several councils planned together, as asked and answered
rounds = sa.Table(
    "rounds", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("name", sa.String(300), nullable=False),
    sa.Column("request", sa.JSON, nullable=False),
    sa.Column("document", sa.JSON, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)

round_councils = sa.Table(
    "round_councils", metadata,
    sa.Column("round_id", sa.String(32), sa.ForeignKey("rounds.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("council_id", sa.String(64), sa.ForeignKey("councils.id", ondelete="CASCADE"),
              primary_key=True),
    sa.Column("position", sa.Integer, nullable=False),
)

# background work (proposals, rounds, refreshes, mail): the truth of what was asked, who
# runs it (a lease kept alive by a heartbeat) and how it ended; the queue only carries ids
jobs = sa.Table(
    "jobs", metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("council_ids", sa.JSON, nullable=False),  # whoever may see these sees the job
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("requester", sa.String(64)),  # the token that asked (None: the command line)
    sa.Column("idempotency_key", sa.String(200)),
    sa.Column("request_hash", sa.String(64)),
    sa.Column("state", sa.String(8), nullable=False),
    sa.Column("progress", sa.Float, nullable=False),
    sa.Column("stage", sa.String(64)),
    sa.Column("detail", sa.JSON),  # the solver's bound and gap
    sa.Column("result", sa.JSON),  # {"proposal": ID} | {"round": ID} | ...
    sa.Column("error", sa.JSON),  # a problem (RFC 9457)
    sa.Column("attempts", sa.Integer, nullable=False),
    sa.Column("lease_owner", sa.String(200)),
    sa.Column("lease_until", sa.DateTime(timezone=True)),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("enqueued_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("started_at", sa.DateTime(timezone=True)),
    sa.Column("finished_at", sa.DateTime(timezone=True)),
    sa.CheckConstraint("kind in ('proposal', 'round', 'refresh', 'mail')", name="ck_jobs_kind"),
    sa.CheckConstraint("state in ('queued', 'running', 'done', 'failed')", name="ck_jobs_state"),
    sa.UniqueConstraint("requester", "idempotency_key", name="uq_jobs_requester_key"),
    sa.Index("ix_jobs_state_lease", "state", "lease_until"),
)

# one row: counts the committed writes that members' feeds may show (scheduler/storage/
# changes.py), so a feed's version kept in memory is checked by one indexed read
feed_changes = sa.Table(
    "feed_changes", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("stamp", sa.BigInteger, nullable=False),
)

# how often a key (a link, a council's mail, a token) may act: when its allowance is full
rate_limits = sa.Table(
    "rate_limits", metadata,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("full_at", sa.Float),  # seconds since the epoch; null: never used
)
