"""The bundled demo council: realistic, readable in every style, truthful about what
calendars publish (one-off events three months ahead, some a full year, two members with
none), bodies whose meeting plans are known for the whole year, and its year proposed."""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import itertools
import zoneinfo
from pathlib import Path

import pytest

from calendars import BusyStatus, read_busy
from scheduler.bodies import load_plans
from scheduler.cli import main
from scheduler.council import Council
from scheduler.council_file import load_council
from scheduler.demo import as_of, published_until, write_demo

ZONE = zoneinfo.ZoneInfo("Europe/Stockholm")
YEAR_START = dt.datetime(2027, 1, 1, tzinfo=ZONE)
YEAR_END = dt.datetime(2028, 1, 1, tzinfo=ZONE)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, int]:
    folder = tmp_path_factory.mktemp("demo")
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(["demo", str(folder), "--year", "2027"])
    return folder, out.getvalue(), code


@pytest.fixture(scope="module")
def council(demo: tuple[Path, str, int]) -> Council:
    return load_council(demo[0] / "council.toml")


def _read(path: str | None, start: dt.datetime = YEAR_START) -> list[
        tuple[dt.datetime, dt.datetime, BusyStatus, bool]]:
    assert path is not None
    found = read_busy(Path(path).read_bytes(), start, YEAR_END, cache=None)
    assert not found.warnings, path
    return [(i.start, i.end, i.status, i.recurring) for i in found.intervals]


def test_scheduler_demo_exits_zero_and_prints_the_proof_in_swedish(demo: tuple[Path, str, int]) -> None:
    _, table, code = demo
    assert code == 0
    assert "bevisat optimalt" in table
    assert table.count("förväntat") == 4
    assert "Rättvisans pris" in table


def test_the_demo_council_has_thirteen_parties_with_two_members_each(council: Council) -> None:
    assert len(council.parties) == 13
    assert {p.id for p in council.parties} >= {"region", "orebro", "ljusnarsberg", "hallefors"}
    assert all(sorted(m.role for m in p.members) == ["representative", "substitute"]
               for p in council.parties)
    ljusnarsberg = council.party("ljusnarsberg")
    assert (ljusnarsberg.representative.invited, ljusnarsberg.representative.attended) == (3, 1)
    assert sum("ljusnarsberg" in m.present for m in council.history) == 1


def test_the_demo_council_has_a_secretary_to_tell_of_call_ins(council: Council) -> None:
    assert council.secretary_email == "kulturradet@regionorebrolan.example"
    assert all(m.email for p in council.parties for m in p.members)


def test_the_demo_is_planned_in_late_november_with_calendars_published_three_months_ahead() -> None:
    assert as_of(2027) == dt.date(2026, 11, 15)
    assert published_until(2027) == dt.date(2027, 2, 15)


def test_the_demo_names_the_municipal_councils_the_regional_board_and_school_holidays_as_bodies(
        council: Council) -> None:
    bodies = {b.id: b for b in council.bodies}
    assert bodies["lindesberg-kf"].name == "Lindesbergs kommunfullmäktige"
    assert bodies["regionstyrelsen"].name == "Regionstyrelsen"
    assert bodies["regionfullmaktige"].name == "Regionfullmäktige"
    municipalities = [p.id for p in council.parties if p.id != "region"]
    assert all(f"{m}-kf" in bodies and f"{m}-lov" in bodies for m in municipalities)
    assert all(b.calendar and Path(b.calendar).is_file() for b in bodies.values())
    assert [b.id for b in bodies.values() if b.draft] == ["nora-kf"]


def test_every_member_sits_in_the_full_council_of_their_party(council: Council) -> None:
    for party in council.parties:
        own = "regionfullmaktige" if party.id == "region" else f"{party.id}-kf"
        assert all(own in m.bodies for m in party.members), party.id
    assert "regionstyrelsen" in council.party("region").representative.bodies
    with_children = [m for p in council.parties for m in p.members
                     if any(b.endswith("-lov") for b in m.bodies)]
    assert 3 <= len(with_children) <= 20


def test_lindesbergs_council_meets_monthly_on_mondays_at_five_but_not_in_july(council: Council) -> None:
    plan = _read(next(b for b in council.bodies if b.id == "lindesberg-kf").calendar)
    assert len(plan) == 11
    assert {(start.weekday(), start.hour, start.minute) for start, *_ in plan} == {(0, 17, 0)}
    assert sorted({start.month for start, *_ in plan}) == [m for m in range(1, 13) if m != 7]


def test_the_regional_board_meets_every_third_tuesday_morning(council: Council) -> None:
    plan = _read(next(b for b in council.bodies if b.id == "regionstyrelsen").calendar)
    starts = [start for start, *_ in plan]
    assert {(s.weekday(), s.hour) for s in starts} == {(1, 9)}
    assert {(b - a).days for a, b in itertools.pairwise(starts)} <= {21, 42, 63}
    assert not any(s.month == 7 for s in starts)


def test_school_holidays_are_whole_weeks_out_of_office_sportlov_by_municipality(council: Council) -> None:
    sportlov = set()
    for body in council.bodies:
        if not body.id.endswith("-lov"):
            continue
        plan = _read(body.calendar)
        assert {status for *_, status, _ in plan} == {BusyStatus.OOF}
        weeks = {start.isocalendar().week for start, *_ in plan}
        assert 44 in weeks
        sportlov |= weeks & {8, 9, 10}
        assert len(weeks & {8, 9, 10}) == 1
        assert all(end - start == dt.timedelta(days=5) for start, end, *_ in plan)
    assert sportlov == {8, 9, 10}


def test_every_demo_calendar_reads_without_warnings_in_its_export_style(council: Council) -> None:
    styles = {"W. Europe Standard Time": 0, "X-WR-TIMEZONE": 0, "VFREEBUSY": 0, "Apple": 0}
    members = [m for p in council.parties for m in p.members]
    for member in members:
        if member.calendar is None:
            continue
        data = Path(member.calendar).read_bytes()
        for marker in styles:
            styles[marker] += marker.encode() in data
        # what it publishes from two months before the as-of date on
        assert len(_read(member.calendar, dt.datetime(2026, 9, 1, tzinfo=ZONE))) > 100, member.name
    assert all(count >= 5 for count in styles.values()), styles


def test_two_members_have_no_calendar_but_their_bodies_plans_are_known(council: Council) -> None:
    without = [(p.id, m) for p in council.parties for m in p.members if m.calendar is None]
    assert len(without) == 2
    plans, warnings = load_plans(council, YEAR_START, YEAR_END)
    assert warnings == []
    for party in council.parties:
        for i, member in enumerate(party.members):
            assert len(plans[(party.id, i)]) >= 8, member.name
            assert all(interval.recurring for interval in plans[(party.id, i)])


def test_some_calendars_publish_one_off_events_only_three_months_ahead_and_series_in_full(
        council: Council) -> None:
    cut = dt.datetime(2027, 2, 15, tzinfo=ZONE)
    kinds = {"cut": 0, "full": 0}
    for party in council.parties:
        for member in party.members:
            if member.calendar is None:
                continue
            intervals = _read(member.calendar)
            one_offs = [start for start, _, _, recurring in intervals if not recurring]
            if max(one_offs) < cut:
                kinds["cut"] += 1
                data = Path(member.calendar).read_bytes()
                if b"VFREEBUSY" not in data:  # a free/busy file has no series: it ends there
                    assert max(start for start, *_ in intervals) > dt.datetime(2027, 11, 1, tzinfo=ZONE)
                    assert member.horizon == dt.date(2027, 2, 15)
            else:
                kinds["full"] += 1
                assert max(one_offs) > dt.datetime(2027, 11, 1, tzinfo=ZONE)
                assert member.horizon is None
    assert kinds["cut"] >= 8 and kinds["full"] >= 8, kinds


def test_a_members_calendar_holds_their_councils_meetings_up_to_what_it_publishes(council: Council) -> None:
    plan = {start for start, *_ in _read(next(b for b in council.bodies
                                             if b.id == "lindesberg-kf").calendar)}
    cut = dt.datetime(2027, 2, 15, tzinfo=ZONE)
    for member in council.party("lindesberg").members:
        if member.calendar is None:
            continue
        intervals = _read(member.calendar)
        one_offs = [start for start, _, _, recurring in intervals if not recurring]
        shown = {start for start in plan if start < cut} if max(one_offs) < cut else plan
        assert shown and shown <= {start for start, *_ in intervals}


def test_the_demo_is_deterministic(tmp_path: Path) -> None:
    first = write_demo(tmp_path / "one", 2027).parent
    second = write_demo(tmp_path / "two", 2027).parent
    files = sorted(p.relative_to(first) for p in first.rglob("*") if p.is_file())
    assert len(files) > 40
    for name in files:
        assert (first / name).read_bytes() == (second / name).read_bytes(), name
    assert sorted(p.relative_to(second) for p in second.rglob("*") if p.is_file()) == files
