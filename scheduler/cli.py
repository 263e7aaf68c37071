"""The ``scheduler`` command line: exit 0 on success, 2 on bad input, 1 otherwise."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from calendars import CalendarError, CalendarFetchError

from .errors import InputError
from .progress_display import terminal_progress

if TYPE_CHECKING:
    from .services import Services

__all__ = ["main"]


class _Parser(argparse.ArgumentParser):
    """argparse that reports usage errors as one line and exit 2."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise InputError(message)


def _busy(args: argparse.Namespace) -> int:
    from .busy import busy_json, read_source
    from .values import parse_date, parse_zone

    zone = parse_zone(args.tz, "--tz")
    result = read_source(args.source, parse_date(args.from_, "--from"),
                         parse_date(args.to, "--to"), zone, args.email)
    for warning in result.warnings:
        print(f"warning: {args.source}: {warning}", file=sys.stderr)
    print(busy_json(result))
    return 0


def _solve(args: argparse.Namespace) -> int:
    import json
    from pathlib import Path

    from solver import ProblemError, solve
    from solver.problem_file import parse_problem

    path = Path(args.problem)
    try:
        text = path.read_bytes()
    except OSError as exc:
        raise InputError(exc.strerror or "cannot read", source=args.problem) from None
    try:
        problem = parse_problem(text)
    except ProblemError as exc:
        raise InputError(exc.message, field=exc.field, source=args.problem) from None
    with terminal_progress() as progress:
        solution = solve(problem, progress)
    print(json.dumps(solution.as_json(), indent=2, ensure_ascii=False))
    return 0


_CLI_NAMES = {"from": "--from", "to": "--to", "meetings": "--meetings", "duration": "--duration",
              "step": "--step", "earliest": "--earliest", "latest": "--latest",
              "weekdays": "--weekdays", "blackouts": "--blackout", "objective": "--objective",
              "min_gap_days": "--min-gap", "max_gap_days": "--max-gap",
              "alternatives": "--alternatives", "remote": "--remote",
              "time_limit_s": "--time-limit", "fairness_tolerance": "--fairness-tolerance",
              "body": "options"}


def _propose(args: argparse.Namespace) -> int:
    import math

    from .council_file import load_council
    from .formats import render
    from .planning import propose
    from .proposal_request import gap_days, parse_proposal_request

    given = {"from": args.from_, "to": args.to, "meetings": args.meetings,
             "duration": args.duration, "step": args.step, "earliest": args.earliest,
             "latest": args.latest, "weekdays": args.weekdays, "blackouts": args.blackout or None,
             "objective": args.objective, "min_gap_days": gap_days(args.min_gap, "--min-gap"),
             "max_gap_days": gap_days(args.max_gap, "--max-gap"),
             "alternatives": args.alternatives, "remote": args.remote or None,
             "time_limit_s": args.time_limit, "fairness_tolerance": args.fairness_tolerance}
    request = parse_proposal_request({k: v for k, v in given.items() if v is not None},
                                     names=_CLI_NAMES)
    council = load_council(args.council)
    try:  # on the command line the time limit is the solver's: reading calendars is not cut
        with terminal_progress() as progress:
            proposal = propose(council, request, deadline=math.inf, progress=progress)
    except InputError as exc:
        exc.field = _CLI_NAMES.get(exc.field or "", exc.field)
        raise
    sys.stdout.write(render(proposal, args.format))
    return 0


def _demo(args: argparse.Namespace) -> int:
    if args.round:
        from .demo_round import run_round_demo

        with terminal_progress("demo round") as progress:
            planned = run_round_demo(args.directory or "demo-round", year=args.year,
                                     progress=progress)
        sys.stdout.write(planned)
        return 0
    from .demo import run_demo

    with terminal_progress("demo") as progress:
        proposed = run_demo(args.directory or "demo-council", year=args.year, progress=progress)
    sys.stdout.write(proposed)
    return 0


def _round(args: argparse.Namespace) -> int:
    import dataclasses

    from .round_formats import render_round
    from .round_planning import plan_round
    from .round_request import load_round

    request = load_round(args.round)
    if args.time_limit is not None:
        if not 0 < args.time_limit <= 600:
            raise InputError("must be more than 0 and at most 600 seconds", field="--time-limit")
        request = dataclasses.replace(request, time_limit_s=args.time_limit)
    with terminal_progress() as progress:
        planned = plan_round(request, progress=progress)
    sys.stdout.write(render_round(planned, args.format))
    return 0


def _services() -> Services:
    from .services import open_services
    from .storage.database import database_url

    return open_services(database_url())[0]


def _db_upgrade(args: argparse.Namespace) -> int:
    from .storage.database import database_url, make_engine, upgrade

    url = database_url()
    revision = upgrade(make_engine(url))
    print(f"{_safe_url(url)} is at revision {revision}")
    return 0


def _safe_url(url: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(url).render_as_string(hide_password=True)


def _token(args: argparse.Namespace) -> int:
    from .errors import NotFound

    services = _services()
    if args.action == "create":
        try:
            token, secret = services.create_token(args.role, args.council, args.label)
        except InputError as exc:
            exc.field = f"--{exc.field}"
            raise
        print(f"token {token.id}: {token.role}"
              + (f" of council {token.council_id}" if token.council_id else "")
              + " (shown once; store it now)")
        print(secret)
    elif args.action == "list":
        for token in services.tokens():
            state = "active" if token.active else f"revoked {token.revoked_at:%Y-%m-%d}"
            print(f"{token.id}  {token.role:<9}  {token.council_id or '-':<12}  "
                  f"{token.created_at:%Y-%m-%d}  {state}  {token.label or ''}".rstrip())
    else:
        try:
            services.revoke_token(args.id)
        except NotFound as exc:
            raise InputError(exc.args[0], field="ID") from None
        print(f"token {args.id} revoked")
    return 0


def _serve(args: argparse.Namespace) -> int:
    import datetime as dt

    from .serve import serve

    serve(args.host, args.port, dt.date.today().year + 1 if args.demo else None,  # noqa: DTZ011
          threads=args.threads, processes=args.processes)
    return 0


def _refresh(args: argparse.Namespace) -> int:
    import datetime as dt

    from .fetch_state import FRESH_FOR

    with terminal_progress() as progress:
        found = _services().refresh_due(fresh_for=dt.timedelta(0) if args.all else FRESH_FOR,
                                        progress=progress)
    for error in found["errors"]:
        print(f"warning: {error}", file=sys.stderr)
    told = [("unchanged", "unchanged"), ("skipped", "skipped while their hosts back off"),
            ("not_due", "checked within the last hour")]
    print(f"{found['fetched']} calendars refreshed, {found['failed']} failed"
          + "".join(f", {found[key]} {words}" for key, words in told if found[key]))
    return 1 if found["failed"] and not (found["fetched"] or found["unchanged"]) else 0


def _worker(args: argparse.Namespace) -> int:
    from .jobs.worker import run_worker

    return run_worker(args.workers, "process" if args.processes else "thread", args.grace)


def _outbox(args: argparse.Namespace) -> int:
    from .mail import MailSettings, drain

    if args.action == "send":
        settings = MailSettings.from_env()
        if settings is None:
            print("mail is off: set SCHEDULER_SMTP_URL", file=sys.stderr)
            return 2
        services = _services()
        services.mail = settings  # the changes that have settled are told first
        services.public_url = os.environ.get("SCHEDULER_PUBLIC_URL", "").rstrip("/") or None
        services.tell_settled()
        result = drain(services.uow, settings)
        print(f"{result.sent} sent, {result.failed} failed"
              + (f", {result.dead} given up" if result.dead else ""))
        return 1 if (result.failed or result.dead) and not result.sent else 0
    with _services().uow(write=False) as uow:
        mails = uow.outbox.listing(None if args.all else ["pending", "dead"])
        counts = uow.outbox.counts()
    for mail in mails:
        error = " ".join((mail.last_error or "").split())[:120]
        subject = " ".join(mail.subject.split())
        print(f"{mail.id}  {mail.state:<7}  {mail.attempts:>2}  {mail.recipient}  {subject}"
              + (f"  ({error})" if error else ""))
    print(f"{counts['pending']} pending, {counts['dead']} given up, {counts['sent']} sent")
    return 0


def _add_request_options(command: argparse.ArgumentParser) -> None:
    """The proposal options; left out, they take the defaults every door shares."""
    command.add_argument("--from", dest="from_", required=True, metavar="DATE")
    command.add_argument("--to", required=True, metavar="DATE")
    command.add_argument("--meetings", type=int, required=True, metavar="K")
    command.add_argument("--duration", help="meeting length (default 3h)")
    command.add_argument("--min-gap", help="least time between meetings (default 28d)")
    command.add_argument("--max-gap", help="most time between meetings (default none)")
    command.add_argument("--step", help="start-time grid (default 30m, at least 5m)")
    command.add_argument("--earliest", metavar="HH:MM", help="first start (default 09:00)")
    command.add_argument("--latest", metavar="HH:MM", help="last end (default 16:00)")
    command.add_argument("--weekdays", help="default mon,tue,wed,thu,fri")
    command.add_argument("--blackout", action="append", default=[], metavar="DATE:DATE")
    command.add_argument("--objective", choices=["fair", "attendance"])
    command.add_argument("--format", choices=["table", "json", "csv", "ics"], default="table")
    command.add_argument("--alternatives", type=int, metavar="N", help="default 3, at most 20")
    command.add_argument("--remote", action="store_true", help="no travel time (remote meeting)")
    command.add_argument("--time-limit", type=float, metavar="SECONDS",
                         help="for the solver (default 10, at most 120)")
    command.add_argument("--fairness-tolerance", type=float, metavar="MEETINGS",
                         help="fair: expected meetings the worst-off party may give up for a "
                              "higher total (default 0.02; 0: strictly worst-off first)")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every subcommand."""
    parser = _Parser(prog="scheduler", description="Meeting dates the whole council can attend.")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    busy = commands.add_parser("busy", help="print a calendar's busy intervals as JSON")
    busy.add_argument("source", help="an .ics file or an http(s)/webcal URL")
    busy.add_argument("--from", dest="from_", required=True, metavar="DATE")
    busy.add_argument("--to", required=True, metavar="DATE")
    busy.add_argument("--tz", default="Europe/Stockholm", metavar="ZONE")
    busy.add_argument("--email", metavar="ADDR", help="the owner's address (declined = free)")
    busy.set_defaults(run=_busy)

    solve = commands.add_parser("solve", help="choose meeting slots for a problem file (JSON)")
    solve.add_argument("problem", metavar="PROBLEM.json")
    solve.set_defaults(run=_solve)

    propose = commands.add_parser("propose", help="propose a council's meetings")
    propose.add_argument("council", metavar="COUNCIL.toml")
    _add_request_options(propose)
    propose.set_defaults(run=_propose)

    demo = commands.add_parser("demo", help="write the demo council and propose its year")
    demo.add_argument("directory", nargs="?", default=None, metavar="DIR",
                      help="where to write it (default demo-council, or demo-round)")
    demo.add_argument("--round", action="store_true",
                      help="the region's five cooperation councils, planned together")
    demo.add_argument("--year", type=int, default=None, help="the year to plan (default: next)")
    demo.set_defaults(run=_demo)

    round_ = commands.add_parser("round", help="plan several councils that share people together")
    round_.add_argument("round", metavar="ROUND.toml")
    round_.add_argument("--format", choices=["table", "json"], default="table")
    round_.add_argument("--time-limit", type=float, default=None, metavar="S",
                        help="seconds for the whole round (default: the file's, or 30)")
    round_.set_defaults(run=_round)
    serve = commands.add_parser("serve", help="run the web service (waitress; gunicorn with "
                                              "--processes above 1)")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=5000)
    serve.add_argument("--processes", type=int, default=1,
                       help="worker processes (default 1: waitress in this process; more: gunicorn)")
    serve.add_argument("--threads", type=int, default=8, help="threads per process (default 8)")
    serve.add_argument("--demo", action="store_true", help="load the demo council first")
    serve.set_defaults(run=_serve)

    refresh = commands.add_parser("refresh", help="fetch the calendar URLs that are due (for cron)")
    refresh.add_argument("--all", action="store_true",
                         help="those checked within the last hour too (hosts still back off)")
    refresh.set_defaults(run=_refresh)

    db = commands.add_parser("db", help="the database (SCHEDULER_DATABASE_URL)")
    db_commands = db.add_subparsers(dest="db_command", required=True, parser_class=_Parser)
    db_commands.add_parser("upgrade", help="apply the schema migrations").set_defaults(run=_db_upgrade)

    token = commands.add_parser("token", help="API tokens: create, list, revoke")
    token_commands = token.add_subparsers(dest="action", required=True, parser_class=_Parser)
    create = token_commands.add_parser("create", help="print a new token as the last line")
    create.add_argument("--role", required=True, choices=["admin", "secretary", "chair"])
    create.add_argument("--council", default=None, metavar="ID")
    create.add_argument("--label", default=None)
    token_commands.add_parser("list", help="every token, never its secret")
    revoke = token_commands.add_parser("revoke", help="revoke a token by its id")
    revoke.add_argument("id", metavar="ID")
    token.set_defaults(run=_token)

    worker = commands.add_parser("worker", help="run background work from the queue "
                                 "(SCHEDULER_QUEUE_URL: unset the embedded one, or redis://)")
    worker.add_argument("--workers", type=int, default=2, metavar="N",
                        help="jobs run at once (default 2)")
    worker.add_argument("--processes", action="store_true",
                        help="each worker a process of its own (default: threads)")
    worker.add_argument("--grace", type=float, default=30.0, metavar="SECONDS",
                        help="on SIGTERM, how long to wait for the jobs under way (default 30)")
    worker.set_defaults(run=_worker)
    outbox = commands.add_parser("outbox", help="mail not yet delivered: list, send")
    outbox_commands = outbox.add_subparsers(dest="action", required=True, parser_class=_Parser)
    listed = outbox_commands.add_parser("list", help="mail waiting or given up, one a line")
    listed.add_argument("--all", action="store_true", help="sent mail too")
    outbox_commands.add_parser("send", help="send what is due now (SCHEDULER_SMTP_URL)")
    outbox.set_defaults(run=_outbox)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit status."""
    try:
        args = build_parser().parse_args(argv)
        run: Callable[[argparse.Namespace], int] = args.run
        return run(args)
    except (InputError, CalendarFetchError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1 if isinstance(exc, CalendarFetchError) else 2
    except CalendarError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 1
    except Exception as exc:
        detail = str(exc).splitlines()[0] if str(exc) else ""
        print(f"error: {type(exc).__name__}: {detail}"[:500], file=sys.stderr)
        if os.environ.get("SCHEDULER_DEBUG") == "1":
            raise
        return 1


if __name__ == "__main__":
    sys.exit(main())
